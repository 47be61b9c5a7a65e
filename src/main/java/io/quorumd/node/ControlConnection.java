package io.quorumd.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One control client on its own thread: reads {@code \n}-terminated request lines and writes one answer line
 * each. Invariants, whatever the client sends:
 * <ul>
 *   <li>A line is never buffered past {@link ControlServer.Limits#maxLineBytes}: one byte more and the
 *       client gets one refusal line and is closed. Memory per client is bounded by the limit, not by the
 *       input.</li>
 *   <li>Past {@link ControlServer.Limits#smallLineBytes} a line needs the server's single large-request
 *       permit (waiting up to the idle timeout for it), so at most one client at a time holds a large line:
 *       total buffering stays near {@code maxLineBytes + maxClients × smallLineBytes}.</li>
 *   <li>Every read and write finishes within {@link ControlServer.Limits#idleTimeout} or the connection is
 *       closed (the channel is closed from a timer, which ends the blocked call).</li>
 * </ul>
 */
final class ControlConnection implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    private static final int CHUNK = 8192;

    private final ControlServer server;
    private final SocketChannel channel;
    private final ControlServer.Limits limits;
    private byte[] line = new byte[256];
    private int length;
    private boolean holdsLargePermit;
    private volatile boolean timedOut;

    ControlConnection(ControlServer server, SocketChannel channel) {
        this.server = server;
        this.channel = channel;
        this.limits = server.limits();
    }

    @Override
    public void run() {
        try (channel) {
            serve();
        } catch (IOException e) {
            LOG.atDebug().addKeyValue("error", String.valueOf(e.getMessage())).addKeyValue("idle", timedOut)
                    .log("control client gone");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            releaseLargePermit();
            server.clientEnded(channel);
        }
    }

    private void serve() throws IOException, InterruptedException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        byte[] a = chunk.array();
        while (true) {
            chunk.clear();
            int n = timed(() -> channel.read(chunk));
            if (n < 0) {
                return;
            }
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (a[i] != '\n') {
                    continue;
                }
                if (!append(a, start, i - start)) {
                    return;
                }
                String request = takeLine();
                try {
                    writeLine(server.answer(request));
                } finally {
                    releaseLargePermit(); // held until the large request is answered and can be collected
                }
                start = i + 1;
            }
            if (!append(a, start, n - start)) {
                return;
            }
        }
    }

    /** Adds bytes to the current line; false (after answering the refusal) when the line may not grow. */
    private boolean append(byte[] src, int from, int count) throws IOException, InterruptedException {
        if (count == 0) {
            return true;
        }
        long wanted = (long) length + count;
        if (wanted > limits.maxLineBytes()) {
            refuse("request line longer than " + limits.maxLineBytes() + " bytes; refused");
            return false;
        }
        if (wanted > limits.smallLineBytes() && !holdsLargePermit) {
            if (!server.largeRequests().tryAcquire(limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                refuse("another large control request is being handled; try again later");
                return false;
            }
            holdsLargePermit = true;
        }
        if (wanted > line.length) {
            line = Arrays.copyOf(line, (int) Math.min(limits.maxLineBytes(), Math.max(wanted, 2L * line.length)));
        }
        System.arraycopy(src, from, line, length, count);
        length = (int) wanted;
        return true;
    }

    /** The complete line as text; the buffer starts over, small again if it had grown. */
    private String takeLine() {
        String text = new String(line, 0, length, StandardCharsets.UTF_8);
        length = 0;
        if (line.length > limits.smallLineBytes()) {
            line = new byte[256];
        }
        return text;
    }

    private void releaseLargePermit() {
        if (holdsLargePermit) {
            holdsLargePermit = false;
            server.largeRequests().release();
        }
    }

    private void refuse(String reason) throws IOException {
        LOG.atWarn().addKeyValue("reason", reason).log("control request refused; closing the connection");
        writeLine(ControlServer.refusal(reason));
    }

    private void writeLine(String text) throws IOException {
        ByteBuffer out = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            timed(() -> channel.write(out));
        }
    }

    @FunctionalInterface
    private interface Io {
        int run() throws IOException;
    }

    /** Runs one blocking read or write; past the idle timeout the channel is closed, which ends it. */
    private int timed(Io io) throws IOException {
        ScheduledFuture<?> deadline;
        try {
            deadline = server.timer().schedule(this::expire, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            throw new IOException("control server closed");
        }
        try {
            return io.run();
        } finally {
            deadline.cancel(false);
        }
    }

    private void expire() {
        timedOut = true;
        server.clientEnded(channel); // the slot is free before the client sees the close (ending twice is harmless)
        try {
            channel.close();
        } catch (IOException e) {
            LOG.atDebug().addKeyValue("error", e.getMessage()).log("closing an idle control client");
        }
    }
}

package io.quorumd.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder in front of a broker that a test can shut to new connections, so it decides when a
 * client may reconnect (e.g. only after a subscriber has subscribed again to a restarted broker). A shut
 * gate accepts and closes at once, as a refused connect. Connections already through are untouched: they
 * end when either side does.
 */
final class TcpGate implements AutoCloseable {
    private final ServerSocket listener;
    private final int upstreamPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean open;
    private volatile boolean mute;
    private final AtomicInteger muted = new AtomicInteger();
    private volatile boolean closed;

    TcpGate(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "tcp-gate");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url() {
        return "tcp://127.0.0.1:" + listener.getLocalPort();
    }

    void open() {
        mute = false;
        open = true;
    }

    void shut() {
        open = false;
    }

    /**
     * From now on new connections are accepted and then ignored: no byte forwarded, none answered, the
     * socket left open, as a broker that accepted a connection and hangs. {@link #open()} ends it.
     */
    void mute() {
        mute = true;
    }

    /** Connections accepted and left hanging since the gate was first muted. */
    int muted() {
        return muted.get();
    }

    /** Ends every connection that is through, as a broker restart does. */
    void dropAll() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket down;
            try {
                down = listener.accept();
            } catch (IOException e) {
                return;
            }
            if (mute) {
                sockets.add(down);
                muted.incrementAndGet();
                continue;
            }
            if (!open) {
                closeQuietly(down);
                continue;
            }
            try {
                Socket up = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                up.setTcpNoDelay(true);
                down.setTcpNoDelay(true);
                sockets.add(up);
                sockets.add(down);
                pump(down, up);
                pump(up, down);
            } catch (IOException brokerDown) {
                closeQuietly(down);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                }
            } catch (IOException ended) {
                // either side went away; both are closed below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tcp-gate-pump");
        t.setDaemon(true);
        t.start();
    }

    private void closeQuietly(Socket s) {
        sockets.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}

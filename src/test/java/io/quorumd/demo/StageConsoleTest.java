package io.quorumd.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Stages on a terminal update one line in place; through a pipe they are finished lines only, without escapes. */
class StageConsoleTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private StageConsole console(StageConsole.Mode mode) {
        return new StageConsole(new PrintStream(bytes, true, StandardCharsets.UTF_8), mode, StageFormat.Glyphs.UNICODE, 80,
                nanos::get);
    }

    private String out() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private void story(StageConsole c) {
        c.progress("nodes online 1/7");
        nanos.addAndGet(1_500_000_000L);
        c.progress("nodes online 6/7");
        c.done("nodes online 7/7");
        c.progress("checkpoints 2/7");
        nanos.addAndGet(20_000_000_000L);
        c.failed("checkpoints 5/7");
        c.progress("stopping the nodes");
        c.close();
    }

    @Test
    void plainOutputIsOneLinePerFinishedStageWithoutEscapes() {
        story(console(StageConsole.Mode.PLAIN));
        assertEquals("✓    1.5s  nodes online 7/7\n✗   21.5s  checkpoints 5/7\n", out().replace(System.lineSeparator(), "\n"));
        assertFalse(out().contains("\u001b"));
        assertFalse(out().contains("\r"));
    }

    @Test
    void onATerminalTheStageUnderWayIsRepaintedThenReplacedByItsFinishedLine() {
        story(console(StageConsole.Mode.TTY));
        String[] lines = out().split(System.lineSeparator(), -1);
        assertEquals(3, lines.length, out());
        // every update starts by returning to the start of the line and erasing it
        assertTrue(lines[0].startsWith("\r\u001b[2K"), lines[0]);
        assertTrue(lines[0].contains("nodes online 1/7") && lines[0].contains("nodes online 6/7"), lines[0]);
        assertTrue(lines[0].endsWith("\r\u001b[2K✓    1.5s  nodes online 7/7"), lines[0]);
        assertTrue(lines[1].endsWith("\r\u001b[2K✗   21.5s  checkpoints 5/7"), lines[1]);
        // the unfinished stage is wiped, leaving the cursor at the start of an empty line for what follows
        assertTrue(lines[2].endsWith("stopping the nodes\r\u001b[2K"), lines[2]);
    }

    @Test
    void closingWithNothingUnderWayWritesNothing() {
        StageConsole c = console(StageConsole.Mode.TTY);
        c.done("broker up");
        int before = out().length();
        c.close();
        assertEquals(before, out().length());
    }
}

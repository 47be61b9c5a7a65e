package io.quorumd.demo;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * The demo's stages on stdout. {@link Mode#TTY}: the stage under way is one line repainted in place with a spinner,
 * replaced by its finished line when it ends. {@link Mode#PLAIN}: only finished stages, one line each, never an
 * escape code, for pipes, files and CI logs.
 */
public final class StageConsole implements DemoStages {
    /** How stages are shown. */
    public enum Mode { TTY, PLAIN }

    private final PrintStream out;
    private final Mode mode;
    private final StageFormat.Glyphs glyphs;
    private final int columns;
    private final LongSupplier nanos;
    private final long startNanos;
    private int frame;
    private boolean lineOpen;

    public StageConsole(PrintStream out, Mode mode, StageFormat.Glyphs glyphs, int columns, LongSupplier nanos) {
        this.out = out;
        this.mode = mode;
        this.glyphs = glyphs;
        this.columns = columns;
        this.nanos = nanos;
        this.startNanos = nanos.getAsLong();
    }

    private long elapsedMillis() {
        return (nanos.getAsLong() - startNanos) / 1_000_000;
    }

    @Override
    public synchronized void progress(String text) {
        if (mode == Mode.TTY) {
            out.print(StageFormat.repaint(StageFormat.underWay(glyphs, frame++, elapsedMillis(), text), columns));
            out.flush();
            lineOpen = true;
        }
    }

    @Override
    public synchronized void done(String text) {
        finish(StageFormat.done(glyphs, elapsedMillis(), text));
    }

    @Override
    public synchronized void failed(String text) {
        finish(StageFormat.failed(glyphs, elapsedMillis(), text));
    }

    private void finish(String line) {
        if (lineOpen) {
            out.print(StageFormat.erase());
            lineOpen = false;
        }
        out.println(line);
        out.flush();
    }

    @Override
    public synchronized void close() {
        if (lineOpen) {
            out.print(StageFormat.erase());
            out.flush();
            lineOpen = false;
        }
    }
}

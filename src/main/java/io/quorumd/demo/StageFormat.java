package io.quorumd.demo;

import java.nio.charset.Charset;
import java.util.Locale;

/**
 * How a stage line looks: a mark, the seconds since the demo began, the text. A finished stage reads
 * {@code "✓  12.3s  checkpoints 7/7 …"}; one under way shows a spinner frame in the mark's place. On a terminal an
 * update repaints its line in place (carriage return, then ANSI "erase line"), cut to the terminal's width so it
 * never wraps (a wrapped line could not be erased whole); plain output has no escape codes at all.
 */
public final class StageFormat {
    /** Carriage return, then "erase the whole line" (ECMA-48 EL with parameter 2). */
    static final String REPAINT = "\r\u001b[2K";

    /** The marks a stage line uses: Unicode where the output's charset can encode it, ASCII otherwise. */
    public enum Glyphs {
        UNICODE("✓", "✗", new String[] {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}),
        ASCII("ok", "!!", new String[] {"-", "\\", "|", "/"});

        private final String done;
        private final String failed;
        private final String[] spinner;

        Glyphs(String done, String failed, String[] spinner) {
            this.done = done;
            this.failed = failed;
            this.spinner = spinner;
        }

        /** The Unicode marks if {@code charset} encodes all of them, else ASCII. */
        public static Glyphs forCharset(Charset charset) {
            var encoder = charset.newEncoder();
            for (String s : new String[] {UNICODE.done, UNICODE.failed, String.join("", UNICODE.spinner)}) {
                if (!encoder.canEncode(s)) {
                    return ASCII;
                }
            }
            return UNICODE;
        }
    }

    private StageFormat() {
    }

    /** A finished stage's line, without a line break. */
    public static String done(Glyphs g, long elapsedMillis, String text) {
        return line(g.done, elapsedMillis, text);
    }

    /** A failed stage's line, without a line break. */
    public static String failed(Glyphs g, long elapsedMillis, String text) {
        return line(g.failed, elapsedMillis, text);
    }

    /** A stage under way, as the {@code frame}th repaint shows it. */
    public static String underWay(Glyphs g, int frame, long elapsedMillis, String text) {
        return line(g.spinner[Math.floorMod(frame, g.spinner.length)], elapsedMillis, text);
    }

    /** What a terminal is sent to replace its current line by {@code line}, cut to fit {@code columns}. */
    public static String repaint(String line, int columns) {
        int room = Math.max(10, columns - 1);
        return REPAINT + (line.codePointCount(0, line.length()) <= room ? line
                : line.substring(0, line.offsetByCodePoints(0, room - 3)) + "...");
    }

    /** What clears the current line of a terminal. */
    public static String erase() {
        return REPAINT;
    }

    private static String line(String mark, long elapsedMillis, String text) {
        return String.format(Locale.ROOT, "%-2s %5.1fs  %s", mark, elapsedMillis / 1000.0, text);
    }
}

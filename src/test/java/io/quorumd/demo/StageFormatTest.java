package io.quorumd.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A stage line: mark, seconds since the start, text; repainted in place on a terminal, never wider than it. */
class StageFormatTest {
    private static final StageFormat.Glyphs U = StageFormat.Glyphs.UNICODE;

    @Test
    void aFinishedStageReadsMarkSecondsText() {
        assertEquals("✓   12.3s  checkpoints 7/7", StageFormat.done(U, 12_345, "checkpoints 7/7"));
        assertEquals("✗    0.0s  dispute A", StageFormat.failed(U, 40, "dispute A"));
        assertEquals("ok   1.5s  broker up", StageFormat.done(StageFormat.Glyphs.ASCII, 1_500, "broker up"));
    }

    @Test
    void linesStayAlignedWhateverTheMarkAndTheSeconds() {
        int at = StageFormat.done(U, 1_000, "x").indexOf('x');
        assertEquals(at, StageFormat.done(U, 99_900, "x").indexOf('x'));
        assertEquals(at, StageFormat.underWay(U, 3, 5_000, "x").indexOf('x'));
        assertEquals(at, StageFormat.failed(StageFormat.Glyphs.ASCII, 5_000, "x").indexOf('x'));
    }

    @Test
    void theSpinnerTurnsWithEachRepaintAndComesRound() {
        String first = StageFormat.underWay(U, 0, 0, "nodes online 3/7");
        assertNotEquals(first, StageFormat.underWay(U, 1, 0, "nodes online 3/7"));
        assertEquals(first, StageFormat.underWay(U, 10, 0, "nodes online 3/7"));
        assertEquals(StageFormat.underWay(StageFormat.Glyphs.ASCII, -1, 0, "a"), StageFormat.underWay(StageFormat.Glyphs.ASCII, 3, 0, "a"));
    }

    @Test
    void aRepaintReturnsToTheLineStartErasesItAndNeverWraps() {
        String short_ = StageFormat.repaint("nodes online 3/7", 80);
        assertEquals("\r\u001b[2Knodes online 3/7", short_);
        String longLine = "✓ " + "x".repeat(200);
        String cut = StageFormat.repaint(longLine, 40);
        assertTrue(cut.startsWith("\r\u001b[2K✓ xxx"), cut);
        String shown = cut.substring("\r\u001b[2K".length());
        assertEquals(39, shown.codePointCount(0, shown.length()), shown);
        assertTrue(shown.endsWith("..."), shown);
        assertEquals(StageFormat.repaint("y".repeat(39), 40), "\r\u001b[2K" + "y".repeat(39));
    }

    @Test
    void unicodeMarksOnlyWhereTheCharsetCanEncodeThem() {
        assertEquals(StageFormat.Glyphs.UNICODE, StageFormat.Glyphs.forCharset(StandardCharsets.UTF_8));
        assertEquals(StageFormat.Glyphs.ASCII, StageFormat.Glyphs.forCharset(StandardCharsets.US_ASCII));
        assertEquals(StageFormat.Glyphs.ASCII, StageFormat.Glyphs.forCharset(StandardCharsets.ISO_8859_1));
        for (int f = 0; f < 4; f++) {
            String line = StageFormat.underWay(StageFormat.Glyphs.ASCII, f, 1_000, "a");
            assertFalse(line.chars().anyMatch(c -> c > 127), line);
        }
    }
}

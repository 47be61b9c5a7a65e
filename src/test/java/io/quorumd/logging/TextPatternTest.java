package io.quorumd.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The text layout names the node a line comes from, and says nothing of a node outside one. */
class TextPatternTest {
    private static String format(Map<String, String> mdc) {
        LoggerContext ctx = new LoggerContext();
        PatternLayout layout = new PatternLayout();
        layout.setContext(ctx);
        layout.setPattern(LogSetup.TEXT_PATTERN);
        layout.start();
        LoggingEvent e = new LoggingEvent("x", ctx.getLogger("io.quorumd.cli.Main"), Level.WARN, "broker connect failed",
                null, null);
        e.setMDCPropertyMap(mdc);
        return layout.doLayout(e);
    }

    @Test
    void aLineOfANodeNamesItOnceAndALineOutsideOneNamesNone() {
        String inside = format(Map.of("node", "node-3"));
        assertTrue(inside.contains(" WARN  node=node-3 Main: broker connect failed"), inside);
        assertEquals(1, inside.split("node=", -1).length - 1, inside);
        String outside = format(Map.of());
        assertFalse(outside.contains("node="), outside);
        assertTrue(outside.contains(" WARN  Main: broker connect failed"), outside);
    }
}

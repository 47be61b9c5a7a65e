package io.quorumd.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class OutboundBacklogTest {
    private static OutboundBacklog.Message vote(int n) {
        return new OutboundBacklog.Message("p/checkpoint/vote/x", ("vote " + n).getBytes(StandardCharsets.UTF_8), false);
    }

    private static OutboundBacklog.Message heartbeat(String node, int seq) {
        return new OutboundBacklog.Message("p/presence/" + node, ("hb " + seq).getBytes(StandardCharsets.UTF_8), true);
    }

    private static List<String> drain(OutboundBacklog b) {
        List<String> out = new ArrayList<>();
        while (!b.isEmpty()) {
            OutboundBacklog.Message m = b.first();
            out.add(m.topic() + " " + new String(m.payload(), StandardCharsets.UTF_8));
            b.removeFirst();
        }
        return out;
    }

    @Test
    void signedNonRetainedMessagesAreNeverDroppedHoweverLongTheOutage() {
        OutboundBacklog b = new OutboundBacklog("n1");
        for (int i = 0; i < 25_000; i++) {
            b.add(vote(i));
        }
        assertEquals(25_000, b.size());
        List<String> sent = drain(b);
        assertEquals(25_000, sent.size());
        for (int i = 0; i < sent.size(); i++) {
            assertEquals("p/checkpoint/vote/x vote " + i, sent.get(i), "in publish order");
        }
    }

    @Test
    void aRetainedMessageSupersedesTheOneWaitingOnItsTopicAndTakesItsPlaceAtTheBack() {
        OutboundBacklog b = new OutboundBacklog("n1");
        b.add(heartbeat("a", 1));
        b.add(vote(1));
        b.add(heartbeat("b", 1));
        b.add(heartbeat("a", 2));
        b.add(vote(2));
        assertEquals(List.of("p/checkpoint/vote/x vote 1", "p/presence/b hb 1", "p/presence/a hb 2",
                "p/checkpoint/vote/x vote 2"), drain(b));
        assertEquals(1, b.superseded());
    }

    @Test
    void aGrowingBacklogIsLoggedAtTheThresholdAndEachDoubling() {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        var logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(MqttTransport.class);
        Level before = logger.getLevel();
        logger.setLevel(Level.INFO); // the test log level may be WARN: the "sent" line is INFO
        logger.addAppender(log);
        try {
            OutboundBacklog b = new OutboundBacklog("n1");
            for (int i = 0; i < 4 * OutboundBacklog.WARN_AT - 1; i++) {
                b.add(vote(i));
            }
            List<ILoggingEvent> warnings = log.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
            assertEquals(2, warnings.size(), "at 1,000 and 2,000, not at every message: " + warnings);
            assertTrue(warnings.get(1).getKeyValuePairs().stream()
                    .anyMatch(p -> p.key.equals("backlog") && p.value.equals(2 * OutboundBacklog.WARN_AT)));
            drain(b);
            assertTrue(log.list.stream().anyMatch(e -> e.getFormattedMessage().equals("broker backlog sent")));
        } finally {
            logger.detachAppender(log);
            logger.setLevel(before);
        }
    }
}

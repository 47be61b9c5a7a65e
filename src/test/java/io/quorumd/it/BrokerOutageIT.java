package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quorumd.config.QuorumdConfig.MqttSection;
import io.quorumd.config.QuorumdConfig.TlsSection;
import io.quorumd.mqtt.MqttTransport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT edge across broker outages, against a private mosquitto (no persistence) that is started late or
 * killed by PID. The publisher reaches it through a {@link TcpGate} so that it reconnects only once the
 * test's subscriber is subscribed to the (re)started broker: what is measured is what the transport hands
 * the broker, not a race between two reconnecting clients.
 */
class BrokerOutageIT {
    private static final String PREFIX = "qd-outage";
    private static final String VOTES = PREFIX + "/checkpoint/vote/x";
    private static final String PRESENCE = PREFIX + "/presence/n1";

    @TempDir
    Path dir;

    /** What the subscriber saw: non-retained sequence numbers (duplicates allowed) and presence payloads. */
    private static final class Seen {
        final Set<Long> votes = ConcurrentHashMap.newKeySet();
        final List<Long> voteOrder = new CopyOnWriteArrayList<>();
        final List<String> presence = new CopyOnWriteArrayList<>();

        MqttAsyncClient subscribe(String url, String clientId) throws Exception {
            MqttAsyncClient c = new MqttAsyncClient(url, clientId, new MemoryPersistence());
            c.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                    String text = new String(m.getPayload(), StandardCharsets.UTF_8);
                    if (topic.equals(VOTES)) {
                        long seq = Long.parseLong(text);
                        votes.add(seq);
                        voteOrder.add(seq);
                    } else {
                        presence.add(text);
                    }
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            o.setMaxInflight(1000);
            c.connect(o).waitForCompletion(10_000);
            c.subscribe(new String[] {VOTES, PRESENCE}, new int[] {1, 1}).waitForCompletion(10_000);
            return c;
        }
    }

    private static MqttTransport publisher(String url) throws Exception {
        MqttSection s = new MqttSection(url, "qd-outage-publisher", Optional.empty(), Optional.empty(),
                new TlsSection(Optional.empty(), Optional.empty(), Optional.empty()), PREFIX, Duration.ofSeconds(5),
                Duration.ofSeconds(2), Duration.ofSeconds(2));
        return new MqttTransport(s, "n1", new MqttTransport.Will(PRESENCE, "offline".getBytes(StandardCharsets.UTF_8)),
                List.of(PREFIX + "/nothing"), (topic, payload, retained) -> { });
    }

    private static byte[] bytes(Object o) {
        return String.valueOf(o).getBytes(StandardCharsets.UTF_8);
    }

    private static void close(MqttAsyncClient c) throws Exception {
        if (c.isConnected()) {
            c.disconnect().waitForCompletion(5_000);
        }
        c.close(true);
    }

    @Test
    void whatIsPublishedWhileTheBrokerIsDownArrivesOnceItIsUpWithOnlyTheLatestRetained() throws Exception {
        assumeTrue(PrivateMosquitto.available(), "mosquitto is not installed (.ci/run installs it)");
        try (PrivateMosquitto broker = new PrivateMosquitto(Files.createDirectories(dir.resolve("broker")));
             TcpGate gate = new TcpGate(broker.port())) {
            MqttTransport transport = publisher(gate.url());
            Seen seen = new Seen();
            MqttAsyncClient subscriber = null;
            try {
                transport.start();
                for (int i = 0; i < 200; i++) {
                    transport.publish(VOTES, bytes(i), false);
                    if (i % 4 == 0) {
                        transport.publish(PRESENCE, bytes("hb " + i / 4), true);
                    }
                }
                assertEquals(201, transport.backlog(), "200 votes and the latest of 50 heartbeats wait");

                broker.start();
                subscriber = seen.subscribe(broker.url(), "qd-outage-sub-a");
                gate.open();
                Await.until(Duration.ofSeconds(30), () -> seen.votes.size() == 200 && !seen.presence.isEmpty(),
                        () -> "votes=" + seen.votes.size() + " presence=" + seen.presence + " backlog=" + transport.backlog());

                assertEquals(LongStream.range(0, 200).boxed().toList(), seen.voteOrder, "all 200, once each, in order");
                Await.until(Duration.ofSeconds(10), () -> transport.acknowledged() == 201,
                        () -> "acknowledged=" + transport.acknowledged());
                assertEquals(List.of("hb 49"), seen.presence, "superseded heartbeats were never sent");
                Seen late = new Seen();
                MqttAsyncClient lateSubscriber = late.subscribe(broker.url(), "qd-outage-sub-late");
                try {
                    Await.until(Duration.ofSeconds(10), () -> !late.presence.isEmpty(), () -> "nothing retained");
                    assertEquals(List.of("hb 49"), late.presence, "the broker retains the latest heartbeat");
                } finally {
                    close(lateSubscriber);
                }
            } finally {
                transport.close(Duration.ofSeconds(2));
                if (subscriber != null) {
                    close(subscriber);
                }
            }
        }
    }

    /**
     * Messages stream, then the broker is frozen (SIGSTOP), 500 more are handed to Paho — in flight, never
     * acknowledged — and the broker is SIGKILLed. Paho acknowledges in order (MQTT 3.1.1 §4.6), so the ones
     * the dead broker acknowledged are exactly {@code [0, acked)}, counted once the drop is seen (Paho has
     * stopped its callback thread by then). Those may be lost with the broker's memory; every other one —
     * in flight at the kill (only Paho held them), or published during the outage (more than the old 10,000
     * bound) — must reach the subscriber once the broker is back.
     */
    @Test
    void killingTheBrokerMidStreamLosesNothingItDidNotAcknowledge() throws Exception {
        assumeTrue(PrivateMosquitto.available(), "mosquitto is not installed (.ci/run installs it)");
        try (PrivateMosquitto broker = new PrivateMosquitto(Files.createDirectories(dir.resolve("broker")));
             TcpGate gate = new TcpGate(broker.port())) {
            broker.start();
            Seen seen = new Seen();
            MqttAsyncClient subscriber = seen.subscribe(broker.url(), "qd-outage-sub-b");
            gate.open();
            MqttTransport transport = publisher(gate.url());
            try {
                transport.start();
                assertTrue(transport.awaitConnected(Duration.ofSeconds(15)), "publisher connects");
                long seq = 0;
                for (; seen.votes.size() < 1_000; seq++) {
                    long next = seq;
                    // stay about 200 messages ahead of the subscriber while the stream runs
                    Await.until(Duration.ofSeconds(30), () -> seen.votes.size() >= next - 200,
                            () -> "subscriber stalled at " + seen.votes.size());
                    transport.publish(VOTES, bytes(seq), false);
                }
                long frozenAt = seq;
                broker.freeze();
                for (; seq < frozenAt + 500; seq++) {
                    transport.publish(VOTES, bytes(seq), false);
                }
                assertEquals(0, transport.backlog(), "the 500 went to Paho, not to the transport's backlog");
                gate.shut();
                broker.kill();
                Await.until(Duration.ofSeconds(30), () -> !transport.isConnected(), () -> "still connected");
                long acked = transport.acknowledged();
                assertTrue(acked <= frozenAt, "a frozen broker acknowledges nothing: acked=" + acked);

                long outageStart = seq;
                for (; seq < outageStart + 12_000; seq++) {
                    transport.publish(VOTES, bytes(seq), false);
                }
                long total = seq;
                assertEquals(12_000, transport.backlog(), "nothing published during the outage is dropped");

                broker.start();
                close(subscriber);
                subscriber = seen.subscribe(broker.url(), "qd-outage-sub-b");
                gate.open();
                Await.until(Duration.ofSeconds(60), () -> LongStream.range(acked, total).allMatch(seen.votes::contains),
                        () -> "missing from [" + acked + ", " + total + "): "
                                + summary(missing(seen, acked, total)) + ", backlog=" + transport.backlog());

                Set<Long> lost = missing(seen, 0, total);
                assertTrue(lost.stream().allMatch(s -> s < acked), "lost only what the dead broker acknowledged: "
                        + "acked=" + acked + " lost=" + summary(lost));
            } finally {
                transport.close(Duration.ofSeconds(2));
                close(subscriber);
            }
        }
    }

    private static Set<Long> missing(Seen seen, long from, long to) {
        return LongStream.range(from, to).filter(s -> !seen.votes.contains(s)).boxed()
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String summary(Set<Long> seqs) {
        return seqs.size() <= 20 ? seqs.toString() : seqs.size() + " from " + seqs.iterator().next();
    }
}

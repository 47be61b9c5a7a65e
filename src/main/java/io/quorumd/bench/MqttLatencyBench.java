package io.quorumd.bench;

import io.quorumd.mqtt.NoDelaySocketFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.SocketFactory;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Publish-to-delivery latency of pipelined QoS 1 messages through a broker, with the same Paho settings
 * as a node, once with TCP_NODELAY and once without. Bursts are awaited before the next one starts, so a
 * broker's per-subscriber queue limit is never reached.
 */
public final class MqttLatencyBench {
    /** Latency figures of one run, in microseconds. */
    public record Result(boolean noDelay, int messages, long medianMicros, long p99Micros, double messagesPerSecond) {
    }

    private final String brokerUrl;
    private final int bursts;
    private final int burstSize;

    public MqttLatencyBench(String brokerUrl, int bursts, int burstSize) {
        this.brokerUrl = brokerUrl;
        this.bursts = bursts;
        this.burstSize = burstSize;
    }

    public Result run(boolean noDelay) throws MqttException, InterruptedException {
        String topic = "quorumd-bench/" + UUID.randomUUID();
        SocketFactory factory = noDelay ? new NoDelaySocketFactory() : SocketFactory.getDefault();
        long[] latencies = new long[bursts * burstSize];
        AtomicReference<CountDownLatch> burstDone = new AtomicReference<>();
        int[] received = {0};
        MqttAsyncClient sub = client("sub", factory);
        sub.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String t, MqttMessage m) {
                long sentAt = Long.parseLong(new String(m.getPayload(), StandardCharsets.US_ASCII));
                synchronized (latencies) {
                    if (received[0] < latencies.length) {
                        latencies[received[0]++] = System.nanoTime() - sentAt;
                    }
                }
                burstDone.get().countDown();
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        sub.subscribe(topic, 1).waitForCompletion(10_000);
        MqttAsyncClient pub = client("pub", factory);
        long begin = System.nanoTime();
        try {
            for (int b = 0; b < bursts; b++) {
                CountDownLatch latch = new CountDownLatch(burstSize);
                burstDone.set(latch);
                List<IMqttDeliveryToken> acks = new ArrayList<>(burstSize);
                for (int i = 0; i < burstSize; i++) {
                    MqttMessage m = new MqttMessage(Long.toString(System.nanoTime())
                            .getBytes(StandardCharsets.US_ASCII));
                    m.setQos(1);
                    acks.add(pub.publish(topic, m));
                }
                if (!latch.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("burst " + b + " not delivered within 30 s");
                }
                for (IMqttDeliveryToken ack : acks) {
                    ack.waitForCompletion(30_000);
                }
            }
        } finally {
            close(pub);
            close(sub);
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return new Result(noDelay, sorted.length, sorted[sorted.length / 2] / 1000,
                Stats.percentile(sorted, 99) / 1000,
                sorted.length / seconds);
    }

    /** Alternating runs with and without TCP_NODELAY, {@code rounds} of each. */
    public List<Result> compare(int rounds) throws MqttException, InterruptedException {
        List<Result> out = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            out.add(run(true));
            out.add(run(false));
        }
        return out;
    }

    private MqttAsyncClient client(String role, SocketFactory factory) throws MqttException {
        MqttAsyncClient c = new MqttAsyncClient(brokerUrl, "qd-bench-" + role + "-" + UUID.randomUUID().toString()
                .substring(0, 8), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setMaxInflight(1000);
        o.setSocketFactory(factory);
        c.connect(o).waitForCompletion(Duration.ofSeconds(10).toMillis());
        return c;
    }

    private static void close(MqttAsyncClient c) throws MqttException {
        c.disconnect().waitForCompletion(5_000);
        c.close();
    }
}

package io.quorumd.sim;

import io.quorumd.wire.Envelope;
import io.quorumd.wire.MessageType;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * An in-memory MQTT broker for the simulation: topic filters with {@code +} and {@code #}, retained
 * messages delivered on subscribe, and per-delivery loss, duplication and delay drawn from the world's
 * seeded random source. Counts deliveries per node and message type.
 */
public final class SimBus {
    /** A subscriber: receives (topic, envelope, retained). */
    public interface Receiver {
        void receive(String topic, Envelope envelope, boolean retained);
    }

    private final SimWorld world;
    private final Map<String, Envelope> retained = new LinkedHashMap<>();
    private final Map<Receiver, List<String>> subscriptions = new LinkedHashMap<>();
    private final Map<Receiver, Map<MessageType, Long>> deliveries = new HashMap<>();
    private double loss;
    private double duplicate;
    private long maxDelayMs;
    private BiPredicate<Receiver, Envelope> cut = (r, e) -> false;

    public SimBus(SimWorld world, double loss, double duplicate, long maxDelayMs) {
        this.world = world;
        this.loss = loss;
        this.duplicate = duplicate;
        this.maxDelayMs = maxDelayMs;
    }

    public void setLoss(double loss) {
        this.loss = loss;
    }

    public void setMaxDelay(long maxDelayMs) {
        this.maxDelayMs = maxDelayMs;
    }

    /** Drops every delivery for which {@code cut} holds (a partition); replaces any earlier cut. */
    public void partition(BiPredicate<Receiver, Envelope> cut) {
        this.cut = cut;
    }

    public void subscribe(Receiver r, List<String> filters) {
        subscriptions.put(r, List.copyOf(filters));
        for (Map.Entry<String, Envelope> e : new ArrayList<>(retained.entrySet())) {
            if (matchesAny(filters, e.getKey())) {
                deliver(r, e.getKey(), e.getValue(), true);
            }
        }
    }

    public void unsubscribe(Receiver r) {
        subscriptions.remove(r);
    }

    public void publish(String topic, Envelope env, boolean retain) {
        if (retain) {
            retained.put(topic, env);
        }
        for (Map.Entry<Receiver, List<String>> s : new ArrayList<>(subscriptions.entrySet())) {
            if (matchesAny(s.getValue(), topic)) {
                deliver(s.getKey(), topic, env, false);
            }
        }
    }

    private void deliver(Receiver r, String topic, Envelope env, boolean wasRetained) {
        if (cut.test(r, env) || world.random().nextDouble() < loss) {
            return;
        }
        int copies = world.random().nextDouble() < duplicate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = maxDelayMs == 0 ? 0 : (long) (world.random().nextDouble() * maxDelayMs);
            world.after(delay, () -> {
                if (subscriptions.containsKey(r)) {
                    deliveries.computeIfAbsent(r, k -> new EnumMap<>(MessageType.class)).merge(env.type(), 1L, Long::sum);
                    r.receive(topic, env, wasRetained);
                }
            });
        }
    }

    public long deliveries(Receiver r, MessageType... types) {
        Map<MessageType, Long> m = deliveries.getOrDefault(r, Map.of());
        long n = 0;
        for (MessageType t : types) {
            n += m.getOrDefault(t, 0L);
        }
        return n;
    }

    static boolean matchesAny(List<String> filters, String topic) {
        for (String f : filters) {
            if (matches(f, topic)) {
                return true;
            }
        }
        return false;
    }

    /** MQTT topic filter matching: {@code +} is one level, a trailing {@code #} any number (zero included). */
    static boolean matches(String filter, String topic) {
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length || (!f[i].equals("+") && !f[i].equals(t[i]))) {
                return false;
            }
        }
        return f.length == t.length;
    }
}

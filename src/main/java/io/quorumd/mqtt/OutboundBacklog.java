package io.quorumd.mqtt;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publications waiting for the broker: published while disconnected, or while all of Paho's in-flight
 * slots were taken. Every one of them is a signed protocol message, so:
 * <ul>
 *   <li>A non-retained message (proposal, vote, open, fallback, ruling) is never dropped. It leaves only
 *       when it is handed to Paho, in the order it came.</li>
 *   <li>A retained message (heartbeat on {@code presence/{id}}, final on {@code checkpoint/final/{subject}})
 *       is superseded per topic: a newer one replaces the waiting one and takes its place at the back.
 *       The broker would keep only the latest per topic anyway, and each one is signed complete on its
 *       own.</li>
 * </ul>
 *
 * <p>Why memory stays bounded without a cap: retained messages take one slot per topic, and this node
 * publishes on its own few. Non-retained messages come only from protocol activity, which is itself
 * capped — a checkpoint proposal per round per interval, open disputes per member
 * ({@code arbiter.maxOpenPerMember}), at most one vote per proposal or dispute — and a node cut off from
 * the broker receives nothing to vote on or rule about. Each one is also in the node's ledger. A backlog
 * past {@link #WARN_AT} is logged (and again at every doubling) because it means an outage long or busy
 * enough for an operator to look at.
 *
 * <p>Not thread-safe: {@link MqttTransport} uses it under its lock.
 */
final class OutboundBacklog {
    static final int WARN_AT = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(MqttTransport.class);

    /** One publication as {@link MqttTransport#publish} received it. */
    record Message(String topic, byte[] payload, boolean retained) {
    }

    /** Retained messages are keyed by topic (one waits per topic), the others by arrival. */
    private record Key(String retainedTopic, long arrival) {
    }

    private final String nodeName;
    private final LinkedHashMap<Key, Message> waiting = new LinkedHashMap<>();
    private long arrivals;
    private long superseded;
    private int warnAt = WARN_AT;

    OutboundBacklog(String nodeName) {
        this.nodeName = nodeName;
    }

    void add(Message m) {
        Key key = m.retained() ? new Key(m.topic(), -1) : new Key(null, arrivals++);
        if (waiting.remove(key) != null) {
            superseded++;
        }
        waiting.put(key, m);
        if (waiting.size() >= warnAt) {
            LOG.atWarn().addKeyValue("node", nodeName).addKeyValue("backlog", waiting.size())
                    .addKeyValue("superseded_retained", superseded)
                    .log("broker backlog growing: signed messages wait for the broker, none is dropped");
            warnAt = warnAt * 2 > 0 ? warnAt * 2 : Integer.MAX_VALUE;
        }
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    int size() {
        return waiting.size();
    }

    /** The oldest waiting message; the backlog must not be empty. */
    Message first() {
        return waiting.values().iterator().next();
    }

    /** Removes {@link #first()}, once Paho has taken it. */
    void removeFirst() {
        Iterator<Map.Entry<Key, Message>> it = waiting.entrySet().iterator();
        it.next();
        it.remove();
        if (waiting.isEmpty() && warnAt > WARN_AT) {
            LOG.atInfo().addKeyValue("node", nodeName).addKeyValue("superseded_retained", superseded)
                    .log("broker backlog sent");
            warnAt = WARN_AT;
        }
    }

    /** Retained messages replaced by a newer one on the same topic before they could be sent. */
    long superseded() {
        return superseded;
    }
}

package io.quorumd.node;

import io.quorumd.wire.Envelope;

/** Hands a durable batch's messages to the network: the MQTT transport, or the simulated bus in tests. */
@FunctionalInterface
public interface Publisher {
    void publish(String topic, Envelope envelope, boolean retained);
}

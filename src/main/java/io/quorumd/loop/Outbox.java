package io.quorumd.loop;

import io.quorumd.wire.Envelope;

/**
 * Where machines put what they want published. The node holds a batch's publications until the batch's
 * ledger entries are durable, then hands them to the broker.
 */
public interface Outbox {
    void publish(String topic, Envelope envelope, boolean retained);
}

package io.quorumd.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.wire.Json;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A bystander on the broker: every envelope published under a topic prefix, as any peer could receive it.
 * What it saw left the signer's process, so the signer must hold it in its ledger. It reconnects and
 * subscribes again after a broker restart.
 */
final class WireRecorder implements AutoCloseable {
    private final List<ObjectNode> seen = new CopyOnWriteArrayList<>();
    private final AtomicLong unreadable = new AtomicLong();
    private final MqttAsyncClient client;
    private final String filter;

    WireRecorder(String url, String prefix) throws MqttException {
        this.filter = prefix + "/#";
        this.client = new MqttAsyncClient(url, "wire-recorder-" + System.nanoTime(), new MemoryPersistence());
        client.setCallback(new MqttCallbackExtended() {
            @Override
            public void connectComplete(boolean reconnect, String serverUri) {
                if (reconnect) {
                    try {
                        client.subscribe(filter, 1);
                    } catch (MqttException e) {
                        unreadable.incrementAndGet();
                    }
                }
            }

            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                try {
                    JsonNode n = Json.MAPPER.readTree(message.getPayload());
                    if (n instanceof ObjectNode o && o.has("sig") && o.has("from")) {
                        seen.add(o);
                    }
                } catch (IOException e) {
                    unreadable.incrementAndGet();
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(true);
        o.setMaxReconnectDelay(500);
        o.setMaxInflight(1000);
        client.connect(o).waitForCompletion(15_000);
        client.subscribe(filter, 1).waitForCompletion(15_000);
    }

    /** Every signed envelope seen so far (retained ones included). */
    List<ObjectNode> envelopes() {
        return List.copyOf(seen);
    }

    @Override
    public void close() throws MqttException {
        if (client.isConnected()) {
            client.disconnect().waitForCompletion(5_000);
        }
        client.close(true);
    }
}

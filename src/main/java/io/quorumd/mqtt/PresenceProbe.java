package io.quorumd.mqtt;

import io.quorumd.config.QuorumdConfig.MqttSection;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A short-lived second connection that only listens to one topic: what a starting node uses to hear its own
 * presence topic before it signs anything. It has its own client id ({@code mqtt.clientId} + {@code -watch}),
 * a clean session and no will, so it takes over no session of a process already running with this node's
 * config and leaves nothing behind on the broker. Same URL, TLS and credentials as the node's connection.
 */
public final class PresenceProbe implements AutoCloseable {
    private final MqttAsyncClient client;

    private PresenceProbe(MqttAsyncClient client) {
        this.client = client;
    }

    /**
     * Connects and subscribes within {@code timeout}; every message on {@code topic} goes to {@code inbound} on a
     * Paho thread.
     *
     * @throws IOException the broker could not be reached or refused the connection or the subscription
     */
    public static PresenceProbe open(MqttSection settings, String topic, MqttTransport.Inbound inbound, Duration timeout)
            throws IOException, GeneralSecurityException {
        MqttAsyncClient client;
        try {
            client = new MqttAsyncClient(settings.url(), settings.clientId() + "-watch", new MemoryPersistence());
        } catch (MqttException e) {
            throw new IOException("cannot create MQTT client for " + settings.url() + ": " + e.getMessage(), e);
        }
        PresenceProbe probe = new PresenceProbe(client);
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                // the caller's deadline covers it
            }

            @Override
            public void messageArrived(String t, MqttMessage m) {
                inbound.onMessage(t, m.getPayload(), m.isRetained());
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
                // publishes nothing
            }
        });
        try {
            client.connect(MqttTransport.options(settings, null)).waitForCompletion(timeout.toMillis());
            client.subscribe(topic, 1).waitForCompletion(timeout.toMillis());
        } catch (MqttException e) {
            probe.close();
            throw new IOException("cannot watch " + topic + " on " + settings.url() + ": " + e.getMessage(), e);
        }
        return probe;
    }

    /** Disconnects politely (nothing of this connection stays on the broker). */
    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(0).waitForCompletion(1_000);
            }
        } catch (MqttException e) {
            // closing anyway
        } finally {
            try {
                client.close(true);
            } catch (MqttException e) {
                // nothing left to release
            }
        }
    }
}

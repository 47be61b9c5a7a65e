package io.quorumd.it;

import org.testcontainers.hivemq.HiveMQContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * HiveMQ CE in a container, for {@code mvn verify -Ptestcontainers} on a machine with a Docker engine.
 * One container per test JVM; Testcontainers' reaper removes it when the JVM ends.
 */
public final class ContainerBroker {
    private static HiveMQContainer container;

    private ContainerBroker() {
    }

    public static synchronized String url() {
        if (container == null) {
            container = new HiveMQContainer(DockerImageName.parse("hivemq/hivemq-ce").withTag("2025.5"));
            container.start();
        }
        return "tcp://" + container.getHost() + ":" + container.getMqttPort();
    }
}

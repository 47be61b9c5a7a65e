package io.quorumd.demo;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HiveMQ Community Edition running inside this JVM on a free loopback port (never 1883), with in-memory
 * persistence. HiveMQ's own logging bootstrap is switched off so quorumd's Logback configuration stays in
 * force.
 */
public final class EmbeddedBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

    private final EmbeddedHiveMQ hivemq;
    private final int port;

    private EmbeddedBroker(EmbeddedHiveMQ hivemq, int port) {
        this.hivemq = hivemq;
        this.port = port;
    }

    /** Starts a broker whose folders live under {@code workDir}; returns once it accepts connections. */
    public static EmbeddedBroker start(Path workDir) throws IOException, InterruptedException {
        int port = freePort();
        Path conf = Files.createDirectories(workDir.resolve("conf"));
        Path data = Files.createDirectories(workDir.resolve("data"));
        Path extensions = Files.createDirectories(workDir.resolve("extensions"));
        Files.writeString(conf.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>127.0.0.1</bind-address>
                        </tcp-listener>
                    </listeners>
                    <persistence>
                        <mode>in-memory</mode>
                    </persistence>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """.formatted(port));
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(data)
                .withExtensionsFolder(extensions)
                .withoutLoggingBootstrap()
                .build();
        try {
            hivemq.start().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("embedded HiveMQ did not start: " + e.getMessage(), e);
        }
        LOG.atInfo().addKeyValue("url", "tcp://127.0.0.1:" + port).log("embedded broker started");
        return new EmbeddedBroker(hivemq, port);
    }

    public int port() {
        return port;
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        try {
            hivemq.stop().get(30, TimeUnit.SECONDS);
            hivemq.close();
        } catch (ExecutionException | TimeoutException e) {
            LOG.atWarn().addKeyValue("error", e.getMessage()).log("embedded broker did not stop cleanly");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

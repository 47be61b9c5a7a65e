package io.quorumd.it;

import io.quorumd.demo.EmbeddedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The broker of the integration suite, chosen with {@code -Dquorumd.it.broker}: {@code embedded} (the
 * default: one HiveMQ CE per test JVM, stopped when the run ends), {@code testcontainers} (the opt-in
 * Maven profile), or the URL of a running broker such as {@code tcp://127.0.0.1:1883}.
 */
public final class TestBroker {
    public static final String PROPERTY = "quorumd.it.broker";

    private TestBroker() {
    }

    /** The broker URL, starting the shared broker on first use. */
    public static String url(ExtensionContext context) throws Exception {
        String choice = System.getProperty(PROPERTY, "embedded").trim();
        if (isDefault()) {
            return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .getOrComputeIfAbsent("quorumd-embedded-broker", k -> Shared.start(), Shared.class).url();
        }
        if (choice.equals("testcontainers")) {
            // Only compiled under -Ptestcontainers (src/it-testcontainers).
            Class<?> c = Class.forName("io.quorumd.it.ContainerBroker");
            return (String) c.getMethod("url").invoke(null);
        }
        return choice;
    }

    /**
     * Whether the suite runs on its default broker (embedded HiveMQ CE: the first leg of CI) rather than one
     * chosen with {@code -Dquorumd.it.broker} (the Mosquitto leg re-runs the suite against Mosquitto).
     */
    public static boolean isDefault() {
        String choice = System.getProperty(PROPERTY, "embedded").trim();
        return choice.isEmpty() || choice.equals("embedded");
    }

    public static String describe() {
        return System.getProperty(PROPERTY, "embedded");
    }

    /** The embedded broker held in JUnit's root store, closed once when the whole run ends. */
    static final class Shared implements AutoCloseable {
        private final EmbeddedBroker broker;

        private Shared(EmbeddedBroker broker) {
            this.broker = broker;
        }

        static Shared start() {
            try {
                Path dir = Files.createTempDirectory("quorumd-it-hivemq-");
                return new Shared(EmbeddedBroker.start(dir));
            } catch (Exception e) {
                throw new IllegalStateException("cannot start embedded HiveMQ: " + e.getMessage(), e);
            }
        }

        String url() {
            return broker.url();
        }

        @Override
        public void close() {
            broker.close();
        }
    }
}

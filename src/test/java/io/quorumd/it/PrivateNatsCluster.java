package io.quorumd.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A NATS cluster of the test's own: {@code size} nats-server processes on free loopback ports, each with
 * JetStream (its own store in {@code dir}), MQTT, an HTTP monitor, its own {@code server_name}, and routes to
 * the other members. {@code mqtt.stream_replicas} is the cluster's size: left out, nats-server 2.9 counts the
 * configured routes (here size − 1 = 2), and an R2 stream loses its quorum with either of its servers.
 * Every process is ended by its own PID; a system nats-server is never touched.
 */
final class PrivateNatsCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One server: its ports and, once started, its process. */
    private static final class Member {
        final String name;
        final Path dir;
        final int clientPort;
        final int clusterPort;
        final int mqttPort;
        final int httpPort;
        Process process;

        Member(String name, Path dir) throws IOException {
            this.name = name;
            this.dir = dir;
            this.clientPort = BrokerProcesses.freePort();
            this.clusterPort = BrokerProcesses.freePort();
            this.mqttPort = BrokerProcesses.freePort();
            this.httpPort = BrokerProcesses.freePort();
        }

        Path config() {
            return dir.resolve("nats.conf");
        }

        Path log() {
            return dir.resolve("nats.log");
        }
    }

    private final List<Member> members = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    PrivateNatsCluster(Path dir, int size) throws IOException {
        for (int i = 0; i < size; i++) {
            members.add(new Member("qd-nats-" + i, Files.createDirectories(dir.resolve("nats-" + i))));
        }
        for (Member m : members) {
            String routes = members.stream().filter(o -> o != m)
                    .map(o -> "nats-route://127.0.0.1:" + o.clusterPort).collect(Collectors.joining(", "));
            Files.writeString(m.config(), """
                    # written by PrivateNatsCluster
                    server_name: %s
                    listen: 127.0.0.1:%d
                    http: 127.0.0.1:%d
                    jetstream {
                      store_dir: "%s"
                      max_memory_store: 256MB
                      max_file_store: 1GB
                    }
                    cluster {
                      name: quorumd-it
                      listen: 127.0.0.1:%d
                      routes: [ %s ]
                    }
                    mqtt {
                      listen: 127.0.0.1:%d
                      stream_replicas: %d
                    }
                    """.formatted(m.name, m.clientPort, m.httpPort, m.dir.resolve("jetstream").toAbsolutePath(),
                    m.clusterPort, routes, m.mqttPort, size));
        }
    }

    static boolean available() {
        return BrokerProcesses.executable("nats-server").isPresent();
    }

    int size() {
        return members.size();
    }

    /** The MQTT URL of member {@code i}. */
    String mqttUrl(int i) {
        return "tcp://127.0.0.1:" + members.get(i).mqttPort;
    }

    /** Every member's MQTT URL, member {@code first} first and the others after it in order (wrapping round). */
    List<String> mqttUrlsFrom(int first) {
        List<String> urls = new ArrayList<>();
        for (int k = 0; k < members.size(); k++) {
            urls.add(mqttUrl((first + k) % members.size()));
        }
        return urls;
    }

    String name(int i) {
        return members.get(i).name;
    }

    long pid(int i) {
        return members.get(i).process.pid();
    }

    /**
     * Starts every member and returns once the cluster is formed and takes MQTT clients: each member's MQTT port
     * listens, each names the same JetStream meta leader with every peer current, and an MQTT CONNECT to each is
     * answered (NATS answers it only once JetStream can hold the MQTT session; the first one creates the MQTT
     * streams).
     */
    void start(Duration within) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        String exe = BrokerProcesses.executable("nats-server").map(Path::toString).orElse("nats-server");
        for (Member m : members) {
            m.process = new ProcessBuilder(List.of(exe, "-c", m.config().toString()))
                    .redirectErrorStream(true).redirectOutput(m.log().toFile()).start();
        }
        for (Member m : members) {
            BrokerProcesses.awaitListening(m.process, m.mqttPort, left(deadline), m.log(), "nats-server " + m.name);
            BrokerProcesses.awaitListening(m.process, m.httpPort, left(deadline), m.log(), "nats-server " + m.name);
        }
        Await.until(left(deadline), this::formed, () -> "JetStream meta group not formed: " + metaSummary());
        for (int i = 0; i < members.size(); i++) {
            int member = i;
            String[] last = {"no attempt"};
            Await.until(left(deadline), () -> {
                last[0] = mqttConnect(member);
                return last[0] == null;
            }, () -> members.get(member).name + " takes no MQTT client: " + last[0]);
        }
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /** Every running member names the same meta leader, in a group of every member, all of them current. */
    private boolean formed() {
        String leader = null;
        for (Member m : members) {
            JsonNode meta = monitor(m, "/jsz").path("meta_cluster");
            String l = meta.path("leader").asText("");
            if (l.isEmpty() || meta.path("cluster_size").asInt() != members.size() || (leader != null && !leader.equals(l))) {
                return false;
            }
            leader = l;
            if (l.equals(m.name)) {
                JsonNode replicas = meta.path("replicas");
                if (replicas.size() != members.size() - 1) {
                    return false;
                }
                for (JsonNode r : replicas) {
                    if (!r.path("current").asBoolean() || r.path("offline").asBoolean()) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Each running member's view of the JetStream meta group, for failure messages and logs. */
    String metaSummary() {
        return members.stream().filter(m -> m.process != null && m.process.isAlive())
                .map(m -> m.name + ": leader=" + monitor(m, "/jsz").path("meta_cluster").path("leader").asText("-"))
                .collect(Collectors.joining(", "));
    }

    /** A clean-session CONNECT and DISCONNECT; null if answered, else why not. */
    private String mqttConnect(int i) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setConnectionTimeout(5);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        try (MqttClient c = new MqttClient(mqttUrl(i), "nats-ready-" + i, new MemoryPersistence())) {
            c.connect(o);
            c.disconnect(1_000);
            return null;
        } catch (MqttException e) {
            return e.toString();
        }
    }

    /** The names of the members whose monitor lists an MQTT connection with {@code clientId}. */
    List<String> membersWithMqttClient(String clientId) {
        List<String> on = new ArrayList<>();
        for (Member m : members) {
            if (m.process != null && m.process.isAlive() && monitor(m, "/connz?mqtt_client="
                    + URLEncoder.encode(clientId, StandardCharsets.UTF_8)).path("num_connections").asInt() > 0) {
                on.add(m.name);
            }
        }
        return on;
    }

    /** A monitor endpoint of {@code m} as JSON; an empty object while the member does not answer. */
    private JsonNode monitor(Member m, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.httpPort + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createObjectNode();
        } catch (IOException e) {
            return JSON.createObjectNode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JSON.createObjectNode();
        }
    }

    /** SIGKILL to member {@code i} by its PID, as a crashing server; returns once it is gone. */
    void kill(int i) {
        BrokerProcesses.kill(members.get(i).process);
    }

    /** The last lines of member {@code i}'s log. */
    String logTail(int i, int lines) {
        try {
            List<String> all = Files.readAllLines(members.get(i).log());
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Ends every member by its PID: SIGTERM, then SIGKILL after 10 s. */
    @Override
    public void close() {
        for (Member m : members) {
            if (m.process != null) {
                m.process.destroy();
            }
        }
        for (Member m : members) {
            BrokerProcesses.end(m.process, Duration.ofSeconds(10));
        }
    }
}

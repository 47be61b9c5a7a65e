package io.quorumd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.node.ControlClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The operator's side of ordered federation updates (DESIGN §12): talks to the local daemon's control socket.
 * Roster change proposals are in {@link FederationPropose}.
 */
final class FederationClient {
    private FederationClient() {
    }

    /** Asks the daemon; the answer, or empty after the reason went to stderr (exit code in {@code code[0]}). */
    static Optional<JsonNode> ask(DaemonOption daemon, String cmd, ObjectNode args, int[] code) {
        ObjectNode req = ControlClient.request(cmd);
        if (args != null) {
            args.properties().forEach(e -> req.set(e.getKey(), e.getValue()));
        }
        DaemonOption.Answer a = daemon.call(req);
        code[0] = a.exitCode();
        return Optional.ofNullable(a.result());
    }

    @Command(name = "endorse", mixinStandardHelpOptions = true, description = "Approve a pending roster request.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd federation endorse 5d0c9e7a1b2f4c3d8e6f0a1b2c3d4e5f",
                    "  quorumd federation endorse 5d0c9e7a1b2f4c3d8e6f0a1b2c3d4e5f --json"})
    static final class Endorse implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Parameters(index = "0", description = "The request id (see: quorumd federation requests).")
        String requestId;

        @Override
        public Integer call() {
            ObjectNode a = io.quorumd.wire.Json.object();
            a.put("requestId", requestId);
            int[] code = {0};
            ask(daemon, "federation.endorse", a, code).ifPresent(r -> json.print(r,
                    x -> System.out.println(x.path("message").asText())));
            return code[0];
        }
    }

    @Command(name = "requests", mixinStandardHelpOptions = true, description = "Pending requests and their endorsements.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd federation requests",
                    "  quorumd federation requests --json"})
    static final class Requests implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            int[] code = {0};
            ask(daemon, "federation.requests", null, code).ifPresent(answer -> json.print(answer, r -> {
                System.out.printf("%-32s %-14s %-12s %9s %8s%n", "request", "op", "requester", "endorsed", "age_s");
                for (JsonNode q : r.path("requests")) {
                    System.out.printf("%-32s %-14s %-12s %4d/%-4d %8d%n", q.path("requestId").asText(), q.path("op").asText(),
                            q.path("requester").asText(), q.path("endorsements").asInt(), q.path("needed").asInt(),
                            q.path("ageMs").asLong() / 1000);
                }
            }));
            return code[0];
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Epoch, roster, n/f/q, view, primary, last executed and stable seq, state digest.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd federation show",
                    "  quorumd federation show --config /etc/quorumd/quorumd.yaml --json"})
    static final class Show implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            int[] code = {0};
            ask(daemon, "federation.show", null, code).ifPresent(answer -> json.print(answer, s -> {
                System.out.printf("epoch %d (from seq %d)  n=%d f=%d q=%d  view %d%s  primary %s  this node: %s%n",
                        s.path("epoch").asLong(), s.path("startSeq").asLong(), s.path("n").asInt(), s.path("f").asInt(),
                        s.path("q").asInt(), s.path("view").asLong(), s.path("changingView").asBoolean() ? " (changing)" : "",
                        s.path("primary").asText(), s.path("role").asText());
                System.out.printf("last executed %d  last stable %d  state %s%s%n", s.path("lastExecuted").asLong(),
                        s.path("lastStable").asLong(), s.path("stateDigest").asText(),
                        s.path("halted").asBoolean() ? "  HALTED (diverged)" : "");
                for (JsonNode m : s.path("roster")) {
                    List<String> roles = new ArrayList<>();
                    m.path("roles").forEach(x -> roles.add(x.asText()));
                    System.out.printf("  %-16s %s  %s%n", m.path("name").asText(), m.path("nodeId").asText(), String.join(",", roles));
                }
            }));
            return code[0];
        }
    }

    @Command(name = "log", mixinStandardHelpOptions = true, description = "Recent executed requests and their results.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd federation log",
                    "  quorumd federation log --since 120 --json"})
    static final class Log implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--since", defaultValue = "0", description = "From this seq on (default: all kept).")
        long since;

        @Override
        public Integer call() {
            ObjectNode a = io.quorumd.wire.Json.object();
            a.put("since", since);
            int[] code = {0};
            ask(daemon, "federation.log", a, code).ifPresent(answer -> json.print(answer, r -> {
                for (JsonNode e : r.path("entries")) {
                    System.out.printf("seq %-6d epoch %-3d %-14s %-8s %s %s%n", e.path("seq").asLong(), e.path("epoch").asLong(),
                            e.path("op").asText(), e.path("status").asText(), e.path("requestId").asText(),
                            e.path("reason").asText());
                }
            }));
            return code[0];
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the state a newly admitted member starts from (its order.anchorFile), and print its roster.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd federation export --out anchor.json"})
    static final class Export implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Option(names = "--out", required = true, description = "The file to write.")
        Path out;

        @Override
        public Integer call() {
            int[] code = {0};
            Optional<JsonNode> anchor = ask(daemon, "federation.export", null, code);
            if (anchor.isEmpty()) {
                return code[0];
            }
            try {
                java.nio.file.Files.writeString(out, anchor.get().toPrettyString() + "\n");
            } catch (java.io.IOException e) {
                System.err.println("quorumd federation export: " + out + ": " + e.getMessage());
                return Main.FAILURE;
            }
            JsonNode state = anchor.get().path("state");
            System.out.println("wrote " + out + " (epoch " + state.path("epoch").asLong() + ", after seq "
                    + state.path("lastSeq").asLong() + "); on the new node set order.anchorFile to it, and federation.roster to:");
            for (JsonNode m : state.path("roster")) {
                List<String> roles = new ArrayList<>();
                m.path("roles").forEach(x -> roles.add(x.asText()));
                System.out.println("    - name: " + m.path("name").asText() + "\n      publicKey: " + m.path("publicKey").asText()
                        + "\n      roles: [" + String.join(", ", roles) + "]");
            }
            return Main.OK;
        }
    }
}

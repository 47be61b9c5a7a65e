package io.quorumd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.node.ControlClient;
import io.quorumd.order.RosterOp;
import io.quorumd.wire.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The operator's side of ordered federation updates (DESIGN §12): talks to the local daemon's control socket. */
final class FederationClient {
    /** The CLI's one clock: the time a proof of possession and its request are dated with. */
    private static final java.time.Clock CLOCK = java.time.Clock.systemUTC();

    private FederationClient() {
    }

    /** Asks the daemon; the answer, or empty after the reason went to stderr (exit code in {@code code[0]}). */
    private static Optional<JsonNode> ask(DaemonOption daemon, String cmd, ObjectNode args, int[] code) {
        ObjectNode req = ControlClient.request(cmd);
        if (args != null) {
            args.properties().forEach(e -> req.set(e.getKey(), e.getValue()));
        }
        DaemonOption.Answer a = daemon.call(req);
        code[0] = a.exitCode();
        return Optional.ofNullable(a.result());
    }

    private static List<Role> roles(CommandLine.Model.CommandSpec spec, String list) {
        List<Role> out = new ArrayList<>();
        for (String r : list.split(",")) {
            out.add(Role.ofCode(r.trim()).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
                    "'" + r.trim() + "' is not one of voter, arbiter, fallback-arbiter, replica")));
        }
        return out;
    }

    private static NodeId idOf(CommandLine.Model.CommandSpec spec, JsonNode show, String name) {
        for (JsonNode m : show.path("roster")) {
            if (m.path("name").asText().equals(name)) {
                return new NodeId(m.path("nodeId").asText());
            }
        }
        throw new CommandLine.ParameterException(spec.commandLine(), "no member named " + name + " in epoch "
                + show.path("epoch").asLong());
    }

    /** The proof of possession {@code key} signs for {@code op} under {@code name} in {@code epoch}, now. */
    private record SignedProof(Bytes pop, long at) {
        static SignedProof of(NodeKey key, String op, long epoch, String name) {
            long at = CLOCK.millis();
            return new SignedProof(key.sign(RosterOp.popMessage(op, epoch, name, key.publicKey(), at)), at);
        }
    }

    /** Asks the daemon for {@code federation show} and goes on with its answer; the exit code either way. */
    private static int withShow(DaemonOption daemon, java.util.function.Function<JsonNode, Integer> then) {
        int[] code = {0};
        return ask(daemonQuiet(daemon), "federation.show", null, code).map(then).orElse(code[0]);
    }

    /** Proposes {@code op} with {@code args} (dated {@code requestedAt}, 0 for now) and prints the request id. */
    private static int propose(DaemonOption daemon, String op, ObjectNode args, long requestedAt) {
        ObjectNode a = io.quorumd.wire.Json.object();
        a.put("op", op);
        a.set("args", args);
        a.put("requestedAt", requestedAt);
        int[] code = {0};
        ask(daemon, "federation.propose", a, code).filter(r -> !daemon.json)
                .ifPresent(r -> System.out.println(r.path("requestId").asText()));
        return code[0];
    }

    private static NodeKey readKey(CommandLine.Model.CommandSpec spec, Path file) {
        try {
            return NodeKey.read(file);
        } catch (KeyFileException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Command(name = "propose", mixinStandardHelpOptions = true, description = "Ask the federation for a roster change.",
            subcommands = {Add.class, Remove.class, Roles.class, RotateKey.class})
    static final class Propose extends GroupCommand {
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Admit a member (without the replica role: give it with 'propose roles' once it runs).")
    static final class Add implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Option(names = "--name", required = true, description = "The new member's name.")
        String name;

        @Option(names = "--new-key",
                description = "The new member's key file, if it is on this machine: it signs the proof of possession here.")
        Path newKey;

        @Option(names = "--proof", description = "Instead of --new-key: the line 'quorumd federation proof' printed on"
                + " the new member's machine (publicKey pop requestedAt), so its key never leaves it.")
        String proof;

        @Option(names = "--roles", defaultValue = "voter", description = "Roles, comma-separated (default: ${DEFAULT-VALUE}).")
        String roles;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if ((newKey == null) == (proof == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give --new-key FILE or --proof LINE");
            }
            if (proof != null) {
                String[] p = proof.trim().split("\\s+");
                if (p.length != 3) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--proof is 'publicKey pop requestedAt'");
                }
                try {
                    return propose(daemon, RosterOp.ADD, RosterOp.addArgs(name, Bytes.fromBase64(p[0]), roles(spec, roles),
                            Bytes.fromBase64(p[1])), Long.parseLong(p[2]));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--proof: " + e.getMessage());
                }
            }
            NodeKey key = readKey(spec, newKey);
            return withShow(daemon, show -> {
                SignedProof p = SignedProof.of(key, RosterOp.ADD, show.path("epoch").asLong(), name);
                return propose(daemon, RosterOp.ADD, RosterOp.addArgs(name, key.publicKey(), roles(spec, roles), p.pop()),
                        p.at());
            });
        }
    }

    @Command(name = "proof", mixinStandardHelpOptions = true,
            description = "On a machine to be admitted: sign the proof of possession of its key, for 'propose add --proof'.")
    static final class Proof implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "This machine's key file.")
        Path key;

        @Option(names = "--name", required = true, description = "The name it is to be admitted under.")
        String name;

        @Option(names = "--epoch", required = true, description = "The federation's epoch now ('federation show').")
        long epoch;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            NodeKey k = readKey(spec, key);
            SignedProof p = SignedProof.of(k, RosterOp.ADD, epoch, name);
            System.out.println(k.publicKey().base64() + " " + p.pop().base64() + " " + p.at());
            return Main.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Expel a member.")
    static final class Remove implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Option(names = "--name", required = true, description = "The member's name.")
        String name;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return withShow(daemon, s -> propose(daemon, RosterOp.REMOVE, RosterOp.removeArgs(idOf(spec, s, name)), 0));
        }
    }

    @Command(name = "roles", mixinStandardHelpOptions = true, description = "Replace a member's roles.")
    static final class Roles implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Option(names = "--name", required = true, description = "The member's name.")
        String name;

        @Option(names = "--roles", required = true, description = "The new roles, comma-separated.")
        String roles;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return withShow(daemon, s -> propose(daemon, RosterOp.ROLES,
                    RosterOp.rolesArgs(idOf(spec, s, name), roles(spec, roles)), 0));
        }
    }

    @Command(name = "rotate-key", mixinStandardHelpOptions = true,
            description = "Replace this node's key by the one in --new-key, which must be the daemon's node.nextKeyFile.")
    static final class RotateKey implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Option(names = "--new-key", required = true, description = "The next key file.")
        Path newKey;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            NodeKey key = readKey(spec, newKey);
            return withShow(daemon, show -> {
                SignedProof p = SignedProof.of(key, RosterOp.ROTATE, show.path("epoch").asLong(), show.path("self").asText());
                return propose(daemon, RosterOp.ROTATE, RosterOp.rotateArgs(key.publicKey(), p.pop()), p.at());
            });
        }
    }

    @Command(name = "endorse", mixinStandardHelpOptions = true, description = "Approve a pending roster request.")
    static final class Endorse implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Parameters(index = "0", description = "The request id (see: quorumd federation requests).")
        String requestId;

        @Override
        public Integer call() {
            ObjectNode a = io.quorumd.wire.Json.object();
            a.put("requestId", requestId);
            int[] code = {0};
            ask(daemon, "federation.endorse", a, code).filter(r -> !daemon.json)
                    .ifPresent(r -> System.out.println(r.path("message").asText()));
            return code[0];
        }
    }

    @Command(name = "requests", mixinStandardHelpOptions = true, description = "Pending requests and their endorsements.")
    static final class Requests implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Override
        public Integer call() {
            int[] code = {0};
            ask(daemon, "federation.requests", null, code).filter(r -> !daemon.json).ifPresent(r -> {
                System.out.printf("%-32s %-14s %-12s %9s %8s%n", "request", "op", "requester", "endorsed", "age_s");
                for (JsonNode q : r.path("requests")) {
                    System.out.printf("%-32s %-14s %-12s %4d/%-4d %8d%n", q.path("requestId").asText(), q.path("op").asText(),
                            q.path("requester").asText(), q.path("endorsements").asInt(), q.path("needed").asInt(),
                            q.path("ageMs").asLong() / 1000);
                }
            });
            return code[0];
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Epoch, roster, n/f/q, view, primary, last executed and stable seq, state digest.")
    static final class Show implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Override
        public Integer call() {
            int[] code = {0};
            ask(daemon, "federation.show", null, code).filter(r -> !daemon.json).ifPresent(s -> {
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
            });
            return code[0];
        }
    }

    @Command(name = "log", mixinStandardHelpOptions = true, description = "Recent executed requests and their results.")
    static final class Log implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Option(names = "--since", defaultValue = "0", description = "From this seq on (default: all kept).")
        long since;

        @Override
        public Integer call() {
            ObjectNode a = io.quorumd.wire.Json.object();
            a.put("since", since);
            int[] code = {0};
            ask(daemon, "federation.log", a, code).filter(r -> !daemon.json).ifPresent(r -> {
                for (JsonNode e : r.path("entries")) {
                    System.out.printf("seq %-6d epoch %-3d %-14s %-8s %s %s%n", e.path("seq").asLong(), e.path("epoch").asLong(),
                            e.path("op").asText(), e.path("status").asText(), e.path("requestId").asText(),
                            e.path("reason").asText());
                }
            });
            return code[0];
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the state a newly admitted member starts from (its order.anchorFile), and print its roster.")
    static final class Export implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Option(names = "--out", required = true, description = "The file to write.")
        Path out;

        @Override
        public Integer call() {
            int[] code = {0};
            Optional<JsonNode> anchor = ask(daemonQuiet(daemon), "federation.export", null, code);
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

    /** The same daemon, asked for an intermediate answer that is not printed even with --json. */
    private static DaemonOption daemonQuiet(DaemonOption d) {
        DaemonOption q = new DaemonOption();
        q.config = d.config;
        q.socket = d.socket;
        q.json = false;
        return q;
    }
}

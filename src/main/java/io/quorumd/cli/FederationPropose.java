package io.quorumd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.KeyFileException;
import io.quorumd.crypto.NodeId;
import io.quorumd.crypto.NodeKey;
import io.quorumd.order.RosterOp;
import io.quorumd.wire.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Roster changes proposed through the local daemon (DESIGN §12), and the proof of possession a new member signs. */
final class FederationPropose {
    /** The CLI's one clock: the time a proof of possession and its request are dated with. */
    private static final java.time.Clock CLOCK = java.time.Clock.systemUTC();

    private FederationPropose() {
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

    /** Asks the daemon for {@code federation show} (printing nothing) and goes on with its answer; the exit code either way. */
    private static int withShow(DaemonOption daemon, java.util.function.Function<JsonNode, Integer> then) {
        int[] code = {0};
        return FederationClient.ask(daemon, "federation.show", null, code).map(then).orElse(code[0]);
    }

    /** Proposes {@code op} with {@code args} (dated {@code requestedAt}, 0 for now) and prints the request id. */
    private static int propose(DaemonOption daemon, JsonOption json, String op, ObjectNode args, long requestedAt) {
        ObjectNode a = io.quorumd.wire.Json.object();
        a.put("op", op);
        a.set("args", args);
        a.put("requestedAt", requestedAt);
        int[] code = {0};
        FederationClient.ask(daemon, "federation.propose", a, code).ifPresent(r -> json.print(r, x -> System.out.println(x.path("requestId").asText())));
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
            description = "Admit a member (without the replica role: give it with 'propose roles' once it runs).",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd federation propose add --name node-6 \\",
                    "      --new-key /etc/quorumd/node-6.key --roles voter,arbiter"})
    static final class Add implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

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
                    return propose(daemon, json, RosterOp.ADD, RosterOp.addArgs(name, Bytes.fromBase64(p[0]), roles(spec, roles),
                            Bytes.fromBase64(p[1])), Long.parseLong(p[2]));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--proof: " + e.getMessage());
                }
            }
            NodeKey key = readKey(spec, newKey);
            return withShow(daemon, show -> {
                RosterOp.Proof p = RosterOp.Proof.sign(key, RosterOp.ADD, show.path("epoch").asLong(), name, CLOCK.millis());
                return propose(daemon, json, RosterOp.ADD, RosterOp.addArgs(name, key.publicKey(), roles(spec, roles), p.pop()),
                        p.at());
            });
        }
    }

    @Command(name = "proof", mixinStandardHelpOptions = true,
            description = "On a machine to be admitted: sign the proof of possession of its key, for 'propose add --proof'.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd federation proof --key /etc/quorumd/node.key --name node-6 --epoch 3"})
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
            RosterOp.Proof p = RosterOp.Proof.sign(k, RosterOp.ADD, epoch, name, CLOCK.millis());
            System.out.println(k.publicKey().base64() + " " + p.pop().base64() + " " + p.at());
            return Main.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Expel a member.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd federation propose remove --name node-4",
                    "  quorumd federation propose remove --name node-4 --json"})
    static final class Remove implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--name", required = true, description = "The member's name.")
        String name;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return withShow(daemon, s -> propose(daemon, json, RosterOp.REMOVE, RosterOp.removeArgs(idOf(spec, s, name)), 0));
        }
    }

    @Command(name = "roles", mixinStandardHelpOptions = true, description = "Replace a member's roles.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd federation propose roles --name node-6 --roles voter,replica"})
    static final class Roles implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--name", required = true, description = "The member's name.")
        String name;

        @Option(names = "--roles", required = true, description = "The new roles, comma-separated.")
        String roles;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return withShow(daemon, s -> propose(daemon, json, RosterOp.ROLES,
                    RosterOp.rolesArgs(idOf(spec, s, name), roles(spec, roles)), 0));
        }
    }

    @Command(name = "rotate-key", mixinStandardHelpOptions = true,
            description = "Replace this node's key by the one in --new-key, which must be the daemon's node.nextKeyFile.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd federation propose rotate-key --new-key /etc/quorumd/next.key"})
    static final class RotateKey implements Callable<Integer> {
        @Mixin
        DaemonOption daemon;

        @Mixin
        JsonOption json;

        @Option(names = "--new-key", required = true, description = "The next key file.")
        Path newKey;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            NodeKey key = readKey(spec, newKey);
            return withShow(daemon, show -> {
                RosterOp.Proof p = RosterOp.Proof.sign(key, RosterOp.ROTATE, show.path("epoch").asLong(), show.path("self").asText(), CLOCK.millis());
                return propose(daemon, json, RosterOp.ROTATE, RosterOp.rotateArgs(key.publicKey(), p.pop()), p.at());
            });
        }
    }
}

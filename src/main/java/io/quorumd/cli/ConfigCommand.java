package io.quorumd.cli;

import io.quorumd.config.ConfigException;
import io.quorumd.config.ConfigFiles;
import io.quorumd.config.ConfigLoader;
import io.quorumd.config.ConfigRenderer;
import io.quorumd.config.NodeIdentity;
import io.quorumd.config.QuorumdConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "config", mixinStandardHelpOptions = true, description = "Node configuration.",
        subcommands = ConfigCommand.Check.class)
final class ConfigCommand extends GroupCommand {

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Validate a config (and its key file); print it with every default filled in (YAML, or with"
                    + " --json one JSON object). Warnings go to stderr. Exit 2 on problems.",
            footerHeading = "%nExamples:%n",
            footer = {"  quorumd config check",
                    "  quorumd config check --config /etc/quorumd/quorumd.yaml --json"})
    static final class Check implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            try {
                QuorumdConfig c = ConfigLoader.load(config.file);
                NodeIdentity.load(c);
                ConfigFiles.check(c);
                c.warnings().forEach(w -> System.err.println("warning: " + w));
                json.print(ConfigRenderer.toJson(c), tree -> System.out.print(ConfigRenderer.toYaml(c)));
                return Main.OK;
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return Main.USAGE;
            }
        }
    }
}

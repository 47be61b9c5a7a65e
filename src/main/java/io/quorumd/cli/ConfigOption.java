package io.quorumd.cli;

import io.quorumd.config.ConfigLoader;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option shared by commands that read a node config. */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, description = "Config file (default: /etc/quorumd/quorumd.yaml).")
    Path file = ConfigLoader.DEFAULT_PATH;
}

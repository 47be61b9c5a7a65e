package io.quorumd.config;

import io.quorumd.crypto.SecretFiles;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files a config names besides the node key, checked as the daemon will use them, so that {@code config
 * check} and start-up say what is wrong before the first broker connect does: the MQTT password file and the
 * TLS CA, certificate and key exist, are regular files this user can read, and the secrets (password, TLS key)
 * are not readable by group or others (mode 0600, as for the node key).
 */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    /** Throws a ConfigException naming each YAML path whose file is missing, unreadable or too open. */
    public static void check(QuorumdConfig c) throws ConfigException {
        List<ConfigProblem> out = new ArrayList<>();
        QuorumdConfig.MqttSection m = c.mqtt();
        file("mqtt.passwordFile", m.passwordFile(), true, out);
        file("mqtt.tls.caFile", m.tls().caFile(), false, out);
        file("mqtt.tls.certFile", m.tls().certFile(), false, out);
        file("mqtt.tls.keyFile", m.tls().keyFile(), true, out);
        if (!out.isEmpty()) {
            throw new ConfigException(String.valueOf(c.source()), out);
        }
    }

    private static void file(String path, Optional<Path> file, boolean secret, List<ConfigProblem> out) {
        if (file.isEmpty()) {
            return;
        }
        Path f = file.get();
        try {
            if (!Files.isRegularFile(f)) {
                out.add(new ConfigProblem(path, Files.exists(f) ? f + " is not a regular file"
                        : f + " does not exist (missing: create it, or fix the path)"));
                return;
            }
            Files.newInputStream(f).close(); // readable by this user, as the daemon will read it
            if (secret) {
                SecretFiles.tooOpen(f).ifPresent(why -> out.add(new ConfigProblem(path, f + " " + why)));
            }
        } catch (AccessDeniedException e) {
            out.add(new ConfigProblem(path, f + ": permission denied for this user (run the command as the user the"
                    + " daemon runs as, e.g. sudo -u quorumd, or fix the file's owner)"));
        } catch (NoSuchFileException e) {
            out.add(new ConfigProblem(path, f + " does not exist (missing: create it, or fix the path)"));
        } catch (IOException e) {
            out.add(new ConfigProblem(path, f + " cannot be read: " + e.getMessage()));
        }
    }
}

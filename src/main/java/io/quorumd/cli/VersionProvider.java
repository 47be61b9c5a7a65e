package io.quorumd.cli;

import io.quorumd.Version;
import picocli.CommandLine;

/** {@code quorumd --version}. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"quorumd " + Version.get()};
    }
}

package io.quorumd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar: runnable, and carrying quorumd's logging configuration rather than HiveMQ's. That the lean jar
 * runs the whole demo is checked by {@link DemoIT}.
 */
class FatJarIT {
    private static final Path JAR = Path.of("target", "quorumd.jar");

    @Test
    void jarCarriesQuorumdsLogbackXml() throws Exception {
        assertTrue(Files.exists(JAR), "mvn package builds " + JAR);
        try (JarFile jar = new JarFile(JAR.toFile())) {
            var entry = jar.getJarEntry("logback.xml");
            assertNotNull(entry);
            try (InputStream in = jar.getInputStream(entry)) {
                String xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(xml.contains("quorumd"), "logback.xml in the jar is quorumd's:\n" + xml);
                assertTrue(!xml.contains("HiveMQ GmbH"), "HiveMQ's logback.xml must not be in the jar");
            }
        }
    }

    @Test
    void jarRunsAndPrintsItsVersion() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-jar", JAR.toString(), "--version")).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.matches("(?s)quorumd \\d+\\.\\d+\\.\\d+.*"), out);
    }
}

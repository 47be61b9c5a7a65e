package io.quorumd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumd.config.QuorumdConfig.PmSection;
import io.quorumd.crypto.NodeKey;
import io.quorumd.pm.PmPolicy;
import io.quorumd.wire.MessageLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code pm} section: defaults, the policy built from it, every refusal with its YAML path, and rendering. */
class PmConfigTest {
    private static final Path SOURCE = Path.of("/etc/quorumd/quorumd.yaml");

    /** A valid 3-node config with {@code pm} lines (indented by two) appended under {@code pm:}. */
    private static String yaml(String pmLines) {
        StringBuilder roster = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            byte[] seed = new byte[32];
            seed[0] = (byte) i;
            roster.append("    - name: n").append(i).append("\n      publicKey: ")
                    .append(NodeKey.fromSeed(seed).publicKey().base64()).append("\n      roles: [voter]\n");
        }
        return "node:\n  name: n1\nfederation:\n  name: lab\n  roster:\n" + roster + "checkpoint:\n  minVoters: 2\n"
                + (pmLines == null ? "" : "pm:\n" + pmLines);
    }

    private static QuorumdConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, SOURCE, Map.<String, String>of()::get);
    }

    private static List<ConfigProblem> problems(String pmLines) {
        return assertThrows(ConfigException.class, () -> parse(yaml(pmLines))).problems();
    }

    private static void assertOnlyProblem(String pmLines, String path, String fragment) {
        List<ConfigProblem> problems = problems(pmLines);
        assertEquals(1, problems.size(), problems.toString());
        assertEquals(path, problems.get(0).path(), problems.toString());
        assertTrue(problems.get(0).message().contains(fragment), problems.get(0).message());
    }

    @Test
    void withoutAPmSectionEveryDefaultOfTheTableHolds() throws Exception {
        PmSection pm = parse(yaml(null)).pm();
        assertFalse(pm.enabled());
        assertEquals(new PmSection(false, 10, 100, 0, 100, 0, Duration.ofMinutes(10), Duration.ofSeconds(15), 600, 100,
                1000, 100_000, 1, Duration.ofHours(24), Duration.ofHours(72), Duration.ofHours(24)), pm);
        assertEquals(PmPolicy.defaults(), pm.policy(), "the section's defaults are the core's");
    }

    @Test
    void everyKeyIsReadIntoTheSectionAndThePolicy() throws Exception {
        PmSection pm = parse(yaml("  enabled: true\n  ticketEV: 20\n  evMultiplier: 50\n  redeemCost: 3\n"
                + "  redeemCostMultiplier: 7\n  maxFaceValue: 5000\n  paramsTtl: 5m\n  paramsExpiryBuffer: 30s\n"
                + "  maxNonces: 300\n  maxBatchTickets: 40\n  maxTicketEV: 200\n  maxBatchEV: 4000\n"
                + "  depositMultiplier: 2\n  claimWindow: 12h\n  unlockPeriod: 2d\n  reservePeriod: 6h\n")).pm();
        assertEquals(new PmPolicy(20, 50, 3, 7, 5000, 300_000, 30_000, 300, 40, 200, 4000, 2, 43_200_000,
                172_800_000, 21_600_000), pm.policy());
        assertTrue(pm.enabled());
    }

    @Test
    void unknownKeysAndWrongTypesAreRefusedWithTheirPath() {
        assertOnlyProblem("  ticketEv: 5\n", "pm.ticketEv", "did you mean ticketEV?");
        assertOnlyProblem("  enabled: maybe\n", "pm.enabled", "not true or false");
        assertOnlyProblem("  ticketEV: ten\n", "pm.ticketEV", "whole number");
        assertOnlyProblem("  paramsTtl: 600\n", "pm.paramsTtl", "needs a unit");
        assertOnlyProblem("  claimWindow: [1h]\n", "pm.claimWindow", "single value");
        assertOnlyProblem("  redeemCost: -1\n", "pm.redeemCost", "out of range");
        assertOnlyProblem("  maxFaceValue: 9007199254740992\n", "pm.maxFaceValue", "out of range");
        assertOnlyProblem("  paramsTtl: 0s\n", "pm.paramsTtl", "longer than 0");
        assertOnlyProblem("  reservePeriod: 3651d\n", "pm.reservePeriod", "at most 3650d");
        assertEquals("pm", problems("  - enabled\n").get(0).path());
    }

    @Test
    void unlockPeriodMustOutlastParamsTtlPlusClaimWindow() {
        assertOnlyProblem("  unlockPeriod: 1450m\n", "pm.unlockPeriod",
                "longer than pm.paramsTtl + pm.claimWindow (1450m)");
        assertOnlyProblem("  claimWindow: 72h\n", "pm.unlockPeriod", "(4330m)");
    }

    @Test
    void maxBatchTicketsMustBeWhatAMessageCarries() {
        int cap = MessageLimits.maxPmTickets();
        assertOnlyProblem("  maxBatchTickets: 0\n", "pm.maxBatchTickets", "out of range 1.." + cap);
        assertOnlyProblem("  maxBatchTickets: " + (cap + 1) + "\n", "pm.maxBatchTickets",
                MessageLimits.pmTicketsThatFit() + " of the widest fit");
        assertOnlyProblem("  maxBatchTickets: 99999999999\n", "pm.maxBatchTickets", "out of range");
    }

    @Test
    void paramsExpiryBufferMustBeShorterThanParamsTtl() {
        assertOnlyProblem("  paramsExpiryBuffer: 10m\n", "pm.paramsExpiryBuffer", "shorter than pm.paramsTtl (10m)");
        assertOnlyProblem("  paramsTtl: 10s\n", "pm.paramsExpiryBuffer", "shorter than pm.paramsTtl (10s)");
    }

    @Test
    void maxNoncesMustExceedMaxBatchTickets() {
        assertOnlyProblem("  maxNonces: 99\n", "pm.maxNonces", "more than pm.maxBatchTickets (100)");
        assertOnlyProblem("  maxNonces: 100\n", "pm.maxNonces", "more than pm.maxBatchTickets (100)");
        assertOnlyProblem("  maxNonces: 100001\n", "pm.maxNonces", "out of range 1..100000");
    }

    @Test
    void maxTicketEVMustNotExceedMaxBatchEV() {
        assertOnlyProblem("  maxBatchEV: 999\n", "pm.maxTicketEV", "exceeds pm.maxBatchEV (999)");
    }

    @Test
    void multipliersAndTicketEVAreAtLeastOne() {
        assertOnlyProblem("  evMultiplier: 0\n", "pm.evMultiplier", "out of range 1..");
        assertOnlyProblem("  ticketEV: 0\n", "pm.ticketEV", "out of range 1..");
        assertOnlyProblem("  depositMultiplier: 0\n", "pm.depositMultiplier", "out of range 1..");
    }

    @Test
    void aFaceValueCapBelowTheTicketEVCouldNeverIssueParams() {
        assertOnlyProblem("  maxFaceValue: 9\n", "pm.maxFaceValue", "below pm.ticketEV (10)");
    }

    @Test
    void everyProblemOfTheSectionIsReportedAtOnce() {
        List<String> paths = problems("  maxNonces: 100\n  maxBatchEV: 10\n  unlockPeriod: 1h\n  paramsExpiryBuffer: 1h\n")
                .stream().map(ConfigProblem::path).sorted().toList();
        assertEquals(List.of("pm.maxNonces", "pm.maxTicketEV", "pm.paramsExpiryBuffer", "pm.unlockPeriod"), paths);
    }

    @Test
    void theRenderedSectionParsesBackToTheSameSection() throws Exception {
        QuorumdConfig c = parse(yaml("  enabled: true\n  ticketEV: 20\n  redeemCost: 3\n  maxFaceValue: 5000\n"
                + "  paramsTtl: 90s\n  paramsExpiryBuffer: 1500ms\n  maxBatchTickets: 7\n  claimWindow: 1d\n"));
        String rendered = ConfigRenderer.toYaml(c);
        assertTrue(rendered.contains("\npm:\n  enabled: true\n  ticketEV: 20\n"), rendered);
        assertTrue(rendered.contains("  paramsExpiryBuffer: 1500ms\n"), rendered);
        QuorumdConfig back = parse(rendered);
        assertEquals(c.pm(), back.pm());
        assertEquals(ConfigRenderer.toYaml(back), rendered);
    }
}

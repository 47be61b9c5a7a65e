package io.quorumd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plots come from the benches' CSVs as written, quoted fields and incomplete cycles included. */
class PlotsTest {
    @TempDir
    Path dir;

    @Test
    void writesThePngsOfTheCsvsThatArePresent() throws Exception {
        Files.writeString(dir.resolve("checkpoint.csv"), "n,single_p50_ms,single_p95_ms,cycle_ms,floor_ms,"
                + "deliveries_per_node,nara_cycle_ms,nara_deliveries_per_node\n10,30,40,150,80,29,260,110\n"
                + "50,60,80,2000,1900,170,-1,2000\n");
        Files.writeString(dir.resolve("ledger.csv"), "round,run,entries,seconds,entries_per_s,signatures\n"
                + "1,\"append batch=256 fsync=batch\",1,1,200000,0\n1,\"replay (CRC + parse + chain)\",1,1,400000,0\n"
                + "1,\"raw parse (Jackson, same payloads)\",1,1,700000,0\n1,\"verify --full (seals + envelopes)\",1,1,20000,9\n");
        Files.writeString(dir.resolve("ledger-baselines.csv"), "round,sign_per_s,verify_per_s,parse_per_s,sha256_per_s\n"
                + "1,28000,12000,1000000,4000000\n");
        List<Path> written = Plots.write(dir);
        assertEquals(3, written.size());
        for (Path p : written) {
            byte[] png = Files.readAllBytes(p);
            assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', p.toString());
        }
    }

    @Test
    void aQuotedFieldKeepsItsCommaAndARowOfTheWrongWidthIsRefused() throws Exception {
        assertEquals(List.of("1", "raw parse (Jackson, same payloads)", "2"), Plots.Csv.fields("1,\"raw parse (Jackson, same payloads)\",2"));
        Files.writeString(dir.resolve("checkpoint.csv"), "n,single_p50_ms\n10,30,99\n");
        IOException e = assertThrows(IOException.class, () -> Plots.write(dir));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        Files.delete(dir.resolve("checkpoint.csv"));
        assertThrows(NoSuchFileException.class, () -> Plots.write(dir));
    }
}

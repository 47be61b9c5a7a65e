package io.quorumd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/**
 * PNG plots of the CSVs the benchmarks wrote under one directory ({@code docs/benchmarks}):
 * <ul>
 *   <li>{@code checkpoint-latency.png}: single-proposal p50/p95 and the all-at-once cycle against N, the
 *       cycle next to its verification floor and to nara's broadcast topology (from {@code checkpoint.csv});</li>
 *   <li>{@code checkpoint-deliveries.png}: inbound deliveries per node per cycle against N, quorumd and nara's
 *       topology side by side, with the 3N target;</li>
 *   <li>{@code ledger-rates.png}: the ledger's rates next to the raw rates they are bounded by, medians over
 *       the rounds ({@code ledger.csv}, {@code ledger-baselines.csv}).</li>
 * </ul>
 * A cycle that did not complete within the bench's limit (-1 in the CSV) is left out of its series.
 */
public final class Plots {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;

    private Plots() {
    }

    /** Writes every plot whose CSVs exist in {@code dir}; the files written. */
    public static List<Path> write(Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Path> out = new ArrayList<>();
        Path checkpoint = dir.resolve("checkpoint.csv");
        if (Files.exists(checkpoint)) {
            List<Map<String, String>> rows = Csv.read(checkpoint);
            out.add(save(checkpointLatency(rows), dir.resolve("checkpoint-latency.png")));
            out.add(save(checkpointDeliveries(rows), dir.resolve("checkpoint-deliveries.png")));
        }
        Path ledger = dir.resolve("ledger.csv");
        Path baselines = dir.resolve("ledger-baselines.csv");
        if (Files.exists(ledger) && Files.exists(baselines)) {
            out.add(save(ledgerRates(Csv.read(ledger), Csv.read(baselines)), dir.resolve("ledger-rates.png")));
        }
        if (out.isEmpty()) {
            throw new NoSuchFileException(dir + ": neither checkpoint.csv nor ledger.csv with ledger-baselines.csv");
        }
        return out;
    }

    private static XYChart checkpointLatency(List<Map<String, String>> rows) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Checkpoint latency against N (log scale)")
                .xAxisTitle("nodes (N)").yAxisTitle("ms").build();
        style(c.getStyler());
        c.getStyler().setYAxisLogarithmic(true);
        series(c, "single proposal p50", rows, "n", "single_p50_ms");
        series(c, "single proposal p95", rows, "n", "single_p95_ms");
        series(c, "cycle (all propose at once)", rows, "n", "cycle_ms");
        series(c, "cycle's verification floor", rows, "n", "floor_ms");
        series(c, "cycle, nara's broadcast votes", rows, "n", "nara_cycle_ms");
        return c;
    }

    private static XYChart checkpointDeliveries(List<Map<String, String>> rows) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Inbound deliveries per node per cycle (log scale)")
                .xAxisTitle("nodes (N)").yAxisTitle("messages").build();
        style(c.getStyler());
        c.getStyler().setYAxisLogarithmic(true);
        series(c, "quorumd", rows, "n", "deliveries_per_node");
        boolean cut = rows.stream().anyMatch(r -> Double.parseDouble(r.get("nara_cycle_ms")) < 0);
        series(c, "nara's broadcast votes" + (cut ? " (a cycle that did not complete: counted until the bench's limit)" : ""),
                rows, "n", "nara_deliveries_per_node");
        double[] n = column(rows, "n");
        double[] target = new double[n.length];
        for (int i = 0; i < n.length; i++) {
            target[i] = 3 * n[i];
        }
        c.addSeries("target: 3N", n, target);
        return c;
    }

    private static CategoryChart ledgerRates(List<Map<String, String>> ledger, List<Map<String, String>> baselines) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Ledger rates next to their raw bounds, medians of the rounds (log scale)")
                .xAxisTitle("").yAxisTitle("per second").build();
        style(c.getStyler());
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setYAxisMin(1000.0); // a category chart's axis starts at 0 otherwise, which a log axis cannot
        List<String> what = List.of("append, batch 256", "replay", "verify --full");
        c.addSeries("ledger", what, List.of(medianOf(ledger, "append batch=256"), medianOf(ledger, "replay"),
                medianOf(ledger, "verify --full")));
        c.addSeries("raw bound", what, List.of(Stats.median(column(baselines, "sign_per_s")),
                Stats.median(column(baselines, "parse_per_s")), Stats.median(column(baselines, "verify_per_s"))));
        return c;
    }

    private static void style(Styler s) {
        s.setLegendPosition(Styler.LegendPosition.InsideNW);
        s.setChartBackgroundColor(java.awt.Color.WHITE);
    }

    /** Adds x → y of the rows, leaving out negative y (a run that did not complete). */
    private static void series(XYChart c, String name, List<Map<String, String>> rows, String x, String y) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Map<String, String> r : rows) {
            double v = Double.parseDouble(r.get(y));
            if (v >= 0) {
                xs.add(Double.parseDouble(r.get(x)));
                ys.add(v);
            }
        }
        if (!xs.isEmpty()) {
            c.addSeries(name, xs, ys);
        }
    }

    private static double[] column(List<Map<String, String>> rows, String name) {
        return rows.stream().mapToDouble(r -> Double.parseDouble(r.get(name))).toArray();
    }

    /** The median entries/s of the ledger rows whose run starts with {@code prefix}. */
    private static double medianOf(List<Map<String, String>> rows, String prefix) {
        double[] v = rows.stream().filter(r -> r.get("run").startsWith(prefix))
                .mapToDouble(r -> Double.parseDouble(r.get("entries_per_s"))).toArray();
        if (v.length == 0) {
            throw new IllegalArgumentException("ledger.csv has no run starting with '" + prefix + "'");
        }
        return Stats.median(v);
    }

    private static Path save(Chart<?, ?> chart, Path file) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }

    /** The CSVs the benchmarks write: a header row, commas, double quotes around a field that holds one. */
    static final class Csv {
        private Csv() {
        }

        static List<Map<String, String>> read(Path file) throws IOException {
            List<String> lines = Files.readAllLines(file);
            if (lines.isEmpty()) {
                throw new IOException(file + " is empty");
            }
            List<String> header = fields(lines.get(0));
            List<Map<String, String>> rows = new ArrayList<>();
            for (int i = 1; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                List<String> f = fields(lines.get(i));
                if (f.size() != header.size()) {
                    throw new IOException(file + " line " + (i + 1) + ": " + f.size() + " fields, the header has "
                            + header.size());
                }
                Map<String, String> row = new LinkedHashMap<>();
                for (int k = 0; k < header.size(); k++) {
                    row.put(header.get(k), f.get(k));
                }
                rows.add(row);
            }
            return rows;
        }

        static List<String> fields(String line) {
            List<String> out = new ArrayList<>();
            StringBuilder cur = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char ch = line.charAt(i);
                if (ch == '"') {
                    quoted = !quoted;
                } else if (ch == ',' && !quoted) {
                    out.add(cur.toString());
                    cur.setLength(0);
                } else {
                    cur.append(ch);
                }
            }
            out.add(cur.toString());
            return out;
        }
    }
}

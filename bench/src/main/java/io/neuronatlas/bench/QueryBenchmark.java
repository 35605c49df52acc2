package io.neuronatlas.bench;

import io.neuronatlas.atlas.TokenLayout;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.cli.Command;
import io.neuronatlas.cli.Scopt;
import io.neuronatlas.cli.Sessions;
import io.neuronatlas.query.Atlas;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/**
 * {@code bench-query}: times find-token, alignment and top-neurons on an atlas of Llama-3.1-8B's size (generated
 * rows, no model), on the layout the map writes and on the plain layout it replaced, cold and warm; then find-token
 * as a user runs it (a one-off process, the shell, and DuckDB over the same files: LookupPeers).
 */
final class QueryBenchmark implements Command {

    static final class Args {
        String work = "target/bench-query";
        final SyntheticAtlasOptions atlas = new SyntheticAtlasOptions();
        String token = " dog";
        int warmRuns = 15;
        String queries = "find-token,variants,full-scan,alignment,top-neurons";
        int rowGroupRows = TokenLayout.LOOKUP.rowGroupRows();
        int pageRows = TokenLayout.LOOKUP.pageRows();
        String master;
    }

    /**
     * One timed query: its --queries key, its name in the table, and what runs it against an opened atlas, returning
     * the rows it produced.
     *
     * @param lookupOnly timed on the lookup layout only (the plain layout has nothing to compare it with)
     * @param maxWarmRuns at most this many warm runs: the full scan is the slow baseline, two runs show it
     */
    private record Query(String key, String name, boolean lookupOnly, int maxWarmRuns, Function<Atlas, Long> run) {
    }

    /** Cold and warm seconds of one query on one layout. */
    private record Timing(double cold, double warmMedian) {
    }

    @Override
    public String name() {
        return "bench-query";
    }

    @Override
    public String summary() {
        return "time find-token, alignment and top-neurons on a synthetic atlas of Llama-3.1-8B's size";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        List<OParser<?, Args>> options = new ArrayList<>();
        options.add(s.string("work", "DIR", "where the atlases go (default target/bench-query)",
                (a, v) -> a.work = v));
        options.addAll(SyntheticAtlasOptions.parsers(s, a -> a.atlas));
        options.addAll(List.of(
                s.string("token", "TOKEN", "the token find-token looks up (default \" dog\")", (a, v) -> a.token = v),
                s.integer("runs", "N", "warm runs per query (default 15: the JIT takes about ten queries to "
                        + "settle, as it has in any long-lived notebook or spark-sql session)", (a, v) -> a.warmRuns = v),
                s.string("queries", "LIST", "which to time (default find-token,variants,full-scan,alignment,"
                        + "top-neurons)", (a, v) -> a.queries = v),
                s.integer("row-group-rows", "N", "lookup layout: rows per row group (default "
                        + TokenLayout.LOOKUP.rowGroupRows() + ")", (a, v) -> a.rowGroupRows = v),
                s.integer("page-rows", "N", "lookup layout: rows per page (default " + TokenLayout.LOOKUP.pageRows()
                        + ")", (a, v) -> a.pageRows = v),
                s.string("master", "URL", "Spark master (default local[*])", (a, v) -> a.master = v)));
        @SuppressWarnings("unchecked")
        OParser<?, Args> parser = s.parser("neuron-atlas-bench bench-query",
                "Writes (once) two synthetic atlases of a model's size with the map's own writer: the lookup "
                        + "layout the map uses (rows ordered by token_id in each file, 64Ki-row groups, bloom "
                        + "filter on token_id) and the plain layout (neuron order, 128 MB groups, no bloom filter). "
                        + "Then times the queries on both, cold (a new session's first run) and warm (median of "
                        + "--runs), and prints the ratios. Defaults are Llama-3.1-8B's shapes: 3 x 32 x 14,336 "
                        + "neurons, top-20, 55 million neuron_tokens rows, about 1.3 GB per layout.",
                options.toArray(new OParser[0]));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        SparkSession spark = Sessions.open("neuron-atlas bench-query", a.master);
        Map<String, TokenLayout> layouts = new LinkedHashMap<>();
        layouts.put("lookup", new TokenLayout(true, true, a.rowGroupRows, a.pageRows));
        layouts.put("plain", TokenLayout.PLAIN);
        writeAtlases(spark, a, layouts, a.atlas.tokens(a.work), out);

        out.printf(Locale.ROOT, "%nbench-query: %s, %d warm runs; load average %s%n", spark.sparkContext().master(),
                a.warmRuns, Benchmarks.loadAverage());
        out.printf(Locale.ROOT, "%-22s  %-7s  %6s  %8s  %12s%n", "query", "layout", "rows", "cold s",
                "warm median s");
        Map<String, Timing> timings = new HashMap<>();
        List<String> chosen = Arrays.asList(a.queries.split(","));
        for (Query q : queries(a)) {
            if (!chosen.contains(q.key())) {
                continue;
            }
            for (String layout : layouts.keySet()) {
                if (q.lookupOnly() && !layout.equals("lookup")) {
                    continue;
                }
                // A new session: no cached file listings or plans from the previous query.
                Atlas atlas = Atlas.open(spark.newSession(), Path.of(a.work, layout).toString());
                long t0 = System.nanoTime();
                long rows = q.run().apply(atlas);
                double cold = (System.nanoTime() - t0) / 1e9;
                Timing timing = new Timing(cold, warmMedian(q, atlas, Math.min(q.maxWarmRuns(), a.warmRuns)));
                timings.put(q.key() + "/" + layout, timing);
                out.printf(Locale.ROOT, "%-22s  %-7s  %6d  %8.3f  %12.3f%n", q.name(), layout, rows, timing.cold(),
                        timing.warmMedian());
            }
        }
        out.println();
        Timing lookup = timings.get("find-token/lookup");
        if (lookup != null) {
            ratio(out, "find-token, plain layout / lookup layout", timings.get("find-token/plain"), lookup);
            if (timings.containsKey("full-scan/lookup")) {
                ratio(out, "find-token, full scan / lookup layout", timings.get("full-scan/lookup"), lookup);
            }
            out.printf(Locale.ROOT, "find-token warm on the lookup layout: %.3f s (goal: at most 1 s)%n",
                    lookup.warmMedian());
        }
        if (chosen.contains("find-token")) {
            Path submit = Path.of("submit.sh").toAbsolutePath();
            if (LookupPeers.available(submit)) {
                new LookupPeers(submit, Path.of(a.work, "lookup").toAbsolutePath().toString(), a.token,
                        Math.max(3, Math.min(a.warmRuns, 5))).print(out);
            } else {
                out.println("\nfind-token as a user runs it: skipped, no ./submit.sh here (run bench-query from the "
                        + "repository root)");
            }
        }
        out.printf(Locale.ROOT, "load average after: %s%n", Benchmarks.loadAverage());
        return 0;
    }

    /** Writes each layout's synthetic atlas unless the last run left it with the same parameters. */
    private static void writeAtlases(SparkSession spark, Args a, Map<String, TokenLayout> layouts, TokenTable tokens,
                                     PrintStream out) throws IOException {
        for (Map.Entry<String, TokenLayout> layout : layouts.entrySet()) {
            a.atlas.atlas(layout.getValue()).writeOnce(spark, Path.of(a.work, layout.getKey()), tokens, out,
                    "bench-query: writing the " + layout.getKey() + " atlas");
        }
    }

    private static List<Query> queries(Args a) {
        String matrix = "up";
        int layer = a.atlas.layers / 2;
        String fullScan = "SELECT * FROM neuron_tokens WHERE token_norm(token) = token_norm('"
                + a.token.replace("'", "\\'") + "') ORDER BY normalized_prob DESC LIMIT 100";
        return List.of(
                new Query("find-token", "find-token", false, Integer.MAX_VALUE,
                        atlas -> rows(atlas.findToken(a.token, 100))),
                new Query("variants", "  its variants lookup", true, Integer.MAX_VALUE,
                        atlas -> rows(atlas.tokenVariants(a.token))),
                new Query("full-scan", "find-token, full scan", true, 2, atlas -> rows(atlas.sql(fullScan))),
                new Query("alignment", "alignment", false, Integer.MAX_VALUE, atlas -> rows(atlas.alignment(10))),
                new Query("top-neurons", "top-neurons", false, Integer.MAX_VALUE,
                        atlas -> rows(atlas.topNeurons(matrix, layer, 20, 5))));
    }

    private static long rows(Dataset<Row> rows) {
        return rows.collectAsList().size();
    }

    /** The median of runs warm runs, NaN for none. */
    private static double warmMedian(Query q, Atlas atlas, int runs) {
        double[] times = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t1 = System.nanoTime();
            q.run().apply(atlas);
            times[i] = (System.nanoTime() - t1) / 1e9;
        }
        Arrays.sort(times);
        return times.length == 0 ? Double.NaN : times[times.length / 2];
    }

    private static void ratio(PrintStream out, String what, Timing baseline, Timing measured) {
        out.printf(Locale.ROOT, "%-42s cold %.1fx, warm %.1fx%n", what + ":", baseline.cold() / measured.cold(),
                baseline.warmMedian() / measured.warmMedian());
    }
}

package io.neuronatlas.bench;

import io.neuronatlas.atlas.TokenLayout;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.cli.Command;
import io.neuronatlas.cli.Scopt;
import io.neuronatlas.cli.Sessions;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.report.ReportGenerator;
import io.neuronatlas.report.ReportOptions;
import io.neuronatlas.report.SiteSummary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/**
 * {@code bench-report}: writes the static viewer of an atlas of Llama-3.1-8B's size (the query benchmark's
 * generated rows: 3 x 32 x 14,336 neurons, top-20) and prints its generation time, against a full read of
 * neuron_tokens in the same session, and its sizes against the page budgets: the home page, the largest data a
 * neuron page loads, the largest search shard.
 */
final class ReportBenchmark implements Command {
    static final long HOME_GOAL = 300 * 1024;
    static final long NEURON_PAGE_GOAL = 200 * 1024;

    static final class Args {
        String work = "target/bench-report";
        final SyntheticAtlasOptions atlas = new SyntheticAtlasOptions();
        int neuronsPerShard = ReportOptions.NEURONS_PER_SHARD;
        String master;
    }

    @Override
    public String name() {
        return "bench-report";
    }

    @Override
    public String summary() {
        return "time the static viewer of a synthetic atlas of Llama-3.1-8B's size and measure its pages";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        List<OParser<?, Args>> parsers = new ArrayList<>();
        parsers.add(s.string("work", "DIR", "where the atlas and the site go (default target/bench-report)",
                (a, v) -> a.work = v));
        parsers.addAll(SyntheticAtlasOptions.parsers(s, a -> a.atlas));
        parsers.add(s.integer("neurons-per-shard", "N", "report --neurons-per-shard (default "
                + ReportOptions.NEURONS_PER_SHARD + ")", (a, v) -> a.neuronsPerShard = v));
        parsers.add(s.string("master", "URL", "Spark master (default local[*])", (a, v) -> a.master = v));
        @SuppressWarnings("unchecked")
        OParser<?, Args> parser = s.parser("neuron-atlas-bench bench-report",
                "Writes (once) a synthetic atlas with the map's own writer (the bench-query generator; defaults: "
                        + "Llama-3.1-8B's 3 x 32 x 14,336 neurons, top-20, vocabulary 128,256), then writes its "
                        + "static viewer with 'report' and prints the generation time (and the ratio to a full read "
                        + "of neuron_tokens in the same session), the site's size and file count, the home page's "
                        + "bytes (goal <= 300 KB), the largest data a neuron page loads (goal <= 200 KB) and the "
                        + "largest search shard.",
                parsers.toArray(new OParser[0]));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        SparkSession spark = Sessions.open("neuron-atlas bench-report", a.master);
        TokenTable tokens = a.atlas.tokens(a.work);
        SyntheticAtlas synthetic = a.atlas.atlas(TokenLayout.LOOKUP);
        Path atlasDir = Path.of(a.work, "atlas");
        synthetic.writeOnce(spark, atlasDir, tokens, out, "bench-report: writing the atlas");
        out.printf(Locale.ROOT, "bench-report: %s, load average %s%n", spark.sparkContext().master(),
                Benchmarks.loadAverage());

        Atlas atlas = Atlas.open(spark, atlasDir.toString());
        long t0 = System.nanoTime();
        Row scan = atlas.sql("SELECT count(*), sum(score), count(DISTINCT token) FROM neuron_tokens").first();
        double scanSeconds = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "baseline: a full read of neuron_tokens (%,d rows, every token string) in %.1f s%n",
                scan.getLong(0), scanSeconds);

        Path site = Path.of(a.work, "site");
        ReportOptions options = new ReportOptions(List.of(), a.neuronsPerShard, ReportOptions.SEARCH_LIMIT,
                ReportOptions.SEARCH_ROWS_PER_SHARD, ReportOptions.BINS, ReportOptions.THRESHOLD);
        SiteSummary summary = new ReportGenerator(atlas, options, out).write(site.toString());
        out.printf(Locale.ROOT, "%nreport: %,d neurons in %.1f s (%.1fx the full read), %,d files, %s%n",
                synthetic.neurons(), summary.seconds(), summary.seconds() / scanSeconds, summary.files(),
                size(summary.bytes()));

        long code = bytes(site.resolve("index.html")) + folder(site.resolve("assets")).total;
        long index = bytes(site.resolve("data/atlas.js"));
        Sizes alignment = folder(site.resolve("data/alignment"));
        Sizes neurons = folder(site.resolve("data/neurons"));
        Sizes search = folder(site.resolve("data/search"));
        long home = code + index + alignment.total;
        long neuronData = index + neurons.largest;
        out.printf(Locale.ROOT, "page code (index.html and assets): %s%n", size(code));
        out.printf(Locale.ROOT, "home page: %s with its code (goal <= 300 KB: %s); data %s = atlas.js %s + "
                + "alignment %s%n", size(home), home <= HOME_GOAL ? "met" : "NOT met", size(index + alignment.total),
                size(index), size(alignment.total));
        out.printf(Locale.ROOT, "neuron page data: %s = atlas.js + the largest of %,d neuron shards %s (gzip %s; "
                + "goal <= 200 KB: %s); mean shard %s%n", size(neuronData), neurons.files, size(neurons.largest),
                size(gzip(neurons.largestFile)), neuronData <= NEURON_PAGE_GOAL ? "met" : "NOT met",
                size(neurons.total / Math.max(1, neurons.files)));
        out.printf(Locale.ROOT, "search: one shard of %,d; largest %s (gzip %s), mean %s; all shards %s%n",
                search.files, size(search.largest), size(gzip(search.largestFile)),
                size(search.total / Math.max(1, search.files)), size(search.total));
        out.printf(Locale.ROOT, "load average after: %s%n", Benchmarks.loadAverage());
        return 0;
    }

    /** A folder's files: how many, their total and the largest. */
    private record Sizes(long files, long total, long largest, Path largestFile) {
    }

    private static Sizes folder(Path dir) throws IOException {
        long files = 0;
        long total = 0;
        long largest = 0;
        Path largestFile = null;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
                long n = Files.size(f);
                files++;
                total += n;
                if (n > largest) {
                    largest = n;
                    largestFile = f;
                }
            }
        }
        return new Sizes(files, total, largest, largestFile);
    }

    private static long bytes(Path file) throws IOException {
        return Files.size(file);
    }

    /** What a static server that compresses would send. */
    private static long gzip(Path file) {
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(buffer)) {
                z.write(Files.readAllBytes(file));
            }
            return buffer.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String size(long bytes) {
        return bytes < 10 * 1024 ? String.format(Locale.ROOT, "%,d B", bytes)
                : bytes < 10L * 1024 * 1024 ? String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0)
                : String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
    }
}

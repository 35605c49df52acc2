package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.report.ReportGenerator;
import io.neuronatlas.report.ReportOptions;
import io.neuronatlas.report.SiteSummary;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/** {@code report}: the atlas as a static neuron viewer, searchable by token, that opens from file://. */
final class ReportCommand implements Command {

    static final class Args {
        String atlas;
        String out;
        final List<String> checkpoints = new ArrayList<>();
        int neuronsPerShard = ReportOptions.NEURONS_PER_SHARD;
        int searchLimit = ReportOptions.SEARCH_LIMIT;
        double threshold = ReportOptions.THRESHOLD;
        String master;
    }

    @Override
    public String name() {
        return "report";
    }

    @Override
    public String summary() {
        return "write a static neuron viewer of the atlas (search by token, a page per neuron; opens from file://)";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        OParser<?, Args> parser = s.parser("neuron-atlas report",
                "Writes a static site for browsing the atlas: a home page with the checkpoints and their "
                        + "per-layer vocabulary alignment, a token search with find-token's semantics (case and "
                        + "space variants grouped, ranked by normalized_prob), and a page per neuron "
                        + "(#/CHECKPOINT/MATRIX/LAYER/NEURON). No server needed: open SITE/index.html from disk, or "
                        + "publish the folder on any static web server. Data files are written by Spark tasks.",
                s.string("atlas", "DIR", "the folder 'map --out' wrote", (a, v) -> a.atlas = v).required(),
                s.string("out", "SITE", "the site folder to write (new, empty, or a site written before, which "
                        + "is replaced once the new one is complete)", (a, v) -> a.out = v).required(),
                s.string("checkpoint", "NAME", "show only this checkpoint; repeat for more (default: all)",
                        (a, v) -> a.checkpoints.add(v)).unbounded(),
                s.integer("neurons-per-shard", "N", "neuron indices per data file of the neuron pages (default "
                        + ReportOptions.NEURONS_PER_SHARD + ")", (a, v) -> a.neuronsPerShard = v),
                s.integer("search-limit", "N", "neurons listed per word, the first find-token lists (default "
                        + ReportOptions.SEARCH_LIMIT + ")", (a, v) -> a.searchLimit = v),
                s.string("threshold", "X", "the home page's first max |score| threshold (default 10)",
                        (a, v) -> a.threshold = Double.parseDouble(v)),
                Sessions.master(s, (a, v) -> a.master = v));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        ReportOptions options = new ReportOptions(a.checkpoints, a.neuronsPerShard, a.searchLimit,
                ReportOptions.SEARCH_ROWS_PER_SHARD, ReportOptions.BINS, a.threshold);
        SparkSession spark = Sessions.open("neuron-atlas report", a.master);
        SiteSummary site = new ReportGenerator(Atlas.open(spark, a.atlas), options, out).write(a.out);
        out.printf(Locale.ROOT, "[report] %s: %d checkpoint(s), %,d files, %,d bytes, in %.1f s%n", site.site(),
                site.checkpoints().size(), site.files(), site.bytes(), site.seconds());
        for (String view : site.notShown()) {
            out.println("[report] the atlas has the view " + view + ", which this viewer does not show yet");
        }
        out.println("Open " + site.site() + "/index.html in a browser (no server needed), or publish the folder.");
        return 0;
    }
}

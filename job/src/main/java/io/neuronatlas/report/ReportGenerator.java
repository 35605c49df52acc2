package io.neuronatlas.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.CannedQuery;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF4;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Writes the static neuron viewer of an atlas: the page and its assets, a small index of the checkpoints, the
 * home page's alignment plots, one shard per run of neuron indices (the neuron pages' data) and a token index
 * sharded by word (the searches' data). The shards are made and written by Spark tasks, so the time grows with
 * the atlas over the executors, not on the driver; the driver collects only per-layer summaries.
 */
public final class ReportGenerator {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Format of the data files, in atlas.js; the page refuses data of another format. */
    static final int FORMAT = 1;

    private final Atlas atlas;
    private final ReportOptions options;
    private final List<NeuronSection> sections = new ArrayList<>(NeuronSections.BUILT_IN);
    private final PrintStream log;

    public ReportGenerator(Atlas atlas, ReportOptions options, PrintStream log) {
        this.atlas = atlas;
        this.options = options;
        this.log = log;
    }

    /** Adds a section to the neuron records (shown when its views exist). */
    public ReportGenerator section(NeuronSection section) {
        for (NeuronSection s : sections) {
            if (s.field().equals(section.field())) {
                throw new IllegalArgumentException("two sections fill the field " + section.field());
            }
        }
        sections.add(section);
        return this;
    }

    /** Writes the site to out (a new or empty folder, or a site written before, which is replaced). */
    public SiteSummary write(String out) throws IOException {
        long t0 = System.nanoTime();
        List<CheckpointEntry> checkpoints = selected();
        SparkSession spark = atlas.spark();
        SiteFolder site = SiteFolder.create(spark, out);
        try {
            List<String> names = checkpoints.stream().map(CheckpointEntry::checkpoint).toList();
            registerSiteViews(spark, checkpoints);
            registerActivationViews(spark, names);
            List<NeuronSection> present = sections.stream().filter(s -> s.views().stream()
                    .allMatch(v -> spark.catalog().tableExists(v))).toList();
            List<String> notShown = NeuronSections.LATER_VIEWS.stream().filter(v -> spark.catalog().tableExists(v)
                    && sections.stream().noneMatch(s -> s.views().contains(v))).toList();

            for (String asset : SiteAssets.FILES) {
                site.copyResource(ReportGenerator.class, "site/" + asset, asset);
            }
            Map<String, String> alignment = AlignmentData.build(atlas, names, options.bins());
            for (int i = 0; i < names.size(); i++) {
                site.writeData(SiteKeys.alignment(i), alignment.get(names.get(i)));
            }
            writeNeuronShards(spark, site, names, present);
            int buckets = writeTokenIndex(spark, site, names);
            Map<String, ArrayNode> blocks = ExpertBlocks.build(spark, checkpoints.stream()
                    .filter(ReportGenerator::hasExperts).map(CheckpointEntry::checkpoint).toList());
            site.writeData(SiteKeys.ATLAS, index(checkpoints, present, buckets, blocks).toString());
            site.publish();
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new SiteSummary(site.destination().toString(), names, buckets, site.files(), site.bytes(),
                    seconds, notShown);
        } catch (Throwable e) {
            // Spark's AnalysisException is checked in Java's eyes but undeclared: catch everything, rethrow as is.
            site.abandon();
            throw e;
        }
    }

    /** Every neuron's record, grouped into shards of neurons_per_shard indices, written by Spark tasks. */
    private void writeNeuronShards(SparkSession spark, SiteFolder site, List<String> names,
                                   List<NeuronSection> present) {
        log.printf(Locale.ROOT, "[report] %s: writing neuron shards (%d neuron indices each; sections %s)%n",
                String.join(", ", names), options.neuronsPerShard(), present.stream().map(NeuronSection::field)
                        .toList());
        long t0 = System.nanoTime();
        Map<String, Object> args = new HashMap<>(NeuronSections.LIMITS);
        args.put("checkpoints", names.toArray(String[]::new));
        NeuronRecords.build(spark, present, args)
                .createOrReplaceTempView("report_records");
        site.writeShards(spark.sql(CannedQuery.sql(ReportGenerator.class, "neuron-shards"),
                Map.of("per_shard", options.neuronsPerShard())));
        log.printf(Locale.ROOT, "[report] neuron shards written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    /** The token index, sized first and then written by Spark tasks; returns its number of shards. */
    private int writeTokenIndex(SparkSession spark, SiteFolder site, List<String> names) {
        long t0 = System.nanoTime();
        Row size = spark.sql(CannedQuery.sql(ReportGenerator.class, "search-rows"),
                Map.of("checkpoints", names.toArray(String[]::new), "limit", options.searchLimit())).first();
        long words = size.getLong(0);
        long rows = size.getLong(1);
        int buckets = SearchBuckets.count(words, rows, options.searchRowsPerShard());
        log.printf(Locale.ROOT, "[report] token index: %,d words, %,d neuron rows, in %,d shards%n", words, rows,
                buckets);
        site.writeShards(spark.sql(CannedQuery.sql(ReportGenerator.class, "search-shards"),
                Map.of("checkpoints", names.toArray(String[]::new), "limit", options.searchLimit(),
                        "buckets", buckets)));
        log.printf(Locale.ROOT, "[report] token index written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return buckets;
    }

    /** The checkpoints asked for, in the atlas's order; an unknown name is an error listing the known ones. */
    private List<CheckpointEntry> selected() {
        List<CheckpointEntry> all = atlas.checkpoints();
        if (options.checkpoints().isEmpty()) {
            return all;
        }
        List<String> known = all.stream().map(CheckpointEntry::checkpoint).toList();
        for (String name : options.checkpoints()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("--checkpoint " + name + ": no such checkpoint in the atlas "
                        + "(it has " + known + ")");
            }
        }
        return all.stream().filter(e -> options.checkpoints().contains(e.checkpoint())).toList();
    }

    /** The site's checkpoint numbers, its same-shape pairs, and the functions its SQL uses. */
    private static void registerSiteViews(SparkSession spark, List<CheckpointEntry> checkpoints) {
        List<Row> numbered = new ArrayList<>();
        List<Row> pairs = new ArrayList<>();
        for (int i = 0; i < checkpoints.size(); i++) {
            numbered.add(RowFactory.create(checkpoints.get(i).checkpoint(), i));
            for (CheckpointEntry other : checkpoints) {
                if (sameShapes(other, checkpoints.get(i))) {
                    pairs.add(RowFactory.create(checkpoints.get(i).checkpoint(), other.checkpoint()));
                }
            }
        }
        spark.createDataFrame(numbered, new StructType().add("checkpoint", DataTypes.StringType, false)
                .add("ci", DataTypes.IntegerType, false)).createOrReplaceTempView("report_checkpoints");
        if (pairs.isEmpty()) {
            spark.catalog().dropTempView(NeuronSections.PAIRS_VIEW);
        } else {
            spark.createDataFrame(pairs, new StructType().add("checkpoint", DataTypes.StringType, false)
                    .add("other", DataTypes.StringType, false)).createOrReplaceTempView(NeuronSections.PAIRS_VIEW);
        }
        spark.udf().register("neuron_shard_key", (UDF4<Integer, Integer, String, Integer, String>)
                SiteKeys::neuronShard, DataTypes.StringType);
        spark.udf().register("search_bucket", (UDF2<String, Integer, Integer>) SearchBuckets::bucket,
                DataTypes.IntegerType);
        spark.udf().register("search_shard_key", (UDF1<Integer, String>) SiteKeys::searchShard,
                DataTypes.StringType);
    }

    /**
     * The views the activation's sections share: the record each goes on (report_home), and when the atlas has
     * examples, their windows as shown (a stale one dropped otherwise, so a section never reads another atlas's).
     */
    private static void registerActivationViews(SparkSession spark, List<String> names) {
        Map<String, Object> args = new HashMap<>(NeuronSections.LIMITS);
        args.put("checkpoints", names.toArray(String[]::new));
        spark.sql(CannedQuery.sql(ReportGenerator.class, "report-home"), args)
                .createOrReplaceTempView(NeuronSections.HOME_VIEW);
        if (spark.catalog().tableExists(NeuronSections.EXAMPLES_VIEW)) {
            spark.sql(CannedQuery.sql(ReportGenerator.class, "example-windows"), args)
                    .createOrReplaceTempView(NeuronSections.WINDOWS_VIEW);
        } else {
            spark.catalog().dropTempView(NeuronSections.WINDOWS_VIEW);
        }
    }

    /** Two checkpoints of one model's shapes, whose neurons correspond index for index. */
    private static boolean sameShapes(CheckpointEntry a, CheckpointEntry b) {
        return a != b && a.shapes() != null && a.shapes().equals(b.shapes());
    }

    private static boolean hasExperts(CheckpointEntry entry) {
        return entry.shapes() != null && entry.shapes().experts() > 0;
    }

    /** data/atlas.js: what every page loads first; blocks: the layers' experts of each mixture-of-experts one. */
    private ObjectNode index(List<CheckpointEntry> checkpoints, List<NeuronSection> present, int buckets,
                             Map<String, ArrayNode> blocks) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("generated_at", Instant.now().toString());
        root.put("neurons_per_shard", options.neuronsPerShard());
        root.putObject("search").put("shards", buckets).put("limit", options.searchLimit());
        root.putObject("alignment").put("bins", options.bins()).put("threshold", options.threshold());
        ArrayNode fields = root.putArray("sections");
        present.forEach(s -> fields.add(s.field()));
        ArrayNode list = root.putArray("checkpoints");
        for (int i = 0; i < checkpoints.size(); i++) {
            CheckpointEntry entry = checkpoints.get(i);
            ObjectNode node = (ObjectNode) JSON.readTree(entry.toJson());
            node.put("index", i);
            if (blocks.containsKey(entry.checkpoint())) {
                node.set("blocks", blocks.get(entry.checkpoint()));
            }
            ArrayNode same = node.putArray("same_shapes");
            for (CheckpointEntry other : checkpoints) {
                if (sameShapes(other, entry)) {
                    same.add(other.checkpoint());
                }
            }
            list.add(node);
        }
        return root;
    }
}

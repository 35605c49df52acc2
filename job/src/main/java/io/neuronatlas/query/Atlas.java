package io.neuronatlas.query;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.atlas.Catalog;
import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.atlas.DriftTables;
import io.neuronatlas.atlas.ExamplesTables;
import io.neuronatlas.atlas.ForwardTables;
import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishedRun;
import io.neuronatlas.compute.CensusRule;
import io.neuronatlas.udfs.AtlasExtensions;
import io.neuronatlas.udfs.NeuronId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter;
import org.apache.spark.sql.functions;

/**
 * An atlas folder opened for queries: its tables registered as temporary views of a SparkSession, over exactly the
 * run that the checkpoints table publishes for each checkpoint, with the atlas's SQL functions registered too and
 * the canned queries run against them. The checkpoints are read once, here, so every view shows the same
 * snapshot: a run being written, a run that was killed, or a map published after this call is not seen (open the
 * atlas again to see newer maps).
 *
 * <p>Views: every table of every {@link OutputKind} that some published run has (columns as written, plus the
 * partition columns: checkpoint, run, and matrix, layer for the map's): neuron_tokens, neurons, tokens, and
 * token_profiles when a map ran with --watch; each kind's run records ({@code runs} for the map); and
 * {@code checkpoints} (one row per mapped checkpoint: fingerprint, model_type, shapes, dtype, mapped_at, parameters,
 * run).
 */
public final class Atlas {
    /** The view find-token fills with the neuron_tokens rows of the looked-up token ids. */
    public static final String TOKEN_MATCHES = "token_matches";
    /** The views top-neurons fills: the chosen neurons, and the neuron_tokens rows of their indices. */
    public static final String TOP_NEURONS = "top_neurons";
    public static final String TOP_NEURON_TOKENS = "top_neuron_tokens";

    private final SparkSession spark;
    private final String dir;
    private final List<CheckpointEntry> checkpoints;
    /** The runs the map catalog publishes, one a checkpoint. */
    private final List<PublishedRun> mapRuns;
    private final Set<String> views;
    /**
     * Views registered on first use (openForQueries): the run records and the checkpoints, read as JSON, whose
     * schema Spark infers with a job of its own each. Removed once registered.
     */
    private final Map<String, ViewRegistration> deferred;

    /** Registers one view; false when there was nothing to register. */
    private interface ViewRegistration {
        boolean register() throws IOException;
    }

    private Atlas(SparkSession spark, String dir, List<CheckpointEntry> checkpoints, List<PublishedRun> mapRuns,
                  Set<String> views, Map<String, ViewRegistration> deferred) {
        this.spark = spark;
        this.dir = dir;
        this.checkpoints = checkpoints;
        this.mapRuns = List.copyOf(mapRuns);
        this.views = Set.copyOf(views);
        this.deferred = deferred;
    }

    public static Atlas open(SparkSession spark, String dir) throws IOException {
        return open(spark, dir, OutputKind.ALL);
    }

    /**
     * Opens the atlas as {@link #open(SparkSession, String)} does, except that every view is registered only when
     * first needed: a canned query registers the views its SQL names, {@link #sql(String)}, {@link #table(String)}
     * and a comparison all of them. Registering a view lists its folders (and the JSON ones infer a schema with a
     * job of their own), and a lookup such as find-token reads two of the views: a one-off command's start is
     * spared the rest (issue 23).
     */
    public static Atlas openForQueries(SparkSession spark, String dir) throws IOException {
        return open(spark, dir, OutputKind.ALL, true);
    }

    /**
     * Opens the atlas with the tables of these kinds of output; {@link #open(SparkSession, String)} knows every kind
     * this version writes.
     */
    public static Atlas open(SparkSession spark, String dir, List<OutputKind> kinds) throws IOException {
        return open(spark, dir, kinds, false);
    }

    private static Atlas open(SparkSession spark, String dir, List<OutputKind> kinds, boolean deferViews)
            throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem(conf);
        List<CheckpointEntry> checkpoints = new Catalog(conf, dir, OutputKind.MAP).readAll(CheckpointEntry.class);
        Map<OutputKind, List<PublishedRun>> published = new LinkedHashMap<>();
        for (OutputKind kind : kinds) {
            published.put(kind, new Catalog(conf, dir, kind).publishedRuns());
        }
        if (published.values().stream().allMatch(List::isEmpty)) {
            throw new IOException(dir + ": not an atlas, or one with no published checkpoint (no "
                    + OutputKind.MAP.catalog() + " entries); write one with 'neuron-atlas map --out " + dir + "'"
                    + (fs.exists(new Path(root, MapTables.NEURON_TOKENS)) ? " (an atlas written before "
                    + "checkpoints were tracked must be mapped again)" : ""));
        }
        AtlasExtensions.register(spark);
        Set<String> views = new TreeSet<>();
        Map<String, ViewRegistration> deferred = new LinkedHashMap<>();
        for (Map.Entry<OutputKind, List<PublishedRun>> kind : published.entrySet()) {
            for (String table : kind.getKey().runTables()) {
                boolean records = table.equals(kind.getKey().records());
                boolean layerScores = table.equals(MapTables.LAYER_SCORES);
                ViewRegistration registration = layerScores
                        ? () -> registerLayerScores(spark, fs, root, kind.getValue())
                        : () -> register(spark, fs, new Path(root, table), table, records, kind.getValue());
                if (deferViews) {
                    // layer_scores has rows wherever neurons has: from its files, or else from neurons'.
                    if (hasRunFolder(fs, new Path(root, layerScores ? MapTables.NEURONS : table), kind.getValue())) {
                        views.add(table);
                        deferred.put(table, registration);
                    } else {
                        spark.catalog().dropTempView(table);
                    }
                } else if (registration.register()) {
                    views.add(table);
                }
            }
        }
        ViewRegistration catalog = () -> {
            spark.read().json(spark.createDataset(checkpoints.stream().map(CheckpointEntry::toJson).toList(),
                    Encoders.STRING())).createOrReplaceTempView(OutputKind.MAP.catalog());
            return true;
        };
        if (deferViews) {
            deferred.put(OutputKind.MAP.catalog(), catalog);
        } else {
            catalog.register();
        }
        return new Atlas(spark, dir, checkpoints, published.getOrDefault(OutputKind.MAP, List.of()), views,
                deferred);
    }

    /**
     * Registers a view over the table's published run folders; drops a stale view when there are none. A map table's
     * files are read with the schema this version writes, not one inferred from whichever file Spark opens first, so
     * that an atlas mixing runs from before the expert column existed reads them with a null expert.
     */
    private static boolean register(SparkSession spark, FileSystem fs, Path tableDir, String table, boolean records,
                                    List<PublishedRun> published) throws IOException {
        List<String> runs = runFolders(fs, tableDir, published);
        return replaceView(spark, table, runs, () -> read(spark, tableDir, table, records, runs));
    }

    /**
     * Registers layer_scores: from its files when every published map run has its folder; otherwise (a run mapped
     * before layer_scores existed) the same rows computed from neurons, so that alignment answers alike either way.
     * Drops a stale view when neurons has no published run either.
     */
    private static boolean registerLayerScores(SparkSession spark, FileSystem fs, Path root,
                                               List<PublishedRun> published) throws IOException {
        Path layerScores = new Path(root, MapTables.LAYER_SCORES);
        List<String> runs = runFolders(fs, layerScores, published);
        if (runs.size() < published.size()) {
            Path neurons = new Path(root, MapTables.NEURONS);
            List<String> neuronRuns = runFolders(fs, neurons, published);
            return replaceView(spark, MapTables.LAYER_SCORES, neuronRuns, () -> layerScoresFromNeurons(
                    read(spark, neurons, MapTables.NEURONS, false, neuronRuns)));
        }
        return replaceView(spark, MapTables.LAYER_SCORES, runs, () -> read(spark, layerScores,
                MapTables.LAYER_SCORES, false, runs));
    }

    /** layer_scores' rows, in its files' column order, computed from neurons rows. */
    private static Dataset<Row> layerScoresFromNeurons(Dataset<Row> neurons) {
        return neurons.groupBy("checkpoint", "run", "matrix", "layer")
                .agg(functions.count(functions.lit(1)).cast("int").as("neurons"),
                        functions.sort_array(functions.collect_list("max_abs_score")).as("max_abs_scores"))
                .select("matrix", "layer", "neurons", "max_abs_scores", "checkpoint", "run");
    }

    /** The published runs' folders under tableDir that exist. */
    static List<String> runFolders(FileSystem fs, Path tableDir, List<PublishedRun> published)
            throws IOException {
        List<String> runs = new ArrayList<>();
        for (PublishedRun run : published) {
            Path folder = new Path(tableDir, AtlasPaths.runPath(run.checkpoint(), run.run()));
            if (fs.exists(folder)) {
                runs.add(folder.toString());
            }
        }
        return runs;
    }

    /** The view over rows when there are run folders; without, a stale view of that name dropped. */
    private static boolean replaceView(SparkSession spark, String view, List<String> runs,
                                       java.util.function.Supplier<Dataset<Row>> rows) {
        if (runs.isEmpty()) {
            spark.catalog().dropTempView(view);
            return false;
        }
        rows.get().createOrReplaceTempView(view);
        return true;
    }

    /** The rows of a table's run folders or files under tableDir, partition folders as columns. */
    private static Dataset<Row> read(SparkSession spark, Path tableDir, String table, boolean records,
                                     List<String> paths) {
        // basePath keeps checkpoint, run (and the table's own partitions) as columns of the listed run folders.
        DataFrameReader reader = spark.read().option("basePath", tableDir.toString());
        MessageType fileSchema = MapTables.FILE_SCHEMAS.getOrDefault(table, ExamplesTables.FILE_SCHEMAS
                .getOrDefault(table, ForwardTables.FILE_SCHEMAS.get(table)));
        if (fileSchema != null) {
            // Atlases written before a column existed (expert, document_id) read it as null.
            reader = reader.schema(new ParquetToSparkSchemaConverter(spark.sessionState().conf()).convert(fileSchema));
        }
        String inference = spark.conf().get(AtlasPaths.PARTITION_TYPE_INFERENCE, "true");
        Dataset<Row> rows;
        // Partition values are typed when the reader lists the folders, here: with inference off a checkpoint
        // named 007 stays "007" (rather than merging with checkpoint 7), whatever the caller's session says.
        spark.conf().set(AtlasPaths.PARTITION_TYPE_INFERENCE, "false");
        try {
            rows = records ? reader.json(paths.toArray(String[]::new)) : reader.parquet(paths.toArray(String[]::new));
        } finally {
            spark.conf().set(AtlasPaths.PARTITION_TYPE_INFERENCE, inference);
        }
        for (String column : AtlasPaths.INTEGER_PARTITIONS) {
            if (java.util.Arrays.asList(rows.columns()).contains(column)) {
                rows = rows.withColumn(column, functions.col(column).cast("int"));
            }
        }
        return rows;
    }

    /** Whether any published run has its folder under tableDir. */
    static boolean hasRunFolder(FileSystem fs, Path tableDir, List<PublishedRun> published)
            throws IOException {
        return !runFolders(fs, tableDir, published).isEmpty();
    }

    /** Registers the views openForQueries left for first use; nothing when all are registered. */
    synchronized void registerDeferred() {
        need(List.copyOf(deferred.keySet()));
    }

    /** Registers these views if openForQueries left them for first use; names that are not views are ignored. */
    synchronized void need(java.util.Collection<String> names) {
        try {
            for (String name : names) {
                ViewRegistration registration = deferred.remove(name);
                if (registration != null) {
                    registration.register();
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Dataset<Row> neededTable(String name) {
        need(List.of(name));
        return spark.table(name);
    }

    /** A canned query ({@code query/sql/NAME.sql}) with its parameters, after registering the views it reads. */
    private Dataset<Row> canned(String name, Map<String, Object> parameters) {
        String text = CannedQuery.sql(name);
        if (!deferred.isEmpty()) {
            try {
                need(ReadOnlySql.relationNames(spark.sessionState().sqlParser().parsePlan(text)));
            } catch (org.apache.spark.sql.catalyst.parser.ParseException e) {
                throw new IllegalStateException("the canned query " + name + ".sql does not parse", e);
            }
        }
        return spark.sql(text, parameters);
    }

    /** A view of the atlas by name (one of {@link #views()}, or checkpoints), registered first if need be. */
    public Dataset<Row> table(String name) {
        registerDeferred();
        return spark.table(name);
    }

    /** The tables that have a published run, each registered as a view of the same name. */
    public Set<String> views() {
        return views;
    }

    /** The published checkpoints this atlas was opened with, by name. */
    public List<CheckpointEntry> checkpoints() {
        return checkpoints;
    }

    public SparkSession spark() {
        return spark;
    }

    /**
     * A read-only query against the atlas's views: statements that are not one query over the views by name
     * (commands, writes, tables named by a path, reflection) are refused before anything runs ({@link ReadOnlySql}).
     * User SQL (the sql command, a shell) runs on an atlas opened on {@link ReadOnlySql#session}, whose built-ins
     * that reach Java or files refuse and which reads no table by path.
     */
    public Dataset<Row> sql(String sql) {
        // Before the check, which analyzes the statement: the views it names must exist.
        registerDeferred();
        ReadOnlySql.check(spark, sql);
        return spark.sql(sql);
    }

    /** The vocabulary entries, per checkpoint, that are the same word as token (case and space variants). */
    public Dataset<Row> tokenVariants(String token) {
        return canned("token-variants", Map.of("token", token));
    }

    /**
     * The vocabulary entries of {@link #tokenVariants}, read into memory once, from the tokens files themselves
     * ({@link VocabularyLookup}: no Spark job).
     */
    public TokenVariants variants(String token) {
        try {
            return new TokenVariants(token, VocabularyLookup.sameWord(spark.sparkContext().hadoopConfiguration(), dir,
                    mapRuns, token));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The neurons whose top tokens include the token or a case/space variant of it, most specific first: ranked
     * by the Flash Interpretability normalized probability. The variants' ids come from the small tokens table;
     * neuron_tokens is then read with a token_id IN (...) filter, which Parquet pushes down to row groups and
     * pages, instead of scanning every row.
     */
    public Dataset<Row> findToken(String token, int limit) {
        return findToken(variants(token), limit);
    }

    /** {@link #findToken(String, int)} with the variants already read. */
    public Dataset<Row> findToken(TokenVariants variants, int limit) {
        registerTokenMatches(variants.ids());
        return withExamples(canned("find-token", Map.of("token", variants.token(), "limit",
                limit)));
    }

    /** The neurons that list exactly this token id among their top tokens, ranked as {@link #findToken} ranks. */
    public Dataset<Row> findTokenId(int tokenId, int limit) {
        registerTokenMatches(new Integer[] {tokenId});
        return withExamples(canned("find-token-id", Map.of("limit", limit)));
    }

    /**
     * Registers token_matches: the neuron_tokens rows of these token ids. When every published map run has its
     * token_neurons folder, they are read from the block files that can hold the ids alone (one file a run for a
     * word's variants, most often), picked here rather than listed and pruned by Spark; otherwise (a run mapped
     * before token_neurons existed) from neuron_tokens, every layer's file pruned by its row-group statistics.
     */
    private void registerTokenMatches(Integer[] ids) {
        Dataset<Row> rows;
        try {
            Path root = new Path(dir);
            Optional<List<String>> files = TokenLookup.blockFiles(root.getFileSystem(
                    spark.sparkContext().hadoopConfiguration()), root, mapRuns, ids)
                    .map(found -> found.stream().map(f -> f.path().toString()).toList());
            if (files.isEmpty()) {
                rows = neededTable(MapTables.NEURON_TOKENS);
            } else if (files.get().isEmpty()) {
                rows = neededTable(MapTables.TOKEN_NEURONS).limit(0);
            } else {
                rows = read(spark, new Path(dir, MapTables.TOKEN_NEURONS), MapTables.TOKEN_NEURONS, false,
                        files.get());
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        rows.filter(functions.col("token_id").isin((Object[]) ids)).createOrReplaceTempView(TOKEN_MATCHES);
    }

    /**
     * The rows with an 'example' column, each neuron's top example snippet ({@code example-snippets.sql}), when the
     * atlas has examples; the rows unchanged otherwise. The rows keep their order.
     */
    Dataset<Row> withExamples(Dataset<Row> rows) {
        if (!views.contains(ExamplesTables.NEURON_EXAMPLES)) {
            return rows;
        }
        String order = "__row_order";
        Dataset<Row> numbered = rows.withColumn(order, functions.monotonically_increasing_id());
        // The snippets' keys renamed, so that the join (null-safe on expert: null for a dense MLP) leaves the rows'
        // columns unambiguous.
        Dataset<Row> snippets = canned("example-snippets", Map.of()).select(
                functions.col("checkpoint").as("__checkpoint"), functions.col("layer").as("__layer"),
                functions.col("expert").as("__expert"), functions.col("neuron").as("__neuron"),
                functions.col("example"));
        Dataset<Row> joined = numbered.join(snippets, numbered.col("checkpoint").equalTo(snippets.col("__checkpoint"))
                .and(numbered.col("layer").equalTo(snippets.col("__layer")))
                .and(numbered.col("expert").eqNullSafe(snippets.col("__expert")))
                .and(numbered.col("neuron").equalTo(snippets.col("__neuron"))), "left");
        List<org.apache.spark.sql.Column> columns = new ArrayList<>();
        for (String c : rows.columns()) {
            columns.add(functions.col(c));
        }
        columns.add(functions.col("example"));
        return joined.orderBy(order).select(columns.toArray(org.apache.spark.sql.Column[]::new));
    }

    /** Per checkpoint, matrix and layer: quantiles of max_abs_score and the share of neurons above threshold. */
    public Dataset<Row> alignment(double threshold) {
        return canned("alignment", Map.of("threshold", threshold));
    }

    /** Per checkpoint, matrix and layer: neurons per max_abs_score bin, bins shared by all layers. */
    public Dataset<Row> alignmentHistogram(int bins) {
        if (bins < 1) {
            throw new IllegalArgumentException("--bins must be positive, found " + bins);
        }
        return canned("alignment-histogram", Map.of("bins", bins));
    }

    /** The limit most vocabulary-aligned neurons of one matrix and layer, with their first tokens per polarity. */
    public Dataset<Row> topNeurons(String matrix, int layer, int limit, int tokens) {
        // Two small jobs, the neurons and then only their token rows: see top-neurons-tokens.sql.
        Dataset<Row> top = canned("top-neurons", Map.of("matrix", matrix, "layer", layer,
                "limit", limit));
        List<Row> chosen = top.collectAsList();
        spark.createDataFrame(chosen, top.schema()).createOrReplaceTempView(TOP_NEURONS);
        Object[] indices = chosen.stream().map(r -> r.getAs("neuron")).distinct().toArray();
        neededTable(MapTables.NEURON_TOKENS).filter(functions.col("neuron").isin(indices))
                .createOrReplaceTempView(TOP_NEURON_TOKENS);
        Dataset<Row> rows = canned("top-neurons-tokens", Map.of("matrix", matrix, "layer",
                layer, "tokens", tokens, "rows", Math.max(1, chosen.size())));
        if (!views.contains(ExamplesTables.NEURON_EXAMPLES)) {
            return rows;
        }
        List<String> columns = new ArrayList<>(List.of(rows.columns()));
        columns.add("example");
        return withExamples(rows.withColumn("layer", functions.lit(layer))).select(columns.stream()
                .map(functions::col).toArray(org.apache.spark.sql.Column[]::new));
    }

    /** A watched token's values for every neuron (map --watch). */
    public Dataset<Row> profile(String token) {
        if (!views.contains(MapTables.TOKEN_PROFILES)) {
            throw new IllegalArgumentException(dir + " has no " + MapTables.TOKEN_PROFILES + " table: map the "
                    + "checkpoint with --watch \"" + token + "\" to profile that token");
        }
        Dataset<Row> rows = canned("profile", Map.of("token", token));
        if (rows.isEmpty()) {
            List<String> watched = spark.sql("SELECT DISTINCT token FROM " + MapTables.TOKEN_PROFILES
                    + " ORDER BY token").as(Encoders.STRING()).collectAsList();
            throw new IllegalArgumentException("token \"" + token + "\" was not watched in " + dir + " (watched: "
                    + watched.stream().map(t -> '"' + t + '"').toList() + "); map again with --watch \"" + token
                    + "\"");
        }
        return withExamples(rows);
    }

    /** Per checkpoint and layer: how often neurons' top examples agree with their vocabulary map (examples). */
    public Dataset<Row> agreementByLayer() {
        if (!views.contains(ExamplesTables.NEURON_ACTIVATIONS)) {
            throw new IllegalArgumentException(dir + " has no " + ExamplesTables.NEURON_ACTIVATIONS + " table: run "
                    + "'neuron-atlas examples --atlas " + dir + " ...' first");
        }
        return canned("agreement-by-layer", Map.of());
    }

    /** A neuron's first tokens in both polarities, per checkpoint ({@code neuron-tokens.sql}). */
    public Dataset<Row> neuronTokens(NeuronId neuron, int tokens) {
        return canned("neuron-tokens", neuronParameters(neuron, Map.of("tokens", tokens,
                "rows", Math.multiplyExact(2 * tokens, Math.max(1, checkpoints.size())))));
    }

    /** A neuron's row of the neurons table, per checkpoint ({@code neuron-statistics.sql}). */
    public Dataset<Row> neuronStatistics(NeuronId neuron) {
        return canned("neuron-statistics", neuronParameters(neuron, Map.of("rows",
                Math.max(1, checkpoints.size()))));
    }

    /** A neuron's top examples of each kind (the examples command's table); an expert's are tokens routed to it. */
    public Dataset<Row> neuronExamples(NeuronId neuron, int examples) {
        requireTable(ExamplesTables.NEURON_EXAMPLES, "examples");
        return canned("neuron-examples", Map.of("layer", neuron.layer(), "neuron",
                neuron.neuron(), "expert", expertParameter(neuron), "examples", examples));
    }

    /** A neuron's validations (the validate command's table), newest run first. */
    public Dataset<Row> neuronValidation(NeuronId neuron) {
        requireTable(ForwardTables.NEURON_VALIDATION, "validate");
        return canned("neuron-validation", Map.of("layer", neuron.layer(), "neuron",
                neuron.neuron(), "expert", expertParameter(neuron)));
    }

    private void requireTable(String table, String command) {
        if (!views.contains(table)) {
            throw new IllegalArgumentException(dir + " has no " + table + " table: run 'neuron-atlas " + command
                    + " --atlas " + dir + " ...' first");
        }
    }

    /** The :expert of the canned queries: '' for a dense MLP, whose expert column is null. */
    private static String expertParameter(NeuronId neuron) {
        return neuron.expert() == null ? "" : neuron.expert();
    }

    private static Map<String, Object> neuronParameters(NeuronId neuron, Map<String, Object> more) {
        Map<String, Object> parameters = new java.util.HashMap<>(more);
        parameters.putAll(Map.of("matrix", neuron.matrix(), "layer", neuron.layer(), "neuron", neuron.neuron(),
                "expert", expertParameter(neuron)));
        return parameters;
    }

    /**
     * Gurnee et al.'s census per checkpoint and layer ({@code census.sql}): prediction and suppression neurons among
     * the down_proj neurons, their shares and the kurtosis quantiles.
     *
     * @param checkpoint one checkpoint, or null for every one
     * @throws IllegalArgumentException when a checkpoint asked about was mapped before the census columns existed,
     *     or without down_proj: its census needs a remap
     */
    public Dataset<Row> census(String checkpoint) {
        checkCensus(checkpoint);
        return canned("census", Map.of("checkpoint", checkpoint == null ? "" : checkpoint));
    }

    /** The down_proj neurons of a census class ('prediction' or 'suppression'), most heavy-tailed first. */
    public Dataset<Row> censusNeurons(String censusClass, String checkpoint) {
        if (!List.of(CensusRule.PREDICTION, CensusRule.SUPPRESSION).contains(censusClass)) {
            throw new IllegalArgumentException("census class must be " + CensusRule.PREDICTION + " or "
                    + CensusRule.SUPPRESSION + ", found '" + censusClass + "'");
        }
        checkCensus(checkpoint);
        return withExamples(canned("census-neurons", Map.of("class", censusClass,
                "checkpoint", checkpoint == null ? "" : checkpoint)));
    }

    /** Refuses checkpoints whose published map has no census: mapped before the columns, or without down_proj. */
    private void checkCensus(String checkpoint) {
        List<CheckpointEntry> asked = checkpoints.stream()
                .filter(e -> checkpoint == null || e.checkpoint().equals(checkpoint)).toList();
        if (asked.isEmpty()) {
            throw new IllegalArgumentException("checkpoint '" + checkpoint + "' is not in " + dir + "; it holds "
                    + checkpoints.stream().map(CheckpointEntry::checkpoint).toList());
        }
        for (CheckpointEntry e : asked) {
            if (!e.parameters().hasCensus()) {
                throw new IllegalArgumentException("checkpoint '" + e.checkpoint() + "' was mapped before the "
                        + "census columns existed: its census needs a remap ('neuron-atlas map --out " + dir
                        + " --checkpoint " + e.checkpoint() + " --model DIR --matrices down')");
            }
            if (!e.parameters().matrices().contains("down")) {
                throw new IllegalArgumentException("checkpoint '" + e.checkpoint() + "' was mapped without down_proj "
                        + "(matrices " + e.parameters().matrices() + "): the census classifies down_proj neurons; "
                        + "map it again with --matrices down");
            }
        }
    }

    /**
     * How far checkpoint moved from base (the drift command's published neuron_drift rows): per matrix and overall
     * ({@code drift-summary.sql}), per matrix and layer ({@code drift-by-layer.sql}) and the most moved neurons
     * ({@code drift-moved.sql}), by name.
     */
    public Dataset<Row> drift(String query, String base, String checkpoint) {
        if (!List.of("drift-summary", "drift-by-layer", "drift-moved").contains(query)) {
            throw new IllegalArgumentException("no drift query '" + query + "'");
        }
        need(List.of(DriftTables.NEURON_DRIFT));
        if (!views.contains(DriftTables.NEURON_DRIFT) || spark.sql("SELECT 1 FROM " + DriftTables.NEURON_DRIFT
                + " WHERE base = :base AND checkpoint = :checkpoint LIMIT 1", Map.of("base", base, "checkpoint",
                checkpoint)).isEmpty()) {
            throw new IllegalArgumentException(dir + " has no drift of '" + checkpoint + "' from '" + base + "': run "
                    + "'neuron-atlas drift --atlas " + dir + " --base " + base + " --checkpoint " + checkpoint
                    + " ...' first");
        }
        return canned(query, Map.of("base", base, "checkpoint", checkpoint));
    }

    /** Top-token agreement of checkpoints a and b per matrix and layer. */
    public Dataset<Row> compare(String a, String b) {
        return new Comparison(this, a, b).byLayer();
    }
}

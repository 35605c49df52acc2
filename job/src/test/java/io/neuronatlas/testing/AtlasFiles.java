package io.neuronatlas.testing;

import io.neuronatlas.query.Atlas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;

/** What an atlas holds on disk and shows through its views, for tests that check a failed run left it whole. */
public final class AtlasFiles {
    /** The tables a map run writes run folders into. */
    public static final List<String> MAP_RUN_TABLES = List.of("neuron_tokens", "neurons", "tokens", "token_neurons",
            "layer_scores", "runs");

    private AtlasFiles() {
    }

    /** The run folders (run=...) of a checkpoint in one table, sorted. */
    public static List<String> runFolders(Path atlas, String table, String checkpoint) throws IOException {
        Path folder = atlas.resolve(table).resolve("checkpoint=" + checkpoint);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> runs = Files.list(folder)) {
            return runs.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Every map table's run folders of the checkpoint: after any run ends, only the published run's. */
    public static List<String> mapRunFolders(Path atlas, String checkpoint) throws IOException {
        List<String> all = new ArrayList<>();
        for (String table : MAP_RUN_TABLES) {
            for (String run : runFolders(atlas, table, checkpoint)) {
                all.add(table + "/" + run);
            }
        }
        return all;
    }

    /** The same list for a checkpoint whose published run is run. */
    public static List<String> onlyRun(String run) {
        return MAP_RUN_TABLES.stream().map(t -> t + "/run=" + run).toList();
    }

    /** The rows of a view of the opened atlas, in a fixed order. */
    public static List<Row> rows(Path atlas, String table) throws IOException {
        Atlas.open(TestSpark.session(), atlas.toString());
        return TestSpark.session().sql("SELECT * FROM " + table + " ORDER BY matrix, layer, neuron"
                + (table.equals("neuron_tokens") ? ", polarity, rank" : "")).collectAsList();
    }
}

package io.neuronatlas.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.query.Atlas;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * The home page's vocabulary-alignment plots of one checkpoint: per matrix and layer the max |score| quantiles
 * (the canned query alignment) and a histogram whose bins the checkpoint's layers share (alignment-histogram),
 * from which the page computes the share of neurons above any bin edge. Small: one row per matrix and layer.
 */
final class AlignmentData {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] QUANTILES = {"neurons", "min", "p25", "median", "p75", "p90", "p99", "max"};

    private AlignmentData() {
    }

    /** JSON per checkpoint name, for the checkpoints given. */
    static Map<String, String> build(Atlas atlas, List<String> checkpoints, int bins) {
        Map<String, ObjectNode> byCheckpoint = new LinkedHashMap<>();
        Map<String, ObjectNode> byLayer = new LinkedHashMap<>();
        for (String name : checkpoints) {
            ObjectNode root = JSON.createObjectNode().put("checkpoint", name).put("bins", bins).put("top", 0.0);
            root.putArray("layers");
            byCheckpoint.put(name, root);
        }
        Object[] names = checkpoints.toArray();
        List<Row> quantiles = atlas.alignment(0).filter(functions.col("checkpoint").isin(names))
                .orderBy("checkpoint", "matrix", "layer").collectAsList();
        for (Row row : quantiles) {
            ObjectNode layer = ((ArrayNode) byCheckpoint.get(row.<String>getAs("checkpoint")).get("layers"))
                    .addObject().put("matrix", row.<String>getAs("matrix")).put("layer", row.<Integer>getAs("layer"));
            for (String q : QUANTILES) {
                layer.set(q, JSON.valueToTree(row.getAs(q))); // floats stay floats: shortest text
            }
            layer.putArray("histogram");
            for (int b = 0; b < bins; b++) {
                ((ArrayNode) layer.get("histogram")).add(0L);
            }
            byLayer.put(key(row.getAs("checkpoint"), row.getAs("matrix"), row.getAs("layer")), layer);
        }
        for (Row row : atlas.alignmentHistogram(bins).filter(functions.col("checkpoint").isin(names))
                .collectAsList()) {
            String checkpoint = row.getAs("checkpoint");
            ObjectNode layer = byLayer.get(key(checkpoint, row.getAs("matrix"), row.getAs("layer")));
            int bin = ((Number) row.getAs("bin")).intValue();
            ((ArrayNode) layer.get("histogram")).set(bin - 1, JSON.getNodeFactory().numberNode(
                    ((Number) row.getAs("neurons")).longValue()));
            ObjectNode root = byCheckpoint.get(checkpoint);
            root.put("top", Math.max(root.get("top").asDouble(), ((Number) row.getAs("upper")).doubleValue()));
        }
        for (String name : checkpoints) {
            censusRows(atlas, name, byCheckpoint.get(name).putArray("census"));
        }
        Map<String, String> json = new LinkedHashMap<>();
        byCheckpoint.forEach((name, root) -> json.put(name, root.toString()));
        return json;
    }

    /**
     * The census per layer of a checkpoint (canned query census): none for a map without down_proj or from before
     * the census, which the page then leaves out.
     */
    private static void censusRows(Atlas atlas, String checkpoint, ArrayNode rows) {
        if (atlas.checkpoints().stream().noneMatch(e -> e.checkpoint().equals(checkpoint)
                && e.parameters().hasCensus() && e.parameters().matrices().contains("down"))) {
            return;
        }
        for (Row row : atlas.census(checkpoint).collectAsList()) {
            ObjectNode layer = rows.addObject().put("layer", row.<Integer>getAs("layer"));
            for (String c : new String[] {"neurons", "prediction", "suppression", "prediction_share",
                "suppression_share", "kurtosis_p50", "kurtosis_p99", "kurtosis_max"}) {
                layer.set(c, JSON.valueToTree(row.getAs(c)));
            }
        }
    }

    private static String key(String checkpoint, String matrix, int layer) {
        return checkpoint + "/" + matrix + "/" + layer;
    }
}

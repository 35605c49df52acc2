package io.neuronatlas.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.query.CannedQuery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The experts of each mapped layer of a mixture-of-experts checkpoint, for the page's previous / next / random
 * navigation and its checks of a neuron's URL: per run of layers with the same MLPs, the experts in the order the
 * atlas plans them (routed experts by index, then the shared one; a dense layer has one MLP, expert null) and
 * their neurons. Read from the neurons table, so it is what was mapped, not what config.json says. In atlas.js as
 * each mixture checkpoint's {@code "blocks": [{"layers": [1, 2], "experts": ["0", "1", "shared"],
 * "widths": [16, 16, 20]}, ...]}; a dense checkpoint has no "blocks".
 */
final class ExpertBlocks {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Routed experts by index, then the shared one; null (a dense MLP) alone in its layer. */
    static final Comparator<String> ORDER = Comparator.nullsFirst(Comparator
            .<String>comparingInt(e -> e.equals(MlpBlock.SHARED) ? Integer.MAX_VALUE : Integer.parseInt(e))
            .thenComparing(Comparator.naturalOrder()));

    private ExpertBlocks() {
    }

    /** The blocks per checkpoint name, for the checkpoints given (those with experts); empty for none. */
    static Map<String, ArrayNode> build(SparkSession spark, List<String> checkpoints) {
        Map<String, ArrayNode> json = new LinkedHashMap<>();
        if (checkpoints.isEmpty()) {
            return json;
        }
        // checkpoint -> layer -> expert -> width
        Map<String, TreeMap<Integer, TreeMap<String, Long>>> found = new LinkedHashMap<>();
        checkpoints.forEach(c -> found.put(c, new TreeMap<>()));
        for (Row r : spark.sql(CannedQuery.sql(ExpertBlocks.class, "expert-blocks"),
                Map.of("checkpoints", checkpoints.toArray(String[]::new))).collectAsList()) {
            found.get(r.<String>getAs("checkpoint")).computeIfAbsent(r.<Integer>getAs("layer"),
                    l -> new TreeMap<>(ORDER)).put(r.getAs("expert"), ((Number) r.getAs("width")).longValue());
        }
        found.forEach((checkpoint, layers) -> {
            ArrayNode groups = JSON.createArrayNode();
            List<TreeMap<String, Long>> seen = new ArrayList<>();
            layers.forEach((layer, blocks) -> {
                int at = seen.indexOf(blocks);
                if (at < 0) {
                    seen.add(blocks);
                    ObjectNode group = groups.addObject();
                    group.putArray("layers");
                    ArrayNode experts = group.putArray("experts");
                    ArrayNode widths = group.putArray("widths");
                    blocks.forEach((expert, width) -> {
                        experts.add(expert);
                        widths.add(width);
                    });
                    at = seen.size() - 1;
                }
                ((ArrayNode) groups.get(at).get("layers")).add(layer);
            });
            json.put(checkpoint, groups);
        });
        return json;
    }
}

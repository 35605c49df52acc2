package io.neuronatlas.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.tokenizer.TokenKind;
import io.neuronatlas.udfs.NeuronId;
import io.neuronatlas.udfs.TokenText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page's pure functions (site/assets/core.js) under node's test runner (job/src/test/browser/core.test.cjs),
 * with the values of the Java code they mirror written here for it to compare: token_norm, the search bucket,
 * the data keys, TokenKind's order.
 */
class SiteScriptsTest {
    /** Words where case folding, NFKC or trimming could differ between Java and JavaScript. */
    static final List<String> TOKENS = List.of(" dog", "\u0120Dog", "\u2581DOG", " Straße", "ǅemal", "\uFB01ne",
            "\u00A0x\u00A0", "\tTab\n", " ΣΑΣ", "\u0130stanbul", "\u200Bzero", "\uFEFFbom", "a\u0000b", "Ⅻ", "①",
            "ＡＢＣ", "\uD835\uDC00bc", "", "   ", "__proto__", "<script>", " Ǆ", "ﬀ", "ΐ", "\u1E9E", "Kelvin\u212A",
            "\u00B5", "ﬆ", "ǰ", "\u0345", "ς", " Dog\u0301", "\u3000全角\u3000", "e\u0301", "\u00C5ngstr\u00F6m");

    @TempDir
    Path dir;

    @Test
    void coreFunctionsPassTheirTestsAndAgreeWithJava() throws Exception {
        Path node = BrowserTools.node();
        List<List<Object>> norms = new ArrayList<>();
        List<List<Object>> buckets = new ArrayList<>();
        for (String token : TOKENS) {
            String norm = TokenText.norm(token);
            norms.add(List.of(token, norm));
            for (int shards : new int[] {1, 7, 256, 10_007}) {
                buckets.add(List.of(norm, shards, SearchBuckets.bucket(norm, shards)));
            }
        }
        List<List<Object>> neuronKeys = new ArrayList<>();
        neuronKeys.add(java.util.Arrays.asList(0, 3, null, 160, SiteKeys.neuronShard(0, 3, null, 160)));
        neuronKeys.add(java.util.Arrays.asList(12, 31, "7", 14320, SiteKeys.neuronShard(12, 31, "7", 14320)));
        neuronKeys.add(java.util.Arrays.asList(1, 0, "shared", 32, SiteKeys.neuronShard(1, 0, "shared", 32)));
        // neuron_id as the atlas writes it, for the page's names of neurons.
        List<List<Object>> neuronIds = new ArrayList<>();
        for (String expert : java.util.Arrays.asList(null, "0", "17", "shared")) {
            NeuronId id = new NeuronId("up", 3, expert, 160);
            neuronIds.add(java.util.Arrays.asList("up", 3, expert, 160, id.toString()));
        }
        Path fixture = dir.resolve("java.json");
        new ObjectMapper().writeValue(fixture.toFile(), Map.of("norms", norms, "buckets", buckets,
                "neuronKeys", neuronKeys, "neuronIds", neuronIds,
                "searchKeys", List.of(List.of(0, SiteKeys.searchShard(0)), List.of(8191, SiteKeys.searchShard(8191))),
                "alignmentKeys", List.of(List.of(2, SiteKeys.alignment(2))),
                "kinds", java.util.Arrays.stream(TokenKind.values()).map(TokenKind::label).toList()));
        BrowserTools.Run run = BrowserTools.run(List.of(node.toString(), "--test", "core.test.cjs"),
                BrowserTools.TESTS, Map.of("NEURON_ATLAS_JAVA_FIXTURE", fixture.toAbsolutePath().toString()), 120);
        assertEquals(0, run.code(), run.output());
        assertTrue(run.output().contains("# fail 0") && run.output().contains("# skipped 0"), run.output());
        assertTrue(Files.exists(fixture));
    }
}

package io.neuronatlas.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The data files' wrapping, keys and search buckets, with exact expectations. */
class ScriptShardTest {

    @Test
    void aDataFileCallsThePageWithItsKeyAndTheJson() {
        assertEquals("NeuronAtlas.put(\"search/12\",{\"words\":[]});\n", ScriptShard.wrap("search/12",
                "{\"words\":[]}"));
        assertEquals("data/neurons/c0/L3/160.js", ScriptShard.file("neurons/c0/L3/160"));
        // Markup is data inside a JSON string in a script file of its own: nothing to escape...
        assertEquals("NeuronAtlas.put(\"atlas\",[\"</script><img src=x onerror=alert(1)>\"]);\n",
                ScriptShard.wrap("atlas", "[\"</script><img src=x onerror=alert(1)>\"]"));
        // ...but U+2028/U+2029 end lines in JavaScript engines before ES2019.
        assertEquals("NeuronAtlas.put(\"atlas\",[\"a\\u2028b\\u2029\"]);\n",
                ScriptShard.wrap("atlas", "[\"a\u2028b\u2029\"]"));
    }

    @Test
    void keysArePlainPaths() {
        for (String bad : List.of("", "Atlas", "neurons/../x", "neurons/c0/", "a\"b", "search/1 2", "/atlas",
                "neurons/c0/L3/160.js")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScriptShard.wrap(bad, "1"),
                    bad);
            assertTrue(e.getMessage().contains("not a data key"), e.getMessage());
        }
        assertEquals("neurons/c0/L3/160", SiteKeys.neuronShard(0, 3, null, 160));
        assertEquals("neurons/c2/L31/E7/14320", SiteKeys.neuronShard(2, 31, "7", 14320));
        assertEquals("neurons/c2/L31/Eshared/0", SiteKeys.neuronShard(2, 31, "shared", 0));
        assertEquals("search/8191", SiteKeys.searchShard(8191));
        assertEquals("alignment/c4", SiteKeys.alignment(4));
        for (String key : List.of(SiteKeys.ATLAS, SiteKeys.neuronShard(2, 31, "7", 14320),
                SiteKeys.neuronShard(0, 1, "shared", 16), SiteKeys.searchShard(0))) {
            assertEquals(key, ScriptShard.checkKey(key));
        }
    }

    @Test
    void searchBucketsAreFnv1aOfTheUtf8Bytes() {
        // The FNV-1a 32 test vectors (Fowler, Noll, Vo).
        assertEquals(0x811c9dc5L, SearchBuckets.fnv1a(""));
        assertEquals(0xe40c292cL, SearchBuckets.fnv1a("a"));
        assertEquals(0xbf9cf968L, SearchBuckets.fnv1a("foobar"));
        // "é" is two UTF-8 bytes, C3 A9: FNV-1a by hand.
        long h = 0x811c9dc5L;
        for (int b : new int[] {0xC3, 0xA9}) {
            h = ((h ^ b) * 0x01000193L) & 0xffffffffL;
        }
        assertEquals(h, SearchBuckets.fnv1a("é"));
        assertEquals((int) (0xbf9cf968L % 7), SearchBuckets.bucket("foobar", 7));
        assertEquals(0, SearchBuckets.bucket("anything", 1));
        assertThrows(IllegalArgumentException.class, () -> SearchBuckets.bucket("x", 0));
    }

    @Test
    void theNumberOfSearchShardsFollowsTheRowsAndTheWords() {
        assertEquals(1, SearchBuckets.count(0, 0, 1000));
        assertEquals(1, SearchBuckets.count(4000, 1000, 1000));
        assertEquals(2, SearchBuckets.count(10, 1001, 1000));
        assertEquals(2, SearchBuckets.count(4001, 10, 1000));
        // An 8B-sized atlas: rows decide. A small one over a large vocabulary: words do.
        assertEquals(9173, SearchBuckets.count(128_000, 9_172_222, 1000));
        assertEquals(32, SearchBuckets.count(128_000, 20_000, 1000));
        assertThrows(IllegalArgumentException.class, () -> SearchBuckets.count(5, 5, 0));
    }
}

package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.testing.SharedFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real GPT-NeoX / Pythia vocabulary: 50,254 byte-level entries + 26 added tokens = ids 0..50277. */
class GptNeoxTokenTableTest {
    private static final int TOKENIZER_IDS = 50_278;
    private static final int PYTHIA_LM_HEAD_ROWS = 50_304;

    private static Path file;
    private static TokenTable table;

    @BeforeAll
    static void load() throws IOException {
        file = SharedFiles.gptNeoxTokenizer();
        table = TokenTable.load(file, TOKENIZER_IDS);
    }

    @Test
    void knownIdsDecodeToText() {
        // Ids read off the file: "Ġdog" 4370, "ĠCalifornia" 5002, "Ċ" 187.
        assertEquals(" dog", table.token(4370));
        assertEquals(" California", table.token(5002));
        assertEquals("\n", table.token(187));
        assertEquals(OptionalInt.of(4370), table.idOf(" dog"));
        assertEquals(OptionalInt.of(5002), table.idOf(" California"));
        assertEquals(OptionalInt.of(187), table.idOf("\n"));
    }

    @Test
    void addedTokensAreVerbatim() {
        assertEquals("<|endoftext|>", table.token(0));
        assertEquals("<|padding|>", table.token(1));
        assertEquals("[PAD]", table.token(50277));
        assertEquals(" ".repeat(24), table.token(50254), "non-special added token of 24 spaces");
        assertEquals(OptionalInt.of(0), table.idOf("<|endoftext|>"));
    }

    @Test
    void everyVocabEntryMatchesAnIndependentDecode() throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        Map<Integer, String> added = new HashMap<>();
        root.get("added_tokens").forEach(t -> added.put(t.get("id").asInt(), t.get("content").asText()));
        Map<Character, Integer> bytesOf = gpt2ByteDecoder();

        int checked = 0;
        for (Map.Entry<String, JsonNode> entry : root.get("model").get("vocab").properties()) {
            int id = entry.getValue().asInt();
            String expected = added.getOrDefault(id, utf8(entry.getKey(), bytesOf));
            assertEquals(expected, table.token(id), "id " + id + " key " + entry.getKey());
            checked++;
        }
        assertEquals(50_254, checked);
        for (int id = 0; id < TOKENIZER_IDS; id++) {
            assertFalse(table.token(id).startsWith("<unk:"), "id " + id + " has a token");
        }
        assertEquals(0, table.droppedIds());
    }

    @Test
    void paddedLmHeadRowsGetPlaceholders() throws IOException {
        TokenTable padded = TokenTable.load(file, PYTHIA_LM_HEAD_ROWS);
        assertEquals(PYTHIA_LM_HEAD_ROWS, padded.size());
        assertEquals("[PAD]", padded.token(50277));
        assertEquals("<unk:50278>", padded.token(50278));
        assertEquals("<unk:50303>", padded.token(50303));
        assertEquals(0, padded.droppedIds());
    }

    @Test
    void smallerLmHeadDropsTheRest() throws IOException {
        TokenTable small = TokenTable.load(file, 50_000);
        assertEquals(50_000, small.size());
        // 254 vocab ids (50000..50253) + 26 added tokens, less the two (ids 0, 1) below 50000.
        assertEquals(254 + 24, small.droppedIds());
        assertEquals(" dog", small.token(4370));
        assertEquals("<|endoftext|>", small.token(0));
    }

    /** GPT-2's bytes_to_unicode, written the way the Python original is, as a check on the main code. */
    private static Map<Character, Integer> gpt2ByteDecoder() {
        List<Integer> bs = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) bs.add(b);
        for (int b = 0xA1; b <= 0xAC; b++) bs.add(b);
        for (int b = 0xAE; b <= 0xFF; b++) bs.add(b);
        List<Integer> cs = new ArrayList<>(bs);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (!bs.contains(b)) {
                bs.add(b);
                cs.add(256 + n++);
            }
        }
        Map<Character, Integer> decoder = new HashMap<>();
        for (int i = 0; i < bs.size(); i++) {
            decoder.put((char) (int) cs.get(i), bs.get(i));
        }
        return decoder;
    }

    private static String utf8(String key, Map<Character, Integer> bytesOf) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (char c : key.toCharArray()) {
            bytes.write(bytesOf.get(c));
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}

package io.neuronatlas.checkpoint.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * GPT-2 byte-level BPE in a few lines, from tokenizer.json's vocabulary and merges only: an independent source of
 * token ids for one pre-token (the text between the pre-tokenizer's splits, e.g. " favourite"). Shares no code with
 * the Rust tokenizer DJL binds, nor with this project's readers.
 */
final class ReferenceBpe {
    private final Map<String, Integer> vocab = new HashMap<>();
    private final Map<String, Integer> mergeRank = new HashMap<>();
    private final char[] byteToChar = new char[256];

    ReferenceBpe(Path tokenizerJson) throws IOException {
        JsonNode model = new ObjectMapper().readTree(tokenizerJson.toFile()).get("model");
        model.get("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        int rank = 0;
        for (JsonNode merge : model.get("merges")) {
            String pair = merge.isArray() ? merge.get(0).asText() + " " + merge.get(1).asText() : merge.asText();
            mergeRank.putIfAbsent(pair, rank++);
        }
        // GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest move to U+0100 onwards.
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            byteToChar[b] = printable ? (char) b : (char) (256 + next++);
        }
    }

    /** The ids of one pre-token: merge the lowest-ranked adjacent pair until none is left. */
    int[] encode(String preToken) {
        List<String> symbols = new ArrayList<>();
        for (byte b : preToken.getBytes(StandardCharsets.UTF_8)) {
            symbols.add(String.valueOf(byteToChar[b & 0xFF]));
        }
        while (symbols.size() > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer r = mergeRank.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        int[] ids = new int[symbols.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = vocab.get(symbols.get(i));
        }
        return ids;
    }
}

package io.neuronatlas.checkpoint.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Gives a synthetic byte-level tokenizer.json the BPE merges that encode chosen words as their own tokens, as a
 * trained BPE would: a synthetic tokenizer has no merges, so text encodes letter by letter and a planted neuron's
 * trigger (" dog") never appears in encoded text. " dog" gets "Ġ d", "Ġd o", "Ġdo g"; each word keeps its id, and the
 * prefixes a merge needs ("Ġd", "Ġdo") take the ids of vocabulary entries that are not among the words (word
 * variants such as " DOG"), so the vocabulary keeps its size. For corpora of examples tests, demos and benchmarks.
 */
public final class WordMerges {
    private WordMerges() {
    }

    /**
     * Rewrites tokenizer in place.
     *
     * @param words ASCII words as the vocabulary has them, with their leading space (" dog")
     * @throws IllegalArgumentException for a word that is not in the vocabulary, or too few entries to spare
     */
    public static void add(Path tokenizer, List<String> words) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(tokenizer.toFile());
        ObjectNode model = (ObjectNode) root.get("model");
        ObjectNode vocab = (ObjectNode) model.get("vocab");
        Set<String> keep = new HashSet<>();
        for (String w : words) {
            String bl = byteLevel(w);
            if (!vocab.has(bl)) {
                throw new IllegalArgumentException("'" + w + "' is not a token of " + tokenizer);
            }
            keep.add(bl);
        }
        Deque<String> spare = new ArrayDeque<>();
        vocab.fieldNames().forEachRemaining(k -> {
            if (k.length() > 1 && !keep.contains(k)) {
                spare.add(k);
            }
        });
        ArrayNode merges = model.putArray("merges");
        Set<String> made = new HashSet<>();
        for (String w : words) {
            String bl = byteLevel(w);
            for (int k = 2; k <= bl.length(); k++) {
                String prefix = bl.substring(0, k);
                if (!vocab.has(prefix)) {
                    if (spare.isEmpty()) {
                        throw new IllegalArgumentException("the vocabulary of " + tokenizer + " has too few entries "
                                + "to spare for the prefixes of " + words);
                    }
                    String freed = spare.removeFirst();
                    vocab.set(prefix, vocab.get(freed));
                    vocab.remove(freed);
                }
                if (made.add(prefix)) {
                    merges.add(bl.substring(0, k - 1) + " " + bl.charAt(k - 1));
                }
            }
        }
        json.writeValue(tokenizer.toFile(), root);
    }

    /** Byte-level BPE's alphabet for ASCII text: a space is "Ġ", the rest as it is. */
    private static String byteLevel(String ascii) {
        for (char c : ascii.toCharArray()) {
            if (c < '!' && c != ' ' || c > '~') {
                throw new IllegalArgumentException("'" + ascii + "': only printable ASCII words and spaces");
            }
        }
        return ascii.replace(' ', '\u0120');
    }
}

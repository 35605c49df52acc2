package io.neuronatlas.checkpoint.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Writes minimal but valid Hugging Face tokenizer.json files for synthetic checkpoints (demo,
 * benchmarks, tests). Only what decoding needs is real: merges are empty, so the files cannot be
 * used to encode text efficiently.
 */
public final class TokenizerJsonWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TokenizerJsonWriter() {
    }

    /**
     * GPT-2-style byte-level BPE.
     *
     * @param tokenTexts    id i is the display text tokenTexts.get(i), e.g. " dog" (stored as "Ġdog")
     * @param specialTokens added as special tokens with the ids that follow the texts
     * @throws IllegalArgumentException on duplicate texts or special tokens, or unpaired surrogates
     */
    public static void writeByteLevel(Path file, List<String> tokenTexts, List<String> specialTokens) throws IOException {
        ObjectNode vocab = MAPPER.createObjectNode();
        for (int id = 0; id < tokenTexts.size(); id++) {
            String text = Objects.requireNonNull(tokenTexts.get(id), "tokenTexts[" + id + "]");
            putUnique(vocab, ByteLevelAlphabet.encode(text), id, "token text \"" + text + "\"");
        }
        ObjectNode root = header(tokenTexts.size(), specialTokens);
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevelStage());
        root.putNull("post_processor");
        root.set("decoder", byteLevelStage());
        root.set("model", bpeModel(vocab, false));
        write(file, root);
    }

    /**
     * Llama-2-style SentencePiece BPE with byte fallback.
     *
     * @param pieces        raw vocabulary pieces, id i = pieces.get(i): "▁dog", "<0x0A>", ...
     * @param specialTokens added as special tokens with the ids that follow the pieces
     * @throws IllegalArgumentException on duplicate pieces or special tokens
     */
    public static void writeSentencePiece(Path file, List<String> pieces, List<String> specialTokens) throws IOException {
        ObjectNode vocab = MAPPER.createObjectNode();
        for (int id = 0; id < pieces.size(); id++) {
            String piece = Objects.requireNonNull(pieces.get(id), "pieces[" + id + "]");
            putUnique(vocab, piece, id, "piece \"" + piece + "\"");
        }
        String marker = SentencePieceDecoder.DEFAULT_SPACE_MARKER;
        ObjectNode root = header(pieces.size(), specialTokens);

        ObjectNode normalizer = MAPPER.createObjectNode().put("type", "Sequence");
        ArrayNode normalizers = normalizer.putArray("normalizers");
        normalizers.addObject().put("type", "Prepend").put("prepend", marker);
        normalizers.add(replace(" ", marker));
        root.set("normalizer", normalizer);
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");

        ObjectNode decoder = MAPPER.createObjectNode().put("type", "Sequence");
        ArrayNode steps = decoder.putArray("decoders");
        steps.add(replace(marker, " "));
        steps.addObject().put("type", "ByteFallback");
        steps.addObject().put("type", "Fuse");
        steps.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        root.set("decoder", decoder);
        root.set("model", bpeModel(vocab, true));
        write(file, root);
    }

    private static void putUnique(ObjectNode vocab, String key, int id, String what) {
        if (vocab.has(key)) {
            throw new IllegalArgumentException(what + " appears twice (ids " + vocab.get(key).asInt() + " and " + id + ")");
        }
        vocab.put(key, id);
    }

    private static ObjectNode header(int firstSpecialId, List<String> specialTokens) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < specialTokens.size(); i++) {
            String content = Objects.requireNonNull(specialTokens.get(i), "specialTokens[" + i + "]");
            if (!seen.add(content)) {
                throw new IllegalArgumentException("special token \"" + content + "\" appears twice");
            }
            added.addObject()
                    .put("id", firstSpecialId + i)
                    .put("content", content)
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        return root;
    }

    private static ObjectNode byteLevelStage() {
        return MAPPER.createObjectNode()
                .put("type", "ByteLevel")
                .put("add_prefix_space", false)
                .put("trim_offsets", true)
                .put("use_regex", true);
    }

    private static ObjectNode replace(String pattern, String content) {
        ObjectNode node = MAPPER.createObjectNode().put("type", "Replace");
        node.putObject("pattern").put("String", pattern);
        node.put("content", content);
        return node;
    }

    private static ObjectNode bpeModel(ObjectNode vocab, boolean byteFallback) {
        ObjectNode model = MAPPER.createObjectNode();
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", byteFallback);
        model.put("byte_fallback", byteFallback);
        model.set("vocab", vocab);
        model.putArray("merges");
        return model;
    }

    private static void write(Path file, ObjectNode root) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            MAPPER.writerWithDefaultPrettyPrinter().writeValue(out, root);
        }
    }
}

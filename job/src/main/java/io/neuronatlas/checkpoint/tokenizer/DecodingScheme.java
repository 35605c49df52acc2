package io.neuronatlas.checkpoint.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Decides how a tokenizer.json spells text in its vocabulary keys: byte-level (GPT-2 family) or
 * SentencePiece-style ("▁" for spaces, {@code <0xNN>} byte pieces).
 *
 * <p>The decoder is asked first because it is literally the id-to-text recipe; only when it is
 * silent do the input-side stages (pre_tokenizer, normalizer) and model hints decide. Conflicting
 * evidence is an error: a wrong guess would quietly mislabel every neuron.
 */
final class DecodingScheme {
    private static final Set<String> SUPPORTED_MODELS = Set.of("BPE", "Unigram");

    private DecodingScheme() {
    }

    static PieceDecoder detect(TokenizerFile file) throws TokenizerFormatException {
        checkModel(file);

        Evidence fromDecoder = new Evidence();
        fromDecoder.collect(file.decoder(), "decoders");
        PieceDecoder decoder = fromDecoder.choose(file, "the decoder");
        if (decoder != null) {
            return decoder;
        }

        Evidence fromInput = new Evidence();
        fromInput.collect(file.preTokenizer(), "pretokenizers");
        fromInput.collect(file.normalizer(), "normalizers");
        // Both are SentencePiece habits; byte-level vocabularies never need byte pieces.
        if ("Unigram".equals(file.modelType())) {
            fromInput.addModelHint("model.type=Unigram");
        }
        if (file.byteFallback()) {
            fromInput.addModelHint("model.byte_fallback=true");
        }
        decoder = fromInput.choose(file, "the pre_tokenizer/normalizer");
        if (decoder != null) {
            return decoder;
        }
        throw new TokenizerFormatException(file.source(),
                "cannot tell how vocabulary keys spell text: neither the decoder " + fromDecoder.types
                        + " nor the pre_tokenizer/normalizer " + fromInput.types
                        + " names ByteLevel or a SentencePiece scheme (Metaspace, Replace of \"\u2581\", ByteFallback)");
    }

    private static void checkModel(TokenizerFile file) throws TokenizerFormatException {
        String type = file.modelType();
        if (type != null && !SUPPORTED_MODELS.contains(type)) {
            throw new TokenizerFormatException(file.source(), "unsupported model type " + type
                    + " (supported: BPE, and Unigram read as SentencePiece)");
        }
        if (file.vocabIsList() && !"Unigram".equals(type) && type != null) {
            throw new TokenizerFormatException(file.source(),
                    "model.vocab is a [piece, score] list, which only Unigram uses, but model.type is " + type);
        }
        if (!file.vocabIsList() && "Unigram".equals(type)) {
            throw new TokenizerFormatException(file.source(),
                    "model.type is Unigram but model.vocab is not a [piece, score] list");
        }
    }

    /** What one group of pipeline stages says about the key spelling. */
    private static final class Evidence {
        final List<String> types = new ArrayList<>();
        boolean byteLevel;
        boolean sentencePiece;
        String spaceMarker;

        void addModelHint(String hint) {
            types.add(hint);
            sentencePiece = true;
        }

        /** Walks a stage, descending into Sequence stages through their list field. */
        void collect(JsonNode stage, String sequenceField) {
            if (stage == null || stage.isNull()) {
                return;
            }
            String type = stage.path("type").asText("?");
            if (type.equals("Sequence")) {
                for (JsonNode inner : stage.path(sequenceField)) {
                    collect(inner, sequenceField);
                }
                return;
            }
            types.add(type);
            switch (type) {
                case "ByteLevel" -> byteLevel = true;
                case "ByteFallback" -> sentencePiece = true;
                case "Metaspace" -> {
                    sentencePiece = true;
                    String replacement = stage.path("replacement").asText("");
                    if (!replacement.isEmpty()) {
                        spaceMarker = replacement;
                    }
                }
                // Llama-2 decoders spell Metaspace as Replace("▁" -> " "); its normalizer as the reverse.
                case "Replace", "Prepend" -> {
                    String pattern = stage.path("pattern").path("String").asText("");
                    String content = stage.path(type.equals("Replace") ? "content" : "prepend").asText("");
                    if (pattern.equals(SentencePieceDecoder.DEFAULT_SPACE_MARKER)
                            || content.equals(SentencePieceDecoder.DEFAULT_SPACE_MARKER)) {
                        sentencePiece = true;
                    }
                }
                default -> {
                    // Neutral for our purpose (NFC, Fuse, Strip, Split, ...).
                }
            }
        }

        PieceDecoder choose(TokenizerFile file, String where) throws TokenizerFormatException {
            if (byteLevel && sentencePiece) {
                throw new TokenizerFormatException(file.source(), "ambiguous decoding scheme: " + where + " " + types
                        + " mixes ByteLevel with SentencePiece-style stages");
            }
            if (byteLevel) {
                return ByteLevelAlphabet::decode;
            }
            if (sentencePiece) {
                return new SentencePieceDecoder(spaceMarker != null ? spaceMarker : SentencePieceDecoder.DEFAULT_SPACE_MARKER);
            }
            return null;
        }
    }
}

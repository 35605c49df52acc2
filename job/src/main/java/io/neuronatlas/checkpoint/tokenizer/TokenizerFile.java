package io.neuronatlas.checkpoint.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * The parts of a Hugging Face tokenizer.json that decide what each id means as text. Pipeline
 * stages (normalizer, pre_tokenizer, decoder) are kept as JSON trees; any of them may be null.
 *
 * @param modelType     model.type, or null when the file leaves it out
 * @param vocabIsList   true for Unigram's [[piece, score], ...] layout, where the id is the index
 * @param byteFallback  model.byte_fallback
 */
record TokenizerFile(
        Path source,
        String modelType,
        boolean vocabIsList,
        boolean byteFallback,
        PieceList vocab,
        PieceList addedTokens,
        JsonNode normalizer,
        JsonNode preTokenizer,
        JsonNode decoder) {
}

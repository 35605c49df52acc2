package io.neuronatlas.checkpoint.tokenizer;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.files.InputFile;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads a tokenizer.json in one streaming pass. Streaming rather than a tree because most of a
 * large file is model.merges (280k strings for Llama-3), which only encoding needs and which is
 * skipped here without building nodes.
 */
final class TokenizerFileParser {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path file;
    private final JsonParser json;

    private String modelType;
    private boolean vocabIsList;
    private boolean byteFallback;
    private PieceList vocab;
    private PieceList addedTokens = new PieceList();
    private JsonNode normalizer;
    private JsonNode preTokenizer;
    private JsonNode decoder;

    private TokenizerFileParser(Path file, JsonParser json) {
        this.file = file;
        this.json = json;
    }

    /** The largest real tokenizer.json files (Gemma 3's) are about 35 MB; this is ten times more. */
    static final long MAX_BYTES = 512 * InputFile.MIB;

    static TokenizerFile parse(Path file) throws IOException {
        Optional<String> notAFile = InputFile.notRegular(file);
        if (notAFile.isPresent() && notAFile.get().equals("not found")) {
            throw new NoSuchFileException(file.toString()); // missing is an I/O error, not a format error
        }
        if (notAFile.isPresent()) {
            throw new TokenizerFormatException(file, notAFile.get() + "; expected a regular file");
        }
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new TokenizerFormatException(file, String.format(Locale.ROOT, "is %,d bytes, more than the %d MiB "
                    + "a tokenizer.json may hold; refused rather than read into memory", size, MAX_BYTES / InputFile.MIB));
        }
        try {
            return parseFile(file);
        } catch (OutOfMemoryError e) {
            throw new TokenizerFormatException(file, InputFile.outOfMemory("reading its vocabulary"));
        }
    }

    private static TokenizerFile parseFile(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             JsonParser json = MAPPER.getFactory().createParser(in)) {
            return new TokenizerFileParser(file, json).parseRoot();
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(file, "not valid JSON: " + e.getOriginalMessage() + where(e.getLocation()), e);
        }
    }

    private TokenizerFile parseRoot() throws IOException {
        JsonToken first = json.nextToken();
        if (first == null) {
            throw problem("the file is empty");
        }
        if (first != JsonToken.START_OBJECT) {
            throw problem("the top level is not a JSON object");
        }
        boolean sawModel = false;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            json.nextToken();
            switch (field) {
                case "model" -> {
                    parseModel();
                    sawModel = true;
                }
                case "added_tokens" -> parseAddedTokens();
                case "normalizer" -> normalizer = readStage();
                case "pre_tokenizer" -> preTokenizer = readStage();
                case "decoder" -> decoder = readStage();
                default -> json.skipChildren();
            }
        }
        if (json.nextToken() != null) {
            throw problem("unexpected content after the top-level object" + where(json.currentLocation()));
        }
        if (!sawModel) {
            throw problem("missing model");
        }
        if (vocab == null) {
            throw problem("missing model.vocab");
        }
        return new TokenizerFile(file, modelType, vocabIsList, byteFallback, vocab, addedTokens,
                normalizer, preTokenizer, decoder);
    }

    private JsonNode readStage() throws IOException {
        JsonNode node = MAPPER.readTree(json);
        return node == null || node.isNull() ? null : node;
    }

    private void parseModel() throws IOException {
        if (json.currentToken() != JsonToken.START_OBJECT) {
            throw problem("model is not a JSON object");
        }
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            JsonToken value = json.nextToken();
            switch (field) {
                case "type" -> {
                    if (value != JsonToken.VALUE_STRING) {
                        throw problem("model.type is not a string");
                    }
                    modelType = json.getText();
                }
                case "byte_fallback" -> byteFallback = value == JsonToken.VALUE_TRUE;
                case "vocab" -> parseVocab(value);
                default -> json.skipChildren(); // merges, dropout, unk_token...
            }
        }
    }

    private void parseVocab(JsonToken start) throws IOException {
        vocab = new PieceList();
        if (start == JsonToken.START_OBJECT) {
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String piece = json.currentName();
                json.nextToken();
                vocab.add(readId("model.vocab[\"" + piece + "\"]"), piece);
            }
        } else if (start == JsonToken.START_ARRAY) {
            // Unigram: [[piece, score], ...]; the position is the id.
            vocabIsList = true;
            while (json.nextToken() != JsonToken.END_ARRAY) {
                int id = vocab.size();
                if (json.currentToken() != JsonToken.START_ARRAY || json.nextToken() != JsonToken.VALUE_STRING) {
                    throw problem("model.vocab[" + id + "] is not a [piece, score] pair");
                }
                vocab.add(id, json.getText());
                while (json.nextToken() != JsonToken.END_ARRAY) {
                    json.skipChildren();
                }
            }
        } else {
            throw problem("model.vocab is neither an object of piece -> id nor a list of [piece, score]");
        }
    }

    private void parseAddedTokens() throws IOException {
        if (json.currentToken() == JsonToken.VALUE_NULL) {
            return;
        }
        if (json.currentToken() != JsonToken.START_ARRAY) {
            throw problem("added_tokens is not a JSON array");
        }
        int index = 0;
        while (json.nextToken() != JsonToken.END_ARRAY) {
            String where = "added_tokens[" + index++ + "]";
            if (json.currentToken() != JsonToken.START_OBJECT) {
                throw problem(where + " is not a JSON object");
            }
            Integer id = null;
            String content = null;
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                if (field.equals("id")) {
                    id = readId(where + ".id");
                } else if (field.equals("content") && value == JsonToken.VALUE_STRING) {
                    content = json.getText();
                } else {
                    json.skipChildren();
                }
            }
            if (id == null || content == null) {
                throw problem(where + " lacks " + (id == null ? "an integer id" : "a string content"));
            }
            addedTokens.add(id, content);
        }
    }

    private int readId(String what) throws IOException {
        if (json.currentToken() != JsonToken.VALUE_NUMBER_INT || json.getNumberType() != JsonParser.NumberType.INT) {
            throw problem(what + " is not an integer id: " + json.getText());
        }
        int id = json.getIntValue();
        if (id < 0) {
            throw problem(what + " has a negative id: " + id);
        }
        return id;
    }

    private TokenizerFormatException problem(String message) {
        return new TokenizerFormatException(file, message);
    }

    private static String where(JsonLocation location) {
        return location == null ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}

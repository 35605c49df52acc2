package io.neuronatlas.checkpoint.tokenizer;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Display string for every row of an LM head: id → the text the token stands for (" dog" whether
 * the vocabulary spells it "Ġdog" or "▁dog"; special tokens verbatim).
 *
 * <p>Built once on the driver from a Hugging Face tokenizer.json and broadcast to Spark executors,
 * so its serialized form is just the string array and a counter.
 */
public final class TokenTable implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String[] tokens;
    // Per id: the byte of a byte-fallback piece <0xNN> (0..255), or PIECE_CODE, ADDED_CODE, UNUSED_CODE.
    private final short[] kinds;
    private final int droppedIds;

    private static final short PIECE_CODE = -1;
    private static final short ADDED_CODE = -2;
    private static final short UNUSED_CODE = -3;

    // Reverse lookups are rare (tests, CLI queries); built on first use, never shipped to executors.
    private transient volatile Map<String, Integer> idsByString;

    private TokenTable(String[] tokens, short[] kinds, int droppedIds) {
        this.tokens = tokens;
        this.kinds = kinds;
        this.droppedIds = droppedIds;
    }

    /**
     * Reads a tokenizer.json and sizes the table to the model, not the tokenizer: checkpoints
     * often pad the LM head past the tokenizer (Pythia: 50,304 rows for 50,278 ids), and the
     * padding rows still need a label.
     *
     * @param vocabSize number of LM head rows; ids without a token get {@code <unk:ID>}, tokenizer
     *                  ids at or above it are ignored and counted in {@link #droppedIds()}
     * @throws TokenizerFormatException when the file is not a usable tokenizer.json
     */
    public static TokenTable load(Path tokenizerJson, int vocabSize) throws IOException {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be positive, got " + vocabSize);
        }
        TokenizerFile file = TokenizerFileParser.parse(tokenizerJson);
        PieceDecoder decoder = DecodingScheme.detect(file);

        String[] tokens = new String[vocabSize];
        short[] kinds = new short[vocabSize];
        // Distinct ids: an added token may share its id with a vocab entry and must count once.
        Set<Integer> dropped = new HashSet<>();
        PieceList vocab = file.vocab();
        for (int i = 0; i < vocab.size(); i++) {
            int id = vocab.id(i);
            boolean fresh = id < vocabSize ? tokens[id] == null : dropped.add(id);
            if (!fresh) {
                throw new TokenizerFormatException(tokenizerJson, "model.vocab gives id " + id
                        + " to more than one piece (\"" + vocab.piece(i) + "\" is one)");
            }
            if (id < vocabSize) {
                tokens[id] = decoder.decode(vocab.piece(i));
                int b = decoder.fallbackByte(vocab.piece(i));
                kinds[id] = b >= 0 ? (short) b : PIECE_CODE;
            }
        }
        // Added tokens are matched on their literal content, so that content is what they mean.
        PieceList added = file.addedTokens();
        for (int i = 0; i < added.size(); i++) {
            int id = added.id(i);
            if (id < vocabSize) {
                tokens[id] = added.piece(i);
                kinds[id] = ADDED_CODE;
            } else {
                dropped.add(id);
            }
        }
        for (int id = 0; id < vocabSize; id++) {
            if (tokens[id] == null) {
                tokens[id] = placeholder(id);
                kinds[id] = UNUSED_CODE;
            }
        }
        return new TokenTable(tokens, kinds, dropped.size());
    }

    /** Label for an LM head row that no token maps to. */
    static String placeholder(int id) {
        return "<unk:" + id + ">";
    }

    /** Display string of an id in [0, size()). */
    public String token(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IndexOutOfBoundsException("token id " + id + " outside [0, " + tokens.length + ")");
        }
        return tokens[id];
    }

    /** Where an id in [0, size()) comes from: a piece of text, a byte-fallback piece, an added token, or none. */
    public TokenKind kind(int id) {
        token(id); // bounds check with its message
        return switch (kinds[id]) {
            case PIECE_CODE -> TokenKind.PIECE;
            case ADDED_CODE -> TokenKind.ADDED;
            case UNUSED_CODE -> TokenKind.UNUSED;
            default -> TokenKind.BYTE;
        };
    }

    /**
     * The id as a person tells it apart from others that render the same: the display string, except a byte-fallback
     * piece, which is named as the vocabulary spells it ({@code <0x79>}) since its display may be the piece "y"'s.
     */
    public String label(int id) {
        return kind(id) == TokenKind.BYTE ? String.format(Locale.ROOT, "<0x%02X>", kinds[id]) : tokens[id];
    }

    /** Every id whose display string is exactly text, ascending. */
    public int[] idsOf(String text) {
        return IntStream.range(0, tokens.length).filter(id -> tokens[id].equals(text)).toArray();
    }

    /** Number of ids, i.e. the vocabSize the table was loaded with. */
    public int size() {
        return tokens.length;
    }

    /** How many distinct tokenizer ids were at or above vocabSize and so left out. */
    public int droppedIds() {
        return droppedIds;
    }

    /** Lowest id whose display string is exactly {@code tokenString}. */
    public OptionalInt idOf(String tokenString) {
        Integer id = index().get(tokenString);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** A copy of all display strings, indexed by id. */
    public String[] strings() {
        return tokens.clone();
    }

    private Map<String, Integer> index() {
        Map<String, Integer> index = idsByString;
        if (index == null) {
            index = new HashMap<>(tokens.length * 2);
            for (int id = 0; id < tokens.length; id++) {
                index.putIfAbsent(tokens[id], id); // ascending ids, so the lowest wins
            }
            idsByString = index;
        }
        return index;
    }
}

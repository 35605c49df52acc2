package io.neuronatlas.checkpoint.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * The one rule that turns a target text (clamp --target, validate --token, map --watch) into the id the model would
 * emit for it. Several ids may render the same text: SentencePiece vocabularies with byte fallback hold the piece "y"
 * and the byte piece {@code <0x79>}, and an added token may repeat a piece. The model emits the id its tokenizer
 * encodes the text as, so:
 * <ol>
 *   <li>the tokenizer's own encoding of the text as a continuation, when that is one token. "As a continuation" is
 *       after {@link #CONTEXT}: the ids of CONTEXT + text past those of CONTEXT alone. Encoding the text alone would
 *       not do: SentencePiece normalizers prepend "▁" to the start of an input, so " dog" alone is ["▁", "▁dog"]
 *       and "dog" alone is "▁dog", the word after a space. A newline ends a pre-token in byte-level BPE (GPT-2's and
 *       Llama-3's split rules never join it to a following letter) and is a byte piece or a piece of its own in
 *       SentencePiece vocabularies, so the text after it is tokenized as text in the middle of a document is;</li>
 *   <li>otherwise (the text encodes as several tokens, or merged with CONTEXT), the vocabulary entries whose display
 *       text is exactly the text, in {@link TokenKind} order: a piece of text over a byte-fallback piece over an added
 *       token, then the lowest id.</li>
 * </ol>
 * A text that is neither is refused, naming the ids it encodes as; an id given as such is taken as it is.
 */
public final class TargetResolver {
    /** What a target text is encoded after, so that it is encoded as a continuation of text. */
    public static final String CONTEXT = "\n";

    /** How the id was chosen. */
    public enum Source {
        /** the tokenizer encodes the text, after other text, as this one id */
        ENCODING,
        /** the text is not one token when encoded; this is the preferred entry that renders it */
        VOCABULARY,
        /** the id was given (--target-id, --token-id) */
        ID
    }

    /**
     * A resolved target.
     *
     * @param text     the display text of id (the text asked for, unless a normalizer changed it)
     * @param others   the other ids whose display text is the same, ascending
     */
    public record Target(String text, int id, TokenKind kind, Source source, int[] others) {
        public Target {
            others = others.clone();
        }

        /**
         * "" when no other id renders the text; else a sentence naming them, e.g. 'id 124 (byte <0x79>) also renders
         * "y"; the model emits 1234 for it'.
         */
        public String othersNote(TokenTable tokens, String idOption) {
            if (others.length == 0) {
                return "";
            }
            List<String> named = new ArrayList<>();
            for (int o : others) {
                named.add(o + " (" + tokens.kind(o).label() + (tokens.kind(o) == TokenKind.BYTE ? " "
                        + tokens.label(o) : "") + ")");
            }
            String why = switch (source) {
                case ENCODING -> "the tokenizer encodes the text as " + id;
                case VOCABULARY -> "id " + id + " is the " + kind.label() + " of them";
                case ID -> id + " was asked for";
            };
            return String.format(Locale.ROOT, "%s %s also render%s \"%s\"; %s%s",
                    others.length == 1 ? "id" : "ids", String.join(", ", named), others.length == 1 ? "s" : "",
                    text, why, idOption == null ? "" : " (" + idOption + " N follows another)");
        }
    }

    private final PromptEncoder encoder;
    private final TokenTable tokens;
    private final String textOption;
    private final String idOption;

    /**
     * @param textOption the option the text came from, for messages ("--target")
     * @param idOption   the option that gives an id instead ("--target-id"), or null where there is none
     */
    public TargetResolver(PromptEncoder encoder, String textOption, String idOption) {
        this.encoder = encoder;
        this.tokens = encoder.tokens();
        this.textOption = textOption;
        this.idOption = idOption;
    }

    /** The id given, when it is not null, else the one text resolves to: one of them is null. */
    public Target of(String text, Integer id) {
        if ((text == null) == (id == null)) {
            throw new IllegalArgumentException("give either " + textOption + " or " + idOption);
        }
        return id != null ? byId(id) : resolve(text);
    }

    /**
     * The id the model would emit for text.
     *
     * @throws IllegalArgumentException naming the text and the ids it encodes as when it is not one token
     */
    public Target resolve(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException(textOption + " is empty: give a token's text, e.g. \" dog\"");
        }
        int[] continuation = continuation(text);
        if (continuation != null && continuation.length == 1) {
            return target(continuation[0], Source.ENCODING);
        }
        int[] rendering = tokens.idsOf(text);
        if (rendering.length > 0) {
            int best = IntStream.of(rendering).boxed().min(Comparator.comparing((Integer id) -> tokens.kind(id))
                    .thenComparing(id -> id)).orElseThrow();
            return target(best, Source.VOCABULARY);
        }
        int[] pieces = continuation != null ? continuation : encoder.encodePiece(text);
        List<String> named = new ArrayList<>();
        for (int p : pieces) {
            named.add("'" + tokens.label(p) + "' (" + p + ")");
        }
        throw new IllegalArgumentException(textOption + " '" + text + "' is not one token of this vocabulary: it "
                + "encodes as " + pieces.length + " tokens " + named + " and no entry renders it; choose a text that "
                + "is one token" + (idOption == null ? "" : ", or follow one id with " + idOption + " N"));
    }

    /**
     * The id as given.
     *
     * @throws IllegalArgumentException when it is outside the vocabulary
     */
    public Target byId(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new IllegalArgumentException(idOption + " " + id + " is outside the vocabulary: ids are 0 to "
                    + (tokens.size() - 1));
        }
        return target(id, Source.ID);
    }

    /** The text's ids after CONTEXT, or null when the text merged with CONTEXT's last token. */
    private int[] continuation(String text) {
        int[] context = encoder.encodePiece(CONTEXT);
        int[] both = encoder.encodePiece(CONTEXT + text);
        if (both.length <= context.length || !Arrays.equals(context, Arrays.copyOf(both, context.length))) {
            return null;
        }
        return Arrays.copyOfRange(both, context.length, both.length);
    }

    private Target target(int id, Source source) {
        String text = tokens.token(id);
        int[] others = IntStream.of(tokens.idsOf(text)).filter(o -> o != id).toArray();
        return new Target(text, id, tokens.kind(id), source, others);
    }
}

package io.neuronatlas.checkpoint.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * Turns prompts into token ids as transformers would: Hugging Face's own tokenizer (DJL's binding of the Rust
 * library, bundled in its jar, offline) with truncation off, and a BOS token where the model expects one. The
 * tokenizer.json post-processor decides (Llama-3.1 and Mistral add one, Llama-3's and Qwen's files none) unless
 * tokenizer_config.json says otherwise with add_bos_token, as transformers' Llama tokenizers let it.
 *
 * <p>Chat prompts are rendered with the model's {@link ChatTemplate} and encoded without special tokens added, since
 * the template writes them itself. Targets are resolved by {@link TargetResolver}: encoded as a continuation, never
 * on their own (SentencePiece vocabularies would encode " dog" as ["▁", "▁dog"]).
 *
 * <p>Thread-safe for encoding and decoding; holds a native tokenizer that {@link #close()} frees.
 */
public final class PromptEncoder implements AutoCloseable {
    private final Path dir;
    private final HuggingFaceTokenizer tokenizer;
    private final TokenTable tokens;
    private final Boolean addBosToken; // tokenizer_config.json's add_bos_token; null when absent
    private final int bosId; // -1 when the model has no BOS token

    private PromptEncoder(Path dir, HuggingFaceTokenizer tokenizer, TokenTable tokens, Boolean addBosToken,
                          int bosId) {
        this.dir = dir;
        this.tokenizer = tokenizer;
        this.tokens = tokens;
        this.addBosToken = addBosToken;
        this.bosId = bosId;
    }

    /**
     * Opens dir/tokenizer.json and, when present, dir/tokenizer_config.json.
     *
     * @param vocabSize the model's vocab_size (LM head rows), for the token table
     */
    public static PromptEncoder open(Path dir, int vocabSize) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new TokenizerFormatException(file, "not found; prompts are encoded with the model's tokenizer.json");
        }
        TokenTable tokens = TokenTable.load(file, vocabSize);
        Path configFile = dir.resolve(ChatTemplate.CONFIG);
        Boolean addBos = null;
        int bosId = -1;
        if (Files.isRegularFile(configFile)) {
            JsonNode config = ChatTemplate.readConfig(configFile);
            JsonNode flag = config.get("add_bos_token");
            addBos = flag == null || flag.isNull() ? null : flag.asBoolean();
            String bos = ChatTemplate.tokenText(config.get("bos_token"));
            if (!bos.isEmpty()) {
                OptionalInt id = tokens.idOf(bos);
                if (id.isEmpty() && Boolean.TRUE.equals(addBos)) {
                    throw new TokenizerFormatException(configFile, "add_bos_token is true but bos_token '" + bos
                            + "' is not in " + file.getFileName());
                }
                bosId = id.orElse(-1);
            }
        }
        if (Boolean.TRUE.equals(addBos) && bosId < 0) {
            throw new TokenizerFormatException(configFile, "add_bos_token is true but no bos_token is named");
        }
        // The jar carries the native library; offline mode keeps DJL from ever reaching for the network.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                .optTokenizerPath(file)
                .optAddSpecialTokens(true)
                .optTruncation(false)
                .optPadding(false)
                .build();
        return new PromptEncoder(dir, tokenizer, tokens, addBos, bosId);
    }

    /** The prompt's ids, BOS first when the model expects one. */
    public int[] encode(String text) {
        int[] ids = ids(tokenizer.encode(text, true, false));
        if (addBosToken == null || bosId < 0) {
            return ids;
        }
        boolean hasBos = ids.length > 0 && ids[0] == bosId;
        if (addBosToken && !hasBos) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = bosId;
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            return withBos;
        }
        if (!addBosToken && hasBos) {
            return Arrays.copyOfRange(ids, 1, ids.length);
        }
        return ids;
    }

    /**
     * The tokens a document starts with before its text (the BOS token where the model expects one, else none): what
     * {@link #encode} puts in front of any text. A long text is encoded as this prefix and then its pieces with
     * {@link #encodePiece}, so that it never has to be encoded whole.
     */
    public int[] documentPrefix() {
        return encode("");
    }

    /** The ids of a piece of text in the middle of a document: no special tokens added. */
    public int[] encodePiece(String text) {
        return ids(tokenizer.encode(text, false, false));
    }

    /**
     * A conversation formatted by the model's chat template, ending where the assistant's reply begins.
     *
     * @throws TokenizerFormatException when tokenizer_config.json is missing or has no chat_template
     */
    public int[] encodeChat(List<ChatMessage> messages) throws IOException {
        String rendered = ChatTemplate.load(dir.resolve(ChatTemplate.CONFIG)).render(messages, true);
        return ids(tokenizer.encode(rendered, false, false));
    }

    /**
     * The id of a target token by {@link TargetResolver}'s rule: what the model would emit for the text.
     *
     * @throws IllegalArgumentException naming the target and the ids it encodes as when it is not one token
     */
    public int targetToken(String token) {
        return new TargetResolver(this, "target", null).resolve(token).id();
    }

    /** The vocabulary as the atlas shows it. */
    public TokenTable tokens() {
        return tokens;
    }

    /** The text of ids; special tokens (BOS, EOS, chat markers) left out when asked. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, skipSpecialTokens);
    }

    /** The display text of one id, as the atlas shows tokens. */
    public String token(int id) {
        return tokens.token(id);
    }

    private static int[] ids(Encoding encoding) {
        long[] ids = encoding.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}

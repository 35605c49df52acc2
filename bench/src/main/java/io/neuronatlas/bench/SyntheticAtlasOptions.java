package io.neuronatlas.bench;

import io.neuronatlas.atlas.TokenLayout;
import io.neuronatlas.checkpoint.synthetic.SyntheticVocabulary;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.checkpoint.tokenizer.TokenizerJsonWriter;
import io.neuronatlas.cli.Scopt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import scopt.OParser;

/**
 * The shape of the atlas that bench-query and bench-report generate, and their options for it. Defaults are
 * Llama-3.1-8B's: 3 x 32 x 14,336 neurons, top-20, a vocabulary of 128,256.
 */
final class SyntheticAtlasOptions {
    String tokenizer;
    int vocab = 128256;
    int layers = 32;
    int dMlp = 14336;
    int topK = 20;
    int shardSize = 14336;

    /** --tokenizer, --vocab, --layers, --d-mlp, --top-k and --shard-size, setting the options of = mine(args). */
    static <A> List<OParser<?, A>> parsers(Scopt<A> s, Function<A, SyntheticAtlasOptions> mine) {
        return List.of(
                s.string("tokenizer", "FILE", "tokenizer.json for token strings (default: a synthetic "
                        + "vocabulary of --vocab tokens)", (a, v) -> mine.apply(a).tokenizer = v),
                s.integer("vocab", "N", "vocabulary size (default 128256)", (a, v) -> mine.apply(a).vocab = v),
                s.integer("layers", "N", "layers (default 32)", (a, v) -> mine.apply(a).layers = v),
                s.integer("d-mlp", "N", "neurons per matrix and layer (default 14336)",
                        (a, v) -> mine.apply(a).dMlp = v),
                s.integer("top-k", "K", "tokens per neuron and polarity (default 20)", (a, v) -> mine.apply(a).topK = v),
                s.integer("shard-size", "N", "neurons per file, as the map's planner picks (default 14336: a "
                        + "GPU run's one shard per matrix and layer; a CPU run of 8B writes 512)",
                        (a, v) -> mine.apply(a).shardSize = v));
    }

    SyntheticAtlas atlas(TokenLayout layout) {
        return new SyntheticAtlas("bench", layers, dMlp, topK, shardSize, 42, layout);
    }

    /** The tokenizer's vocabulary, or a synthetic one of vocab tokens written once under work. */
    TokenTable tokens(String work) throws IOException {
        if (tokenizer != null) {
            return TokenTable.load(Path.of(tokenizer), vocab);
        }
        Path file = Path.of(work, "tokenizer-" + vocab + ".json");
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            TokenizerJsonWriter.writeByteLevel(file, SyntheticVocabulary.tokens(vocab - 1),
                    List.of("<|endoftext|>"));
        }
        return TokenTable.load(file, vocab);
    }
}

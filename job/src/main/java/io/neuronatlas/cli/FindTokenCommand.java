package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ResultFormat;
import io.neuronatlas.query.SameTextTokens;
import io.neuronatlas.query.TokenLookup;
import io.neuronatlas.query.TokenVariants;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scopt.OParser;

/** {@code find-token}: the neurons whose top tokens include a token or its case/space variants. */
final class FindTokenCommand extends QueryCommand<FindTokenCommand.Args> {
    static final class Args extends QueryCommand.Args {
        String token;
        Integer tokenId;
    }

    FindTokenCommand() {
        super("find-token",
                "the neurons for a token (e.g. \" dog\"), variants grouped, ranked by normalized probability",
                "Finds the neurons that have TOKEN, or a case/space variant of it (\" dog\", \"dog\", \" Dog\", "
                + "\" DOG\"), among their top tokens in either polarity, across all checkpoints, matrices and layers.",
                20, Args::new);
    }

    @Override
    List<OParser<?, Args>> options(Scopt<Args> s) {
        return List.of(s.argument("TOKEN", "the token as text: \" dog\" (variants are found too)",
                (a, v) -> a.token = v).optional(),
                s.integer("token-id", "N", "one token id instead of TOKEN, without variants: for exactness where "
                        + "several ids render the same text (a piece and its byte-fallback twin <0x79>)",
                        (a, v) -> a.tokenId = v),
                s.builder().checkConfig(a -> (a.token == null) == (a.tokenId == null)
                        ? s.builder().failure("give either TOKEN or --token-id N") : s.builder().success()));
    }

    @Override
    Dataset<Row> query(Atlas atlas, Args a, PrintStream out) {
        if (a.tokenId != null) {
            printHeader(a, null, out);
            return atlas.findTokenId(a.tokenId, rowsWanted(a));
        }
        TokenVariants variants = atlas.variants(a.token);
        printHeader(a, variants, out);
        return atlas.findToken(variants, rowsWanted(a));
    }

    /** The same rows and lines from the token_neurons files alone, where they are the whole answer (TokenLookup). */
    @Override
    boolean answeredWithoutSpark(Args a, PrintStream out) throws IOException {
        Optional<TokenLookup> lookup = TokenLookup.open(new Configuration(), a.atlas);
        if (lookup.isEmpty()) {
            return false;
        }
        List<Object[]> rows;
        if (a.tokenId != null) {
            printHeader(a, null, out);
            rows = lookup.get().findId(a.tokenId, rowsWanted(a));
        } else {
            TokenVariants variants = lookup.get().variants(a.token);
            printHeader(a, variants, out);
            rows = lookup.get().find(variants, rowsWanted(a));
        }
        a.format.print(TokenLookup.COLUMNS, rows, out);
        return true;
    }

    /** A table's header lines: what was looked up, and any other ids that render the token's text. */
    private static void printHeader(Args a, TokenVariants variants, PrintStream out) {
        if (a.format != ResultFormat.TABLE) {
            return;
        }
        if (variants == null) {
            out.println("Neurons for token id " + a.tokenId + " in " + a.atlas + ":");
            return;
        }
        out.println("Neurons for token \"" + a.token + "\" in " + a.atlas + ":");
        for (String note : SameTextTokens.of(variants).notes()) {
            out.println(note + " (--token-id N lists one id)");
        }
    }
}

package io.neuronatlas.cli;

import io.neuronatlas.checkpoint.tokenizer.TokenKind;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ResultFormat;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
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
            if (a.format == ResultFormat.TABLE) {
                out.println("Neurons for token id " + a.tokenId + " in " + a.atlas + ":");
            }
            return atlas.findTokenId(a.tokenId, rowsWanted(a));
        }
        if (a.format == ResultFormat.TABLE) {
            out.println("Neurons for token \"" + a.token + "\" in " + a.atlas + ":");
            for (String note : sameText(atlas, a.token)) {
                out.println(note);
            }
        }
        return atlas.findToken(a.token, rowsWanted(a));
    }

    /**
     * Per checkpoint where several ids render exactly the token's text, a line naming them with their kinds, pieces
     * first: find-token lists them all, and the piece is the one the model emits.
     */
    static List<String> sameText(Atlas atlas, String token) {
        Map<String, List<String>> ids = new TreeMap<>();
        List<Row> rows = atlas.tokenVariants(token).filter(functions.col("token").equalTo(token))
                .orderBy("checkpoint", "token_id").collectAsList();
        rows = rows.stream().sorted(Comparator.comparing((Row r) -> kindRank(r.getAs("kind")))).toList();
        for (Row r : rows) {
            String kind = r.getAs("kind");
            ids.computeIfAbsent(r.getAs("checkpoint"), c -> new ArrayList<>()).add(r.<Integer>getAs("token_id")
                    + (kind == null ? "" : " (" + kind + ")"));
        }
        List<String> notes = new ArrayList<>();
        ids.forEach((checkpoint, list) -> {
            if (list.size() > 1) {
                notes.add(checkpoint + ": ids " + String.join(", ", list) + " all render \"" + token
                        + "\"; a piece is what the model emits, a byte or added token rarely (--token-id N for one)");
            }
        });
        return notes;
    }

    /** TokenKind's order: piece, byte, added, unused; unknown (older atlases) last. */
    private static int kindRank(String kind) {
        for (TokenKind k : TokenKind.values()) {
            if (k.label().equals(kind)) {
                return k.ordinal();
            }
        }
        return TokenKind.values().length;
    }
}

package io.neuronatlas.job;

import io.neuronatlas.projection.BatchResult;
import io.neuronatlas.tokenizer.TokenTable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/** Turns a shard's results into the rows of the atlas tables, in (neuron, polarity, rank) order. */
public final class AtlasRows {
    static final String[] POLARITY = {"+", "-"};

    private AtlasRows() {
    }

    public static List<Row> neuronTokens(ShardResult result, String checkpoint, TokenTable tokens) {
        Shard shard = result.shard();
        String matrix = shard.matrix().label();
        List<Row> rows = new ArrayList<>();
        int neuron = shard.firstNeuron();
        for (BatchResult b : result.batches()) {
            for (int n = 0; n < b.count(); n++, neuron++) {
                for (int p = 0; p < 2; p++) {
                    for (int r = 0; r < b.topK(); r++) {
                        int id = b.tokenId(n, p, r);
                        rows.add(RowFactory.create(checkpoint, matrix, shard.layer(), neuron, POLARITY[p], r + 1,
                                id, tokens.token(id), b.score(n, p, r), b.prob(n, p, r),
                                b.normalizedProb(n, p, r)));
                    }
                }
            }
        }
        return rows;
    }

    public static List<Row> neurons(ShardResult result, String checkpoint, TokenTable tokens) {
        Shard shard = result.shard();
        String matrix = shard.matrix().label();
        List<Row> rows = new ArrayList<>();
        int neuron = shard.firstNeuron();
        for (BatchResult b : result.batches()) {
            for (int n = 0; n < b.count(); n++, neuron++) {
                int top = b.tokenId(n, 0, 0);
                int bottom = b.tokenId(n, 1, 0);
                rows.add(RowFactory.create(checkpoint, matrix, shard.layer(), neuron,
                        b.norm(n), b.maxScore(n), b.minScore(n), b.meanScore(n), b.stdScore(n), b.maxAbsScore(n),
                        b.logsumexp(n), b.entropy(n),
                        top, tokens.token(top), b.normalizedProb(n, 0, 0),
                        bottom, tokens.token(bottom), b.normalizedProb(n, 1, 0)));
            }
        }
        return rows;
    }
}

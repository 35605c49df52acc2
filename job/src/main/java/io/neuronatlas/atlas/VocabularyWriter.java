package io.neuronatlas.atlas;

import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.udfs.TokenText;
import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Writes a checkpoint's vocabulary (token_id, token, norm, kind) once per run from the driver. find-token resolves a
 * word's case and space variants here, a few hundred thousand rows at most, and then looks up neuron_tokens by id
 * only.
 */
public final class VocabularyWriter {
    /** 8Ki tokens a row group: a Llama-3 vocabulary is 16 groups, a lookup decodes one. */
    static final int ROW_GROUP_ROWS = 1 << 13;

    private VocabularyWriter() {
    }

    /** Writes part-00000.zstd.parquet into a run's folder of the tokens table, from the driver. */
    public static void write(Configuration conf, Path runFolder, TokenTable tokens) throws IOException {
        String[] norms = new String[tokens.size()];
        Integer[] order = new Integer[tokens.size()];
        for (int id = 0; id < tokens.size(); id++) {
            norms[id] = TokenText.norm(tokens.token(id));
            order[id] = id;
        }
        Arrays.sort(order, Comparator.comparing((Integer id) -> norms[id]).thenComparing(id -> id));
        try (TableFile file = TableFile.open(conf, runFolder, "part-00000.zstd.parquet", 0, MapTables.TOKENS_FILE,
                TokenLayout.LOOKUP, b -> b.withRowGroupRowCountLimit(ROW_GROUP_ROWS)
                        .withBloomFilterEnabled("norm", true).withBloomFilterNDV("norm", ROW_GROUP_ROWS))) {
            for (Integer id : order) {
                file.write(f -> f.add(id).add(tokens.token(id)).add(norms[id]).add(tokens.kind(id).label()));
            }
            file.commit();
        }
    }
}

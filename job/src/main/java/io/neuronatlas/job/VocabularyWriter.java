package io.neuronatlas.job;

import io.neuronatlas.tokenizer.TokenTable;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * Writes a checkpoint's vocabulary (token_id, token) once per run from the driver. find-token resolves a word's
 * case and space variants here, a few hundred thousand rows at most, and then looks up neuron_tokens by id only.
 */
public final class VocabularyWriter {
    private VocabularyWriter() {
    }

    /** Writes table/checkpoint=NAME/part-00000.zstd.parquet under the given table folder. */
    public static void write(Configuration conf, Path table, String checkpoint, TokenTable tokens)
            throws IOException {
        Path file = new Path(table, "checkpoint=" + checkpoint + "/part-00000.zstd.parquet");
        try (ParquetWriter<RecordWriteSupport.Record> writer = new RecordWriteSupport.Builder(
                HadoopOutputFile.fromPath(file, conf), AtlasSchema.TOKENS_FILE).withConf(conf)
                .withCompressionCodec(CompressionCodecName.ZSTD).withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build()) {
            for (int id = 0; id < tokens.size(); id++) {
                int tokenId = id;
                writer.write(f -> f.add(tokenId).add(tokens.token(tokenId)));
            }
        }
    }
}

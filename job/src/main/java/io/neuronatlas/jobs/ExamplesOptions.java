package io.neuronatlas.jobs;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.examples.ExampleSettings;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.corpus.DocumentIdField;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the examples command was asked, validated where the flags come in; each default is written once, here.
 *
 * @param corpus     corpus files or directories (JSON lines, Parquet, text), in corpus order
 * @param checkpoint the checkpoint's name in the atlas (default: the model folder's name), as the map names it
 * @param layers     "all" or a list such as "0-15,20"
 * @param maxTokens  examine only the first N text tokens of the corpus, in corpus order; 0 for all
 * @param idField    the documents' id field or column: --id-field's, else "id" where documents have one
 * @param sample     positions sampled uniformly per neuron, from which the quantile-band examples are drawn
 */
public record ExamplesOptions(Path modelDir, List<String> corpus, String atlas, String checkpoint, String layers,
                              int segment, int top, int sample, long maxTokens, String textColumn,
                              DocumentIdField idField, int batchSize, DeviceMode device, Precision precision,
                              boolean force) {
    public static final String DEFAULT_TEXT_COLUMN = "text";
    public static final DeviceMode DEFAULT_DEVICE = DeviceMode.AUTO;

    public ExamplesOptions {
        Objects.requireNonNull(modelDir, "--model is required");
        corpus = List.copyOf(corpus);
        if (corpus.isEmpty()) {
            throw new IllegalArgumentException("--corpus is required: JSON lines, Parquet or text files, or folders "
                    + "of them");
        }
        if (atlas == null) {
            throw new IllegalArgumentException("--atlas is required: the atlas folder to write");
        }
        if (checkpoint == null) {
            Path name = modelDir.toAbsolutePath().normalize().getFileName();
            checkpoint = name == null ? "model" : name.toString();
        }
        AtlasPaths.checkCheckpointName(checkpoint);
        if (maxTokens < 0) {
            throw new IllegalArgumentException("--max-tokens must not be negative, found " + maxTokens);
        }
        if (textColumn == null || textColumn.isBlank()) {
            throw new IllegalArgumentException("--text-column must name a field or column");
        }
        if (idField == null) {
            idField = DocumentIdField.of(null);
        }
        new ExampleSettings(new int[] {0}, 1, segment, top, sample, ExampleSettings.BEFORE, ExampleSettings.AFTER,
                batchSize); // validates
    }

    /** Every default, for the command line and tests to start from. */
    public static ExamplesOptions defaults(Path modelDir, List<String> corpus, String atlas) {
        return new ExamplesOptions(modelDir, corpus, atlas, null, "all", ExampleSettings.DEFAULT_SEGMENT,
                ExampleSettings.DEFAULT_TOP, ExampleSettings.DEFAULT_SAMPLE, 0, DEFAULT_TEXT_COLUMN,
                null, ExampleSettings.DEFAULT_BATCH, DEFAULT_DEVICE, Precision.FP32, false);
    }

    public ExamplesOptions withLayers(String v) {
        return new ExamplesOptions(modelDir, corpus, atlas, checkpoint, v, segment, top, sample, maxTokens,
                textColumn, idField, batchSize, device, precision, force);
    }

    public ExamplesOptions withShape(int segmentLength, int topN, int sampleSize) {
        return new ExamplesOptions(modelDir, corpus, atlas, checkpoint, layers, segmentLength, topN, sampleSize,
                maxTokens, textColumn, idField, batchSize, device, precision, force);
    }

    public ExamplesOptions withMaxTokens(long v) {
        return new ExamplesOptions(modelDir, corpus, atlas, checkpoint, layers, segment, top, sample, v, textColumn,
                idField, batchSize, device, precision, force);
    }

    public ExamplesOptions withTextColumn(String v) {
        return new ExamplesOptions(modelDir, corpus, atlas, checkpoint, layers, segment, top, sample, maxTokens, v,
                idField, batchSize, device, precision, force);
    }

    /** --id-field NAME: every document must have that field (or column). */
    public ExamplesOptions withIdField(String v) {
        return new ExamplesOptions(modelDir, corpus, atlas, checkpoint, layers, segment, top, sample, maxTokens,
                textColumn, DocumentIdField.of(v), batchSize, device, precision, force);
    }

    public ExamplesOptions withRun(String name, int batch, DeviceMode mode, Precision p, boolean forced) {
        return new ExamplesOptions(modelDir, corpus, atlas, name, layers, segment, top, sample, maxTokens,
                textColumn, idField, batch, mode, p, forced);
    }
}

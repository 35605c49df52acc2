package io.neuronatlas.jobs;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.corpus.DocumentIdField;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the examples command was asked, validated where the flags come in: each default and each check is written
 * once, here, and the executors receive the checked values ({@link io.neuronatlas.compute.examples.ExampleSettings}).
 *
 * @param corpus     corpus files or directories (JSON lines, Parquet, text), in corpus order
 * @param checkpoint the checkpoint's name in the atlas (default: the model folder's name), as the map names it
 * @param layers     "all" or a list such as "0-15,20"
 * @param segment    tokens per segment, BOS included; segments never cross documents
 * @param top        examples kept per neuron and sign
 * @param sample     positions sampled uniformly per neuron, from which the quantile-band examples are drawn
 * @param maxTokens  examine only the first N text tokens of the corpus, in corpus order; 0 for all
 * @param textColumn the JSON field or Parquet column of the text
 * @param idField    the documents' id field or column: --id-field's, else "id" where documents have one
 * @param batchSize  segments per forward pass
 * @param force      examine even when the published examples are up to date
 */
public record ExamplesOptions(Path modelDir, List<String> corpus, String atlas, String checkpoint, String layers,
                              int segment, int top, int sample, long maxTokens, String textColumn,
                              DocumentIdField idField, int batchSize, DeviceMode device, Precision precision,
                              boolean force) {
    public static final String ALL_LAYERS = "all";
    public static final int DEFAULT_SEGMENT = 128;
    public static final int DEFAULT_TOP = 32;
    public static final int DEFAULT_SAMPLE = 16;
    /** Every token of the corpus. */
    public static final long ALL_TOKENS = 0;
    public static final String DEFAULT_TEXT_COLUMN = "text";
    public static final int DEFAULT_BATCH_SIZE = 16;
    public static final DeviceMode DEFAULT_DEVICE = DeviceMode.AUTO;
    public static final Precision DEFAULT_PRECISION = Precision.FP32;

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
            checkpoint = AtlasPaths.folderName(modelDir);
        }
        AtlasPaths.checkCheckpointName(checkpoint);
        Objects.requireNonNull(layers, "--layers");
        if (segment < 2) {
            throw new IllegalArgumentException("--segment must be at least 2 tokens, found " + segment);
        }
        if (top < 1) {
            throw new IllegalArgumentException("--top must be positive, found " + top);
        }
        if (sample < 0) {
            throw new IllegalArgumentException("--sample must not be negative, found " + sample);
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("--max-tokens must not be negative, found " + maxTokens);
        }
        if (textColumn == null || textColumn.isBlank()) {
            throw new IllegalArgumentException("--text-column must name a field or column");
        }
        if (idField == null) {
            idField = DocumentIdField.of(null);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be positive, found " + batchSize);
        }
        Objects.requireNonNull(device, "--device");
        Objects.requireNonNull(precision, "--precision");
    }

    /** A builder starting from every default; the command line and Java callers fill it in. */
    public static Builder builder(Path modelDir, String atlas) {
        return new Builder(modelDir, atlas);
    }

    public static final class Builder {
        private Path modelDir;
        private String atlas;
        private final List<String> corpus = new ArrayList<>();
        private String checkpoint;
        private String layers = ALL_LAYERS;
        private int segment = DEFAULT_SEGMENT;
        private int top = DEFAULT_TOP;
        private int sample = DEFAULT_SAMPLE;
        private long maxTokens = ALL_TOKENS;
        private String textColumn = DEFAULT_TEXT_COLUMN;
        /** Null: "id" where a document has one. */
        private String idField;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private DeviceMode device = DEFAULT_DEVICE;
        private Precision precision = DEFAULT_PRECISION;
        private boolean force;

        private Builder(Path modelDir, String atlas) {
            this.modelDir = modelDir;
            this.atlas = atlas;
        }

        public Builder modelDir(Path v) {
            modelDir = v;
            return this;
        }

        public Builder atlas(String v) {
            atlas = v;
            return this;
        }

        /** A corpus file or folder; call again for more, in corpus order. */
        public Builder corpus(String v) {
            corpus.add(v);
            return this;
        }

        public Builder corpus(List<String> v) {
            corpus.addAll(v);
            return this;
        }

        /** The name in the atlas; null names the checkpoint after its folder. */
        public Builder checkpoint(String v) {
            checkpoint = v;
            return this;
        }

        public Builder layers(String v) {
            layers = v;
            return this;
        }

        public Builder segment(int v) {
            segment = v;
            return this;
        }

        public Builder top(int v) {
            top = v;
            return this;
        }

        public Builder sample(int v) {
            sample = v;
            return this;
        }

        public Builder maxTokens(long v) {
            maxTokens = v;
            return this;
        }

        /** A token count as --max-tokens takes it: digits, with _ allowed between them. */
        public Builder maxTokens(String text) {
            try {
                return maxTokens(Long.parseLong(text.replace("_", "").trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--max-tokens must be a whole number, found '" + text + "'");
            }
        }

        public Builder textColumn(String v) {
            textColumn = v;
            return this;
        }

        /** --id-field NAME: every document must have that field (or column). */
        public Builder idField(String v) {
            idField = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder device(DeviceMode v) {
            device = v;
            return this;
        }

        public Builder precision(Precision v) {
            precision = v;
            return this;
        }

        public Builder force(boolean v) {
            force = v;
            return this;
        }

        public ExamplesOptions build() {
            return new ExamplesOptions(modelDir, corpus, atlas, checkpoint, layers, segment, top, sample, maxTokens,
                    textColumn, DocumentIdField.of(idField), batchSize, device, precision, force);
        }
    }
}

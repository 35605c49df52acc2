package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What decides the examples' rows besides the checkpoint's weights: the corpus (its paths and a fingerprint of its
 * files' bytes), how it is read and cut, what is kept, and the map run the agreement is computed against. Batch size
 * and device change how rows are computed, not what they are, so they are left out.
 *
 * @param corpus            the corpus files, as resolved (directories listed), in corpus order
 * @param corpusFingerprint xxh64 over every corpus file's name, size and bytes
 * @param idField           the JSON field or Parquet column of the documents' ids (null in catalogs written before
 *                          examples had document ids, so that those rerun)
 * @param maxTokens         text tokens examined at most (the first ones in corpus order), 0 for all
 * @param precision         fp32 or fp16 activations
 * @param mapRun            the published map run whose top tokens the agreement reads; null when there was none
 */
public record ExamplesParameters(@JsonProperty("corpus") List<String> corpus,
                                 @JsonProperty("corpus_fingerprint") String corpusFingerprint,
                                 @JsonProperty("text_column") String textColumn,
                                 @JsonProperty("id_field") String idField,
                                 @JsonProperty("layers") List<Integer> layers,
                                 @JsonProperty("segment") int segment,
                                 @JsonProperty("top") int top,
                                 @JsonProperty("sample") int sample,
                                 @JsonProperty("max_tokens") long maxTokens,
                                 @JsonProperty("precision") String precision,
                                 @JsonProperty("map_run") String mapRun) implements RunParameters {
    public ExamplesParameters {
        corpus = List.copyOf(corpus);
        layers = layers.stream().sorted().distinct().toList();
        Objects.requireNonNull(corpusFingerprint, "corpusFingerprint");
    }

    @Override
    public String differences(RunParameters parameters) {
        ExamplesParameters other = (ExamplesParameters) parameters;
        return new ParameterDiff()
                .add("corpus", corpus, other.corpus)
                .add("corpus fingerprint", corpusFingerprint, other.corpusFingerprint)
                .add("text_column", textColumn, other.textColumn)
                .add("id_field", idField, other.idField)
                .add("layers", layers, other.layers)
                .add("segment", segment, other.segment)
                .add("top", top, other.top)
                .add("sample", sample, other.sample)
                .add("max_tokens", maxTokens, other.maxTokens)
                .add("precision", precision, other.precision)
                .add("map run", mapRun, other.mapRun).toString();
    }
}

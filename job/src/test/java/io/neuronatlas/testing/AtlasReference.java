package io.neuronatlas.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.LlamaArchitecture;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.NeuronSource;
import io.neuronatlas.checkpoint.safetensors.WeightFiles;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticFamily;
import io.neuronatlas.compute.projection.ReferenceProjection;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * Checks an atlas against the float64 reference computed from the checkpoint's weights. Neuron vectors are cut out
 * of whole tensors here, by index arithmetic on where the synthetic writer put them, not by the reader under test;
 * the head is folded here by the family's rule, not by the checkpoint's.
 *
 * <p>Tolerances, as the issue states them: scores within 1e-4 relative (to the larger of the value and the
 * neuron's max |score|), prob and normalized_prob within 1e-3 relative, statistics within 1e-4 of the scale; top-k
 * ids identical except where the reference's own scores tie within 1e-5.
 */
public final class AtlasReference implements AutoCloseable {
    /** Where a matrix of one MLP of a layer is stored. */
    @FunctionalInterface
    private interface Placements {
        NeuronSource at(WeightFiles weights, MlpMatrix matrix, int layer, String expert) throws IOException;
    }

    private final float[] head; // (vocab, d_model)
    private final float[] bias; // (vocab) or null
    private final double softcap;
    private final int vocab;
    private final int d;
    private final WeightFiles weights;
    private final Placements placements;

    private AtlasReference(Path model, String headTensor, float[] scale, float[] normBias, double softcap,
                           Placements placements) throws IOException {
        weights = WeightFiles.open(model);
        var info = weights.require(headTensor);
        vocab = (int) info.dim(0);
        d = (int) info.dim(1);
        head = new float[vocab * d];
        weights.fileOf(headTensor).readRows(headTensor, 0, vocab, head, 0);
        bias = normBias == null ? null : new float[vocab];
        for (int t = 0; t < vocab; t++) {
            double dot = 0;
            for (int j = 0; j < d; j++) {
                if (normBias != null) {
                    dot += (double) head[t * d + j] * normBias[j]; // U[t]·b with the raw head
                }
                if (scale != null) {
                    head[t * d + j] *= scale[j];
                }
            }
            if (bias != null) {
                bias[t] = (float) dot;
            }
        }
        this.softcap = softcap;
        this.placements = placements;
    }

    /** A Llama-layout checkpoint's reference, its head scaled by foldNorm (the final RMSNorm weight) when given. */
    public AtlasReference(Path model, String headTensor, float[] foldNorm) throws IOException {
        this(model, headTensor, foldNorm, null, 0, (weights, matrix, layer, expert) -> {
            String name = LlamaArchitecture.INSTANCE.mlpWeight(matrix, layer);
            long[] shape = weights.require(name).shape(); // gate, up [d_mlp, d_model]; down [d_model, d_mlp]
            int dMlp = (int) shape[matrix.neuronIsRow() ? 0 : 1];
            return new NeuronSource(name, shape, -1, matrix.neuronIsRow(), 0, 1, dMlp, "");
        });
    }

    /**
     * The reference for a synthetic checkpoint of any family: its head, folded by the family's rule with foldNorm
     * (w, Gemma's 1 + w, a LayerNorm's w and its bias as U·b), and its softcap.
     */
    public static AtlasReference of(SyntheticCheckpoint.Written model, boolean foldNorm) throws IOException {
        SyntheticFamily family = model.family();
        float[] scale = null;
        float[] normBias = null;
        if (foldNorm) {
            scale = vector(model.dir(), family.finalNorm());
            for (int j = 0; j < scale.length; j++) {
                scale[j] = family.onePlusNorm() ? 1 + scale[j] : scale[j];
            }
            normBias = family.layerNorm() ? vector(model.dir(), family.finalNormBias()) : null;
        }
        return new AtlasReference(model.dir(), model.headTensor(), scale, normBias, model.config().logitSoftcap(),
                (weights, matrix, layer, expert) -> model.placement(matrix, layer, expert));
    }

    public static float[] finalNorm(Path model) throws IOException {
        return vector(model, LlamaArchitecture.INSTANCE.finalNorm());
    }

    private static float[] vector(Path model, String name) throws IOException {
        try (WeightFiles w = WeightFiles.open(model)) {
            return w.fileOf(name).readVector(name);
        }
    }

    /** Neuron vectors of one matrix and layer of a dense model, as (d_mlp, d_model) rows. */
    public float[] neurons(MlpMatrix matrix, int layer) throws IOException {
        return neurons(matrix, layer, null);
    }

    /** Neuron vectors of one matrix of one MLP (expert null) or expert of a layer, as (count, d_model) rows. */
    public float[] neurons(MlpMatrix matrix, int layer, String expert) throws IOException {
        NeuronSource at = placements.at(weights, matrix, layer, expert);
        String name = at.tensor();
        float[] all = weights.fileOf(name).readVector(name); // the whole tensor, row-major
        long[] shape = weights.require(name).shape();
        int rows = (int) shape[shape.length - 2];
        int cols = (int) shape[shape.length - 1];
        int base = at.slab() < 0 ? 0 : at.slab() * rows * cols; // the expert's matrix in a stacked tensor
        float[] out = new float[at.count() * d];
        for (int n = 0; n < at.count(); n++) {
            int position = at.offset() + n * at.stride();
            for (int j = 0; j < d; j++) {
                out[n * d + j] = at.neuronIsRow() ? all[base + position * cols + j] : all[base + j * cols + position];
            }
        }
        return out;
    }

    /** The reference projections of one MLP's neurons with the given softcap (0: the raw scores as logits). */
    public ReferenceProjection.Neuron[] projections(MlpMatrix matrix, int layer, String expert, int k,
                                                    double cap) throws IOException {
        float[] x = neurons(matrix, layer, expert);
        return ReferenceProjection.compute(head, vocab, d, x, x.length / d, k, bias, cap);
    }

    /** The largest |U[t]·b| a folded LayerNorm bias adds to a score; 0 without one. */
    public double largestBias() {
        double largest = 0;
        for (int t = 0; bias != null && t < vocab; t++) {
            largest = Math.max(largest, Math.abs(bias[t]));
        }
        return largest;
    }

    /** Asserts every row of both tables for one checkpoint, matrix and layer of a dense model. */
    public int check(String atlas, String checkpoint, MlpMatrix matrix, int layer, int k) throws IOException {
        return check(atlas, checkpoint, matrix, layer, null, k);
    }

    /** Asserts every row of both tables for one checkpoint, matrix, layer and expert; returns neurons checked. */
    public int check(String atlas, String checkpoint, MlpMatrix matrix, int layer, String expert, int k)
            throws IOException {
        float[] x = neurons(matrix, layer, expert);
        int count = x.length / d;
        ReferenceProjection.Neuron[] ref = ReferenceProjection.compute(head, vocab, d, x, count, k, bias, softcap);
        String where = "checkpoint = '" + checkpoint + "' AND matrix = '" + matrix.label() + "' AND layer = " + layer
                + " AND expert " + (expert == null ? "IS NULL" : "= '" + expert + "'");
        List<Row> tokens = TestSpark.session().read().parquet(atlas + "/neuron_tokens").where(where)
                .collectAsList();
        assertEquals(count * 2 * k, tokens.size(), "neuron_tokens rows for " + where);
        for (Row row : tokens) {
            int n = row.getAs("neuron");
            int p = "+".equals(row.getAs("polarity")) ? 0 : 1;
            int r = (Integer) row.getAs("rank") - 1;
            ReferenceProjection.Neuron e = ref[n];
            double scale = Math.max(Math.abs(e.max), Math.abs(e.min));
            int id = row.getAs("token_id");
            String at = matrix.label() + " L" + layer + (expert == null ? "" : " e" + expert) + " n" + n + " "
                    + (p == 0 ? "+" : "-") + " rank " + (r + 1);
            if (id != e.ids[p][r]) {
                double a = e.scores[id];
                double b = e.rankScores[p][r];
                assertTrue(Math.abs(a - b) <= 1e-5 * Math.max(Math.abs(b), scale),
                        at + ": token " + id + " where the reference has " + e.ids[p][r]);
            }
            assertClose(e.scores[id], (Float) row.getAs("score"), 1e-4, scale, at + " score");
            assertClose(e.probs[p][id], (Float) row.getAs("prob"), 1e-3, 0, at + " prob");
            assertClose(e.normProbs[p][id], (Float) row.getAs("normalized_prob"), 1e-3, 0, at + " normalized_prob");
        }
        List<Row> neurons = TestSpark.session().read().parquet(atlas + "/neurons").where(where).collectAsList();
        assertEquals(count, neurons.size(), "neurons rows for " + where);
        Map<Integer, Row> byNeuron = new HashMap<>();
        neurons.forEach(row -> byNeuron.put(row.getAs("neuron"), row));
        for (int n = 0; n < count; n++) {
            Row row = byNeuron.get(n);
            ReferenceProjection.Neuron e = ref[n];
            double scale = Math.max(Math.abs(e.max), Math.abs(e.min));
            String at = matrix.label() + " L" + layer + (expert == null ? "" : " e" + expert) + " n" + n;
            assertClose(e.norm, (Float) row.getAs("norm"), 1e-4, 0, at + " norm");
            assertClose(e.max, (Float) row.getAs("max_score"), 1e-4, scale, at + " max_score");
            assertClose(e.min, (Float) row.getAs("min_score"), 1e-4, scale, at + " min_score");
            assertClose(e.mean, (Float) row.getAs("mean_score"), 1e-4, scale, at + " mean_score");
            assertClose(e.std, (Float) row.getAs("std_score"), 1e-4, scale, at + " std_score");
            assertClose(e.maxAbs, (Float) row.getAs("max_abs_score"), 1e-4, scale, at + " max_abs_score");
            assertClose(e.lse[0], (Float) row.getAs("logsumexp"), 1e-4, scale, at + " logsumexp");
            assertClose(e.entropy, (Float) row.getAs("entropy"), 1e-4, Math.log(vocab), at + " entropy");
            assertEquals(e.ids[0][0], (int) (Integer) row.getAs("top_token_id"), at + " top_token_id");
            assertEquals(e.ids[1][0], (int) (Integer) row.getAs("bottom_token_id"), at + " bottom_token_id");
            assertClose(e.normProbs[0][e.ids[0][0]], (Float) row.getAs("top_normalized_prob"), 1e-3, 0, at + " top np");
        }
        return count;
    }

    @Override
    public void close() throws IOException {
        weights.close();
    }

    private static void assertClose(double expected, double actual, double rel, double scale, String what) {
        double tolerance = rel * Math.max(Math.abs(expected), scale);
        assertTrue(Math.abs(expected - actual) <= tolerance,
                what + ": expected " + expected + " got " + actual + " (tolerance " + tolerance + ")");
    }
}

package io.neuronatlas.checkpoint.synthetic;

import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.MlpMatrix;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A neuron whose vector is built to align with chosen tokens: v = c · Σ w_t · U_t / |U_t|², so its score on
 * token t is about c · w_t while unrelated tokens score near zero. A negative weight makes the token rank first
 * in the '-' polarity.
 *
 * @param expert  the expert it belongs to in a mixture of experts ("0", "shared"), null in a dense MLP
 * @param weights token text → weight, in rank order for the polarity of the weights' sign
 */
public record PlantedNeuron(MlpMatrix matrix, int layer, String expert, int neuron, Map<String, Double> weights) {
    public PlantedNeuron {
        weights = new LinkedHashMap<>(weights);
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("a planted neuron needs at least one token");
        }
        if (expert != null) {
            new MlpBlock(expert, 1); // validates the label
        }
    }

    /** A neuron of a dense MLP. */
    public PlantedNeuron(MlpMatrix matrix, int layer, int neuron, Map<String, Double> weights) {
        this(matrix, layer, null, neuron, weights);
    }

    /** The paper's up_proj " dog" neuron: " dog" first, " puppy" second in the '+' polarity. */
    public static PlantedNeuron dog(int layer, int neuron) {
        return new PlantedNeuron(MlpMatrix.UP, layer, neuron, orderedMap(" dog", 1.0, " puppy", 0.7));
    }

    /** A down_proj neuron anti-aligned with " California": rank 1 of its '-' polarity. */
    public static PlantedNeuron antiCalifornia(int layer, int neuron) {
        return new PlantedNeuron(MlpMatrix.DOWN, layer, neuron, orderedMap(" California", -1.0));
    }

    /**
     * A census prediction neuron (Gurnee et al.): a down_proj column along one token's head row, so its cosines with
     * the unembedding are one outlier at +1 over a near-Gaussian background: high kurtosis, positive skew. The
     * kurtosis passes the census's 10 when d_model² / vocab is large enough (d_model 128, vocab 1,024: about 15).
     */
    public static PlantedNeuron prediction(int layer, int neuron, String token) {
        return new PlantedNeuron(MlpMatrix.DOWN, layer, neuron, orderedMap(token, 1.0));
    }

    /** A census suppression neuron: as {@link #prediction}, against the token's row (negative skew). */
    public static PlantedNeuron suppression(int layer, int neuron, String token) {
        return new PlantedNeuron(MlpMatrix.DOWN, layer, neuron, orderedMap(token, -1.0));
    }

    /** The same neuron in another expert (null: the dense MLP). */
    public PlantedNeuron inExpert(String label) {
        return new PlantedNeuron(matrix, layer, label, neuron, weights);
    }

    /** The same tokens planted in another matrix. */
    public PlantedNeuron inMatrix(MlpMatrix other) {
        return new PlantedNeuron(other, layer, expert, neuron, weights);
    }

    private static Map<String, Double> orderedMap(Object... pairs) {
        Map<String, Double> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (Double) pairs[i + 1]);
        }
        return map;
    }
}

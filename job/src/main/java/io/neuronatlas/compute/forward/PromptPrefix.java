package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * One unclamped pass over a prompt, kept for the clamp sweeps of several neurons: the residual stream after each
 * layer that holds a swept neuron, those neurons' activations at every position, the keys and values of every layer
 * (for sweeps of scope LAST) and the baseline logits.
 *
 * <p>Memory: (layers with neurons) × positions × d_model for residuals plus 2 × layers × positions × kv_heads ×
 * head_dim for the cache, at the model's precision: under 2 MB for a short prompt on Llama-3.2-1B; families with a
 * norm after the MLP (Gemma-2/3, OLMo-2) also keep (layers with neurons) × positions × (d_mlp + d_model). Close it
 * to free them. Expert neurons add the weight of their expert's output at each position (positions floats).
 */
public final class PromptPrefix implements AutoCloseable {
    private final int[] prompt;
    private final NDManager manager;
    private final Map<Integer, NDArray> residuals; // layer → (1, positions, d_model) after that layer
    private final Map<Integer, NDArray[]> mlps; // layer → its activation (1, positions, d_mlp), residual before MLP
    private final Map<NeuronRef, float[]> activations; // neuron → (positions)
    private final Map<NeuronRef, float[]> outputWeights; // expert neuron → (positions) its expert's output weight
    private final KvCache cache;
    private final float[] baselineLogits; // (vocab)

    PromptPrefix(int[] prompt, NDManager manager, Map<Integer, NDArray> residuals, Map<Integer, NDArray[]> mlps,
                 Map<NeuronRef, float[]> activations, Map<NeuronRef, float[]> outputWeights, KvCache cache,
                 float[] baselineLogits) {
        this.mlps = Map.copyOf(mlps);
        this.prompt = prompt.clone();
        this.manager = manager;
        this.residuals = Map.copyOf(residuals);
        this.activations = Map.copyOf(activations);
        this.outputWeights = Map.copyOf(outputWeights);
        this.cache = cache;
        this.baselineLogits = baselineLogits;
    }

    public int[] prompt() {
        return prompt.clone();
    }

    public int length() {
        return prompt.length;
    }

    /** The neurons this prefix can sweep. */
    public Set<NeuronRef> neurons() {
        return activations.keySet();
    }

    /** The neuron's unclamped activation at the prompt's last position. */
    public double naturalActivation(NeuronRef neuron) {
        float[] a = activations(neuron);
        return a[a.length - 1];
    }

    /** The neuron's unclamped activation at every position. */
    float[] activations(NeuronRef neuron) {
        float[] a = activations.get(neuron);
        if (a == null) {
            throw new IllegalArgumentException("neuron " + neuron + " was not among the neurons this prompt's "
                    + "prefix was computed for " + activations.keySet());
        }
        return a;
    }

    /**
     * What an expert neuron's expert's output is weighted by at each position: the router's weight, 0 where the token
     * is not routed to it, or the shared expert's gate; null for a dense MLP's neuron (weight 1).
     */
    float[] outputWeights(NeuronRef neuron) {
        return outputWeights.get(neuron);
    }

    /** x_{l+1}: (1, positions, d_model), owned by this prefix; use only as a right operand or through a view. */
    NDArray residualAfter(int layer) {
        return residuals.get(layer);
    }

    /**
     * The MLP activation (1, positions, d_mlp) and the residual it is added to (1, positions, d_model) of a layer
     * whose MLP output is normed, so a clamp there is recomputed rather than a rank-1 update.
     */
    NDArray[] mlpAt(int layer) {
        return mlps.get(layer);
    }

    KvCache cache() {
        return cache;
    }

    float[] baselineLogits() {
        return baselineLogits;
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "PromptPrefix" + Arrays.toString(prompt) + " for " + activations.keySet();
    }
}

package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.neuronatlas.checkpoint.ForwardConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Clamp sweeps the efficient way. Per prompt one unclamped pass ({@link #prefix}) is shared by every neuron swept on
 * it. Per neuron all values run as one batch from the neuron's layer on: clamping neuron n of layer L at value v
 * changes that layer's output by exactly (v − a_n)·W_down[:, n] at the clamped positions (a_n the natural
 * activation), so the batch starts from the stored residual plus that rank-1 update and runs layers L+1 onwards. Scope
 * ALL recomputes every position from there; scope LAST only the last, attending to the stored keys and values of the
 * others, which the clamp does not change.
 *
 * <p>Results equal full passes with the clamp applied inside the MLP ({@link ForwardPass}) up to float rounding.
 * Thread-safe: prefixes are read-only and each sweep has its own scope.
 */
public final class ClampSweeper {
    /** Batch rows (values × positions) per chunk: bounds the activations a chunk holds (rows × d_mlp × 3). */
    static final int ROW_BUDGET = 4096;

    private final DecoderStack stack;
    private final ForwardConfig config;

    public ClampSweeper(DecoderModel model) {
        this.stack = new DecoderStack(model);
        this.config = model.config();
    }

    /** Sweeps several neurons on one prompt, sharing one prefix pass. */
    public List<ClampSweep> sweep(int[] prompt, List<NeuronRef> neurons, double[] values, int target,
                                  ClampScope scope) {
        try (PromptPrefix prefix = prefix(prompt, neurons)) {
            List<ClampSweep> sweeps = new ArrayList<>();
            for (NeuronRef neuron : neurons) {
                sweeps.add(sweep(prefix, neuron, values, target, scope));
            }
            return sweeps;
        }
    }

    /**
     * The unclamped pass over a prompt, keeping what sweeps of these neurons need.
     *
     * @throws IllegalArgumentException for a bad prompt or a neuron outside the model
     */
    public PromptPrefix prefix(int[] prompt, Collection<NeuronRef> neurons) {
        Prompts.check(config, new int[][] {prompt}, 0);
        Map<Integer, List<NeuronRef>> byLayer = new HashMap<>();
        for (NeuronRef n : new LinkedHashSet<>(neurons)) {
            byLayer.computeIfAbsent(n.requireIn(config.model()).layer(), l -> new ArrayList<>()).add(n);
        }
        NDManager manager = stack.model().newSubManager();
        try {
            KvCache cache = KvCache.open(manager, config.model().layers());
            Map<Integer, NDArray> residuals = new HashMap<>();
            Map<NeuronRef, float[]> activations = new HashMap<>();
            float[] baseline;
            try (NDManager scope = manager.newSubManager()) {
                DecoderStack.Step step = stack.step(scope, 0, prompt.length);
                NDArray x = stack.embed(scope, new int[][] {prompt});
                for (int l = 0; l < config.model().layers(); l++) {
                    NDArray h = stack.attention(l, x, step, cache, scope);
                    NDArray activation = stack.activation(l, h);
                    x = h.add(stack.mlpOutput(l, activation));
                    for (NeuronRef n : byLayer.getOrDefault(l, List.of())) {
                        activations.put(n, activation.get(new NDIndex("0, :, {}", n.index()))
                                .toType(DataType.FLOAT32, false).toFloatArray());
                    }
                    if (byLayer.containsKey(l)) {
                        NDArray kept = x.duplicate();
                        kept.attach(manager);
                        residuals.put(l, kept);
                    }
                }
                cache.advance(prompt.length);
                baseline = stack.logits(x).toFloatArray();
            }
            return new PromptPrefix(prompt, manager, residuals, activations, cache, baseline);
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    /**
     * One neuron's curve: the prediction at each clamp value, the baseline and the natural activation.
     *
     * @param prefix from {@link #prefix} with this neuron among its neurons
     */
    public ClampSweep sweep(PromptPrefix prefix, NeuronRef neuron, double[] values, int target, ClampScope scope) {
        Prompts.checkTarget(config, target);
        if (values.length == 0) {
            throw new IllegalArgumentException("no clamp values to sweep");
        }
        float[] natural = prefix.activations(neuron);
        int positions = prefix.length();
        int rowsPerValue = scope == ClampScope.ALL ? positions : 1;
        int chunk = Math.max(1, ROW_BUDGET / rowsPerValue);
        List<SweepPoint> points = new ArrayList<>(values.length);
        NextTokenStats baseline;
        try (NDManager scopeManager = stack.model().newSubManager()) {
            baseline = TokenStatistics.of(scopeManager.create(prefix.baselineLogits(),
                    new Shape(1, config.model().vocab())), target)[0];
        }
        for (int from = 0; from < values.length; from += chunk) {
            int count = Math.min(chunk, values.length - from);
            try (NDManager scopeManager = stack.model().newSubManager()) {
                NDArray logits = clampedLogits(scopeManager, prefix, neuron, natural, values, from, count, scope);
                NextTokenStats[] stats = TokenStatistics.of(logits, target);
                for (int i = 0; i < count; i++) {
                    points.add(new SweepPoint(values[from + i], stats[i]));
                }
            }
        }
        return new ClampSweep(neuron, scope, target, positions, natural[positions - 1], baseline, points);
    }

    /** (count, vocab) logits with the neuron clamped at values[from .. from + count). */
    private NDArray clampedLogits(NDManager scope, PromptPrefix prefix, NeuronRef neuron, float[] natural,
                                  double[] values, int from, int count, ClampScope clampScope) {
        int positions = prefix.length();
        int first = clampScope == ClampScope.ALL ? 0 : positions - 1; // first recomputed position
        int rows = positions - first;
        float[] delta = new float[count * rows];
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < rows; p++) {
                delta[i * rows + p] = (float) (values[from + i] - natural[first + p]);
            }
        }
        NDArray written = stack.model().layer(neuron.layer()).down().get(neuron.index()); // (d_model)
        written.attach(scope);
        NDArray residual = prefix.residualAfter(neuron.layer()).get(new NDIndex(":, {}:, :", first));
        residual.attach(scope);
        NDArray x = scope.create(delta, new Shape(count, rows, 1)).toType(written.getDataType(), false)
                .mul(written).add(residual); // (count, rows, d_model)
        DecoderStack.Step step = stack.step(scope, first, rows);
        KvCache past = first == 0 ? null : prefix.cache().frozen(first, scope);
        for (int l = neuron.layer() + 1; l < config.model().layers(); l++) {
            x = stack.layer(l, x, step, past, ActivationHook.NONE, scope);
        }
        return stack.logits(x);
    }
}

package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.MlpBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Clamp sweeps the efficient way. Per prompt one unclamped pass ({@link #prefix}) is shared by every neuron swept on
 * it. Clamping neuron n of layer L at value v changes that layer's output by exactly (v − a_n)·W_down[:, n] at the
 * clamped positions (a_n the natural activation), so a clamped row starts from the stored residual plus that rank-1
 * update and runs layers L+1 onwards (where a norm follows the MLP, Gemma-2/3 and OLMo-2, the row's layer-L MLP
 * output is recomputed from the stored activation instead). All values of all neurons of a prompt run as one batch:
 * rows join it after their neuron's layer, so the layers above several neurons multiply one tall matrix instead of
 * one per neuron, and the head runs once for every row. Scope ALL recomputes every position, except in the final
 * layer, where only the last position's output reaches the logits; scope LAST recomputes only the last position,
 * attending to the stored keys and values of the others, which the clamp does not change.
 *
 * <p>A mixture of experts sweeps the same way. A clamp leaves its own layer's router alone (it reads the MLP's input),
 * so an expert neuron's update is the rank-1 one weighted at each position by what the expert's output is weighted by
 * there: the router's weight (0 where the token is not routed to the expert) or the shared expert's gate. The routers
 * above it read the clamped residual, so each batch row is routed on its own there, as in a full pass.
 *
 * <p>Results equal full passes with the clamp applied inside the MLP ({@link ForwardPass}) up to float rounding.
 * Thread-safe: prefixes are read-only and each sweep has its own scope.
 */
public final class ClampSweeper {
    /**
     * Batch rows (values × positions, over all neurons) per chunk: bounds the activations a layer holds (rows ×
     * d_mlp × 3 floats, 400 MB on Llama-3.2-1B); a layer's temporaries are freed before the next.
     */
    static final int ROW_BUDGET = 4096;

    private final DecoderStack stack;
    private final ForwardConfig config;

    public ClampSweeper(DecoderModel model) {
        this.stack = new DecoderStack(model);
        this.config = model.config();
    }

    /** Sweeps several neurons on one prompt, sharing one prefix pass and one batch. */
    public List<ClampSweep> sweep(int[] prompt, List<NeuronRef> neurons, double[] values, int target,
                                  ClampScope scope) {
        try (PromptPrefix prefix = prefix(prompt, neurons)) {
            return sweep(prefix, neurons, values, target, scope);
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
            Map<Integer, NDArray[]> mlps = new HashMap<>();
            Map<NeuronRef, float[]> activations = new HashMap<>();
            Map<NeuronRef, float[]> outputWeights = new HashMap<>();
            ActivationHook keep = new ActivationHook() {
                @Override
                public void onActivation(int layer, NDArray activation, NDArray residual, DecoderStack.Step step) {
                    for (NeuronRef n : byLayer.getOrDefault(layer, List.of())) {
                        activations.put(n, activation.get(new NDIndex("0, :, {}", n.index()))
                                .toType(DataType.FLOAT32, false).toFloatArray());
                    }
                    if (byLayer.containsKey(layer) && !stack.clampIsRankOne(layer)) {
                        mlps.put(layer, new NDArray[] {kept(activation, manager), kept(residual, manager)});
                    }
                }

                /**
                 * An expert's activation, NaN at the positions not routed to it, which the expert never sees, and the
                 * router's weight of its output at each position.
                 */
                @Override
                public void onExpertActivation(int layer, String expert, NDArray activation, NDArray routed,
                                               DecoderStack.Step step) {
                    float[] weights = routed == null ? null : routed.toType(DataType.FLOAT32, false).toFloatArray();
                    for (NeuronRef n : byLayer.getOrDefault(layer, List.of())) {
                        if (expert.equals(n.expert())) {
                            float[] a = activation.get(new NDIndex("0, :, {}", n.index()))
                                    .toType(DataType.FLOAT32, false).toFloatArray();
                            for (int p = 0; weights != null && p < a.length; p++) {
                                a[p] = weights[p] == 0 ? Float.NaN : a[p];
                            }
                            activations.put(n, a);
                            if (weights != null) {
                                outputWeights.put(n, weights);
                            }
                        }
                    }
                }

                @Override
                public void onSharedExpertGate(int layer, NDArray gate) {
                    for (NeuronRef n : byLayer.getOrDefault(layer, List.of())) {
                        if (MlpBlock.SHARED.equals(n.expert())) {
                            outputWeights.put(n, gate.toType(DataType.FLOAT32, false).toFloatArray());
                        }
                    }
                }

                @Override
                public NDArray afterLayer(int layer, NDArray x, NDManager scope) {
                    if (byLayer.containsKey(layer)) {
                        residuals.put(layer, kept(x, manager));
                    }
                    return x;
                }
            };
            float[] baseline;
            try (NDManager scope = manager.newSubManager()) {
                DecoderStack.Step step = stack.step(scope, 0, prompt.length);
                NDArray x = stack.layers(stack.embed(scope, new int[][] {prompt}, 0), 0, config.model().layers(),
                        step, cache, keep, scope, false);
                cache.advance(prompt.length);
                baseline = stack.logits(x).toFloatArray();
            }
            for (List<NeuronRef> layer : byLayer.values()) {
                for (NeuronRef n : layer) {
                    if (!activations.containsKey(n)) { // an expert no token of the prompt is routed to
                        float[] none = new float[prompt.length];
                        Arrays.fill(none, Float.NaN);
                        activations.put(n, none);
                        outputWeights.put(n, new float[prompt.length]);
                    }
                }
            }
            return new PromptPrefix(prompt, manager, residuals, mlps, activations, outputWeights, cache,
                    baseline);
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    private static NDArray kept(NDArray x, NDManager owner) {
        NDArray copy = x.duplicate();
        copy.attach(owner);
        return copy;
    }

    /**
     * One neuron's curve: the prediction at each clamp value, the baseline and the natural activation.
     *
     * @param prefix from {@link #prefix} with this neuron among its neurons
     */
    public ClampSweep sweep(PromptPrefix prefix, NeuronRef neuron, double[] values, int target, ClampScope scope) {
        return sweep(prefix, List.of(neuron), values, target, scope).get(0);
    }

    /**
     * The curves of several neurons on the prefix's prompt, in the order given, computed as one batch.
     *
     * @param prefix from {@link #prefix} with these neurons among its neurons
     */
    public List<ClampSweep> sweep(PromptPrefix prefix, List<NeuronRef> neurons, double[] values, int target,
                                  ClampScope scope) {
        Prompts.checkTarget(config, target);
        if (values.length == 0) {
            throw new IllegalArgumentException("no clamp values to sweep");
        }
        int positions = prefix.length();
        NextTokenStats baseline;
        try (NDManager scopeManager = stack.model().newSubManager()) {
            baseline = TokenStatistics.of(scopeManager.create(prefix.baselineLogits(),
                    new Shape(1, config.model().vocab())), target)[0];
        }
        List<Curve> curves = new ArrayList<>(neurons.size());
        for (NeuronRef neuron : neurons) {
            curves.add(new Curve(neuron, prefix.activations(neuron), new NextTokenStats[values.length]));
        }
        int rowsPerValue = scope == ClampScope.ALL ? positions : 1;
        for (List<Slice> chunk : chunks(curves, values.length, Math.max(1, ROW_BUDGET / rowsPerValue))) {
            try (NDManager scopeManager = stack.model().newSubManager()) {
                NextTokenStats[] stats = TokenStatistics.of(clampedLogits(scopeManager, prefix, chunk, values,
                        scope), target);
                int row = 0;
                for (Slice slice : chunk) {
                    System.arraycopy(stats, row, slice.curve.stats, slice.from, slice.count);
                    row += slice.count;
                }
            }
        }
        List<ClampSweep> sweeps = new ArrayList<>(curves.size());
        for (Curve c : curves) {
            List<SweepPoint> points = new ArrayList<>(values.length);
            for (int i = 0; i < values.length; i++) {
                points.add(new SweepPoint(values[i], c.stats[i]));
            }
            sweeps.add(new ClampSweep(c.neuron, scope, target, positions, c.natural[positions - 1], baseline,
                    points));
        }
        return sweeps;
    }

    /** A neuron's curve being filled: its natural activations (positions) and one prediction per value. */
    private record Curve(NeuronRef neuron, float[] natural, NextTokenStats[] stats) {
    }

    /** Values [from, from + count) of one curve: count batch rows. */
    private record Slice(Curve curve, int from, int count) {
    }

    /**
     * Every (neuron, value) once, cut into chunks of at most valuesPerChunk values, each chunk's slices in ascending
     * layer order (the order its rows join the batch).
     */
    private static List<List<Slice>> chunks(List<Curve> curves, int values, int valuesPerChunk) {
        List<Curve> byLayer = new ArrayList<>(curves);
        byLayer.sort(Comparator.comparingInt(c -> c.neuron.layer()));
        List<List<Slice>> chunks = new ArrayList<>();
        List<Slice> chunk = new ArrayList<>();
        int room = valuesPerChunk;
        for (Curve c : byLayer) {
            for (int from = 0; from < values; ) {
                int count = Math.min(room, values - from);
                chunk.add(new Slice(c, from, count));
                from += count;
                room -= count;
                if (room == 0) {
                    chunks.add(chunk);
                    chunk = new ArrayList<>();
                    room = valuesPerChunk;
                }
            }
        }
        if (!chunk.isEmpty()) {
            chunks.add(chunk);
        }
        return chunks;
    }

    /** (rows, vocab) logits of a chunk, rows in slice order. */
    private NDArray clampedLogits(NDManager scope, PromptPrefix prefix, List<Slice> chunk, double[] values,
                                  ClampScope clampScope) {
        int positions = prefix.length();
        int first = clampScope == ClampScope.ALL ? 0 : positions - 1; // first recomputed position
        int rows = positions - first;
        int layers = config.model().layers();
        DecoderStack.Step step = stack.step(scope, first, rows);
        KvCache past = first == 0 ? null : prefix.cache().frozen(first, scope);
        // Rows join the batch (batch rows so far, positions, d_model) after their neuron's layer; past the final
        // layer only the last position is left, and only it is needed of rows joining there.
        ActivationHook joining = new ActivationHook() {
            private int next;

            @Override
            public boolean seesExperts() {
                return false;
            }

            @Override
            public NDArray afterLayer(int layer, NDArray x, NDManager s) {
                int from = layer == layers - 1 ? positions - 1 : first;
                while (next < chunk.size() && chunk.get(next).curve.neuron.layer() == layer) {
                    x = join(s, x, clampedRows(s, prefix, chunk.get(next++), values, from));
                }
                return x;
            }
        };
        int start = chunk.get(0).curve.neuron.layer();
        NDArray x = joining.afterLayer(start, null, scope);
        return stack.logits(stack.layers(x, start + 1, layers, step, past, joining, scope, true));
    }

    /**
     * A slice's batch rows at positions [from, positions): the stored residual after its layer, clamped. The update
     * at a position is (v − a)·W_down[n], times the weight of the neuron's expert's output there (0 where the token is
     * not routed to it, whose activation is NaN).
     */
    private NDArray clampedRows(NDManager scope, PromptPrefix prefix, Slice slice, double[] values, int from) {
        NeuronRef neuron = slice.curve.neuron;
        if (!stack.clampIsRankOne(neuron.layer())) {
            if (stack.isMixture(neuron.layer())) {
                throw new IllegalStateException("layer " + neuron.layer() + " norms its mixture's output: no family "
                        + "the sweep knows does, and its clamp is not a rank-1 update");
            }
            return renormed(scope, prefix, slice, values, from);
        }
        int rows = prefix.length() - from;
        float[] weights = prefix.outputWeights(neuron); // null: a dense MLP, weight 1
        float[] delta = new float[slice.count * rows];
        for (int i = 0; i < slice.count; i++) {
            for (int p = 0; p < rows; p++) {
                float weight = weights == null ? 1 : weights[from + p];
                delta[i * rows + p] = weight == 0 ? 0
                        : (float) (weight * (values[slice.from + i] - slice.curve.natural[from + p]));
            }
        }
        NDArray written = stack.model().layer(neuron.layer()).downOf(neuron.expert()).get(neuron.index()); // (d)
        written.attach(scope);
        NDArray residual = prefix.residualAfter(neuron.layer()).get(new NDIndex(":, {}:, :", from));
        residual.attach(scope);
        return scope.create(delta, new Shape(slice.count, rows, 1)).toType(written.getDataType(), false)
                .mul(written).add(residual); // (count, rows, d_model)
    }

    /**
     * Where a norm follows the MLP (Gemma-2/3, OLMo-2) a clamp's effect is not a rank-1 update: the layer's MLP output
     * is recomputed from the stored activations with the neuron set, and added to the stored residual.
     */
    private NDArray renormed(NDManager scope, PromptPrefix prefix, Slice slice, double[] values, int from) {
        NeuronRef neuron = slice.curve.neuron;
        int rows = prefix.length() - from;
        NDArray[] stored = prefix.mlpAt(neuron.layer()); // activation (1, positions, d_mlp), residual (1, ., d)
        NDArray activation = stored[0].get(new NDIndex(":, {}:, :", from));
        activation.attach(scope);
        NDArray residual = stored[1].get(new NDIndex(":, {}:, :", from));
        residual.attach(scope);
        NDArray clamped = activation.broadcast(new Shape(slice.count, rows, activation.getShape().get(2)))
                .duplicate(); // (count, rows, d_mlp)
        float[] set = new float[slice.count * rows];
        for (int i = 0; i < slice.count; i++) {
            Arrays.fill(set, i * rows, (i + 1) * rows, (float) values[slice.from + i]);
        }
        clamped.set(new NDIndex(":, :, {}", neuron.index()), scope.create(set, new Shape(slice.count, rows))
                .toType(clamped.getDataType(), false));
        return residual.add(stack.mlpOutput(neuron.layer(), clamped));
    }

    private static NDArray join(NDManager scope, NDArray x, NDArray rows) {
        if (x == null) {
            return rows;
        }
        NDArray joined = NDArrays.concat(new NDList(x, rows), 0);
        joined.attach(scope);
        x.close();
        rows.close();
        return joined;
    }
}

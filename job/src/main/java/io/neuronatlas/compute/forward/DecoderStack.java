package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.neuronatlas.checkpoint.DecoderBlock;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.LayerAttention;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.NormKind;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The decoder, written once for every family: one layer loop ({@link #layers}) that takes a hook and a KV cache and
 * runs layers from..to, and the layer's math with Hugging Face semantics, where each family's differences are the
 * data of its {@link io.neuronatlas.checkpoint.DecoderLayout} (which norms a layer has and of what kind, q/k norms,
 * parallel residual, partial or learned positions, query scale, soft-capping, sliding windows, per-layer rotary
 * bases, biases, attention sinks, fused projections already cut apart by {@link DecoderModel}, the experts' gated
 * unit). Norm statistics in float32 (RMSNorm x / sqrt(mean(x²) + eps), LayerNorm (x − mean) / sqrt(var + eps)),
 * rotary embeddings in rotate_half layout, grouped-query attention with an additive mask (causal, and windowed on
 * sliding layers) and a float32 softmax.
 *
 * <p>Every result is created from an operand in the caller's scope (weights are always right operands; views of the
 * model's or a cache's arrays are attached to the scope), so closing the scope frees everything a pass made.
 */
final class DecoderStack {
    /** What transformers adds for masked positions: the most negative float, so exp() gives exactly 0. */
    private static final float MASKED = -Float.MAX_VALUE;
    /** GptOssExperts' alpha and limit, constants of its modeling code (config.json's swiglu_limit is not read). */
    private static final float SWIGLU_ALPHA = 1.702f;
    private static final float SWIGLU_LIMIT = 7f;

    private final DecoderModel model;
    private final ForwardConfig config;
    private final DecoderBlock block;
    private final Rotary[] rotaries; // [0] rope_theta, [1] the local base; empty for learned positions
    private final int rotaryDim;
    private final int[] windows; // distinct sliding windows of the layers, 0 for causal
    private final DataType dtype;
    private final boolean rmsWeightInFloat32; // Gemma's 1 + w and gpt-oss's w before the cast, Llama's after it

    DecoderStack(DecoderModel model) {
        this.model = model;
        this.config = model.config();
        this.block = config.block();
        this.rotaryDim = block.rotaryDim(config.headDim());
        this.rotaries = rotaryDim == 0 ? new Rotary[0] : config.localRope() != null
                ? new Rotary[] {new Rotary(config), new Rotary(rotaryDim, config.localRope().theta(),
                        config.localRope().scaling(), config.maxPositions())}
                : new Rotary[] {new Rotary(config)};
        TreeSet<Integer> distinct = new TreeSet<>();
        config.layerAttention().forEach(a -> distinct.add(a.window()));
        this.windows = distinct.stream().mapToInt(Integer::intValue).toArray();
        this.dtype = model.precision().dataType();
        this.rmsWeightInFloat32 = config.norm() == NormKind.RMS_PLUS_ONE || config.layout().rmsWeightInFloat32();
    }

    DecoderModel model() {
        return model;
    }

    /**
     * Positions [start, start + length) of one forward call, with what the layers share: cos and sin (length,
     * rotary dim) per rotary base and the mask (length, start + length) over the cached and new positions per
     * window.
     */
    record Step(int start, int length, NDArray[] cos, NDArray[] sin, Map<Integer, NDArray> masks) {
        /** The last position of this step alone: its rotation and its row of each mask. */
        Step last() {
            NDIndex row = new NDIndex("{}:, :", length - 1);
            NDArray[] c = new NDArray[cos.length];
            NDArray[] s = new NDArray[sin.length];
            for (int i = 0; i < c.length; i++) {
                c[i] = cos[i].get(row);
                s[i] = sin[i].get(row);
            }
            Map<Integer, NDArray> m = new HashMap<>();
            masks.forEach((w, mask) -> m.put(w, mask.get(row)));
            return new Step(start + length - 1, 1, c, s, m);
        }
    }

    Step step(NDManager scope, int start, int length) {
        NDArray[] cos = new NDArray[rotaries.length];
        NDArray[] sin = new NDArray[rotaries.length];
        for (int r = 0; r < rotaries.length; r++) {
            float[][] cosSin = rotaries[r].cosSin(start, length);
            cos[r] = toModel(scope.create(cosSin[0], new Shape(length, rotaryDim)));
            sin[r] = toModel(scope.create(cosSin[1], new Shape(length, rotaryDim)));
        }
        int keys = start + length;
        Map<Integer, NDArray> masks = new HashMap<>();
        for (int window : windows) {
            float[] mask = new float[length * keys];
            for (int i = 0; i < length; i++) {
                int query = start + i;
                for (int j = 0; j < keys; j++) {
                    if (j > query || (window > 0 && j <= query - window)) {
                        mask[i * keys + j] = MASKED;
                    }
                }
            }
            masks.put(window, scope.create(mask, new Shape(length, keys)));
        }
        return new Step(start, length, cos, sin, masks);
    }

    /**
     * (batch, positions, d_model): the embedding rows of equally long sequences at positions [start, ...), scaled
     * (Gemma: by √d_model in the model's precision, as transformers) and plus learned positions (GPT-2).
     */
    NDArray embed(NDManager scope, int[][] ids, int start) {
        int batch = ids.length;
        int length = ids[0].length;
        long[] flat = new long[batch * length];
        for (int b = 0; b < batch; b++) {
            for (int p = 0; p < length; p++) {
                flat[b * length + p] = ids[b][p];
            }
        }
        NDArray rows = model.embedding().get(new NDIndex("{}", scope.create(flat)));
        rows.attach(scope);
        NDArray x = rows.reshape(batch, length, config.model().dModel());
        if (block.embedScale() != 1) {
            x = x.mul(toModel(scope.create((float) block.embedScale())));
        }
        if (model.positions() != null) {
            NDArray learned = model.positions().get(new NDIndex("{}:{}", start, start + length));
            learned.attach(scope);
            x = x.add(learned);
        }
        return x;
    }

    /** One step of a pass, given the scope its temporaries go to. */
    @FunctionalInterface
    interface LayerStep {
        NDArray apply(NDArray x, NDManager layerScope);
    }

    /**
     * Runs a step on x in a scope of its own and moves only its output to scope: x and every temporary (rows ×
     * d_mlp floats each) are freed before the next layer, instead of every layer's staying until the pass ends.
     */
    static NDArray freeingTemporaries(NDArray x, NDManager scope, LayerStep step) {
        try (NDManager layerScope = scope.newSubManager()) {
            x.attach(layerScope);
            NDArray out = step.apply(x, layerScope);
            out.attach(scope);
            return out;
        }
    }

    /**
     * The layer loop, the only one: layers [from, to) on x (batch, positions, d_model), each in a scope of its own,
     * keys and values through cache when there is one, the hook seeing each MLP activation and each layer's output.
     * With lastPositionFinal, the model's final layer (when it is to − 1) computes only the last position, which is
     * all the logits read: (batch, 1, d_model) comes out.
     */
    NDArray layers(NDArray x, int from, int to, Step step, KvCache cache, ActivationHook hook, NDManager scope,
                   boolean lastPositionFinal) {
        for (int l = from; l < to; l++) {
            int layer = l;
            boolean lastOnly = lastPositionFinal && l == config.model().layers() - 1 && x.getShape().get(1) > 1;
            x = freeingTemporaries(x, scope, (in, ls) -> layer(layer, in, step, cache, hook, ls, lastOnly));
            x = hook.afterLayer(l, x, scope);
        }
        return x;
    }

    /**
     * x_{l+1} from x_l: attention, then the MLP with the hook between act(gate)·up and down_proj. With lastOnly,
     * keys and values still come from every position, but queries, o_proj and the MLP run at the last one only.
     */
    private NDArray layer(int l, NDArray x, Step step, KvCache cache, ActivationHook hook, NDManager scope,
                          boolean lastOnly) {
        LayerWeights w = model.layer(l);
        NDArray attended = norm(attention(l, norm(x, w.attnIn()), step, cache, scope, lastOnly), w.attnOut());
        NDArray residual = lastOnly ? x.get(new NDIndex(":, {}:, :", x.getShape().get(1) - 1)) : x;
        NDArray h = residual.add(attended);
        // Parallel residual (GPT-NeoX): the MLP reads the layer's input, not the attention's output.
        NDArray mlpIn = norm(block.parallelResidual() ? residual : h, w.mlpIn());
        if (w.mixture() != null) {
            return h.add(norm(mixture(l, w.mixture(), mlpIn, hook, lastOnly ? step.last() : step), w.mlpOut()));
        }
        NDArray activation = activation(l, mlpIn);
        hook.onActivation(l, activation, h, lastOnly ? step.last() : step);
        return h.add(mlpOutput(l, activation));
    }

    /**
     * o_proj(attention(normed)): (batch, positions, d_model); keys and values go through cache when there is one.
     * With lastQuery, only the last position queries and its row is returned.
     */
    private NDArray attention(int l, NDArray normed, Step step, KvCache cache, NDManager scope, boolean lastQuery) {
        LayerWeights w = model.layer(l);
        LayerAttention kind = config.layerAttention().get(l);
        int rope = kind.localRope() ? 1 : 0;
        long batch = normed.getShape().get(0);
        long positions = normed.getShape().get(1);
        int heads = config.heads();
        int kvHeads = config.kvHeads();
        int hd = config.headDim();
        int group = config.queriesPerKvHead();
        NDArray k = rotate(queryOrKey(normed, w.k(), w.kBias(), w.kNorm(), batch, positions, kvHeads), step, rope);
        Step queries = lastQuery ? step.last() : step;
        long length = queries.length();
        NDArray queried = lastQuery ? normed.get(new NDIndex(":, {}:, :", positions - 1)) : normed;
        NDArray q = rotate(queryOrKey(queried, w.q(), w.qBias(), w.qNorm(), batch, length, heads), queries, rope);
        NDArray v = heads(project(normed, w.v(), w.vBias()), batch, positions, kvHeads);
        NDArray[] kv = cache == null ? new NDArray[] {k, v} : cache.extend(l, k, v, scope);
        long keys = kv[0].getShape().get(2);
        NDArray keysT = kv[0].transpose(0, 1, 3, 2); // (b, kv, hd, t)
        keysT.attach(scope);
        // Query heads h·group .. h·group+group-1 share kv head h: fold them into the positions axis.
        NDArray scores = q.reshape(batch, kvHeads, group * length, hd).matMul(keysT)
                .mul(block.queryScale()); // (b, kv, g·s, t)
        if (block.attentionSoftcap() > 0) {
            scores = softcap(scores, block.attentionSoftcap());
        }
        NDArray logits = toFloat32(scores).reshape(batch, kvHeads, group, length, keys)
                .add(queries.masks().get(kind.window()));
        NDArray probs = w.sinks() == null ? logits.softmax(-1) : softmaxWithSinks(logits, w.sinks());
        NDArray mixed = toModel(probs).reshape(batch, kvHeads, group * length, keys).matMul(kv[1]);
        NDArray merged = mixed.reshape(batch, heads, length, hd).transpose(0, 2, 1, 3)
                .reshape(batch, length, (long) heads * hd);
        return project(merged, w.o(), w.oBias());
    }

    /**
     * gpt-oss's attention sinks: each head's learned logit joins its keys' logits (b, kv, g, s, t) in the softmax and
     * is dropped after it, so a query's weights over the keys sum to less than 1.
     */
    private static NDArray softmaxWithSinks(NDArray logits, NDArray sinks) {
        long keys = logits.getShape().get(4);
        NDArray sink = logits.get(new NDIndex("..., 0:1")).zerosLike().add(sinks); // (b, kv, g, s, 1)
        return NDArrays.concat(new NDList(logits, sink), -1).softmax(-1).get(new NDIndex("..., 0:{}", keys));
    }

    /** (b, n, s, hd) queries or keys: projected, normed over the whole projection (OLMo-2) or per head (Qwen3). */
    private NDArray queryOrKey(NDArray x, NDArray weightT, NDArray bias, LayerWeights.Norm qkNorm, long batch,
                               long length, int count) {
        NDArray y = project(x, weightT, bias);
        if (block.qkNorm() == DecoderBlock.QkNorm.WHOLE) {
            y = norm(y, qkNorm);
        }
        y = heads(y, batch, length, count);
        return block.qkNorm() == DecoderBlock.QkNorm.PER_HEAD ? norm(y, qkNorm) : y;
    }

    /**
     * A mixture of experts on normed (batch, positions, d_model): the router's weights of each token's top-k experts
     * ({@link io.neuronatlas.checkpoint.Routing}, on the host), then Σ_e weight_e · down_e(act(gate_e)·up_e) over
     * the experts any token is routed to (with gpt-oss's biases: weight_e · (down_e(...) + b_e)), plus
     * σ(x·shared_gate) · shared(x). For a hook that sees experts' activations, each such expert runs on every position
     * and its output is weighted by 0 where the token is not routed to it: the result is transformers' sum over routed
     * tokens, and a clamp of an expert's neuron at every position reaches exactly the tokens routed to it, weighted by
     * the router. Otherwise each expert runs on its routed tokens only ({@link #routedOnly}), as transformers does.
     */
    private NDArray mixture(int l, LayerWeights.Mixture m, NDArray normed, ActivationHook hook, Step step) {
        long batch = normed.getShape().get(0);
        long positions = normed.getShape().get(1);
        int count = m.experts().size();
        NDArray logits = normed.matMul(m.router());
        if (m.routerBias() != null) {
            logits = logits.add(m.routerBias());
        }
        float[] weights = block.routing().weights(toFloat32(logits).toFloatArray(), count);
        NDArray out = null;
        if (!hook.seesExperts()) {
            out = routedOnly(m, normed, weights);
        } else {
            NDArray routed = toModel(normed.getManager().create(weights, new Shape(batch, positions, count)));
            for (int e = 0; e < count; e++) {
                if (!anyRouted(weights, count, e)) {
                    continue; // no token of this call reaches the expert: transformers skips it too
                }
                LayerWeights.Mlp expert = m.experts().get(e);
                NDArray weight = routed.get(new NDIndex(":, :, {}:{}", e, e + 1));
                NDArray activation = expertActivation(expert, normed);
                hook.onExpertActivation(l, Integer.toString(e), activation, weight, step);
                NDArray y = expertOutput(expert, activation).mul(weight);
                out = out == null ? y : out.add(y);
            }
        }
        if (m.shared() != null) {
            NDArray activation = gated(normed, m.shared().gate(), null, m.shared().up(), null);
            hook.onExpertActivation(l, MlpBlock.SHARED, activation, null, step);
            NDArray gate = Activation.sigmoid(normed.matMul(m.sharedGate())); // (batch, positions, 1)
            hook.onSharedExpertGate(l, gate);
            NDArray y = activation.matMul(m.shared().down()).mul(gate);
            out = out == null ? y : out.add(y);
        }
        return out;
    }

    /**
     * Σ_e weight_e · expert_e(x) with each expert run on the tokens routed to it alone: (batch, positions, d_model).
     * The experts' weighted outputs are stacked in expert order (a zero row last), and each token sums its rows in
     * ascending expert order, the order in which the every-position path adds them.
     *
     * @param weights (tokens, experts) router weights, 0 where a token is not routed
     */
    private NDArray routedOnly(LayerWeights.Mixture m, NDArray normed, float[] weights) {
        Shape shape = normed.getShape();
        int tokens = Math.toIntExact(shape.get(0) * shape.get(1));
        int count = m.experts().size();
        NDManager scope = normed.getManager();
        NDArray flat = normed.reshape(tokens, shape.get(2));
        long[][] rowOf = new long[block.routing().topK()][tokens]; // [slot][token] -> row of the stacked outputs
        int[] slots = new int[tokens];
        NDList outputs = new NDList();
        long row = 0;
        for (int e = 0; e < count; e++) {
            int routed = 0;
            for (int t = 0; t < tokens; t++) {
                routed += weights[t * count + e] != 0 ? 1 : 0;
            }
            if (routed == 0) {
                continue;
            }
            long[] which = new long[routed];
            float[] weight = new float[routed];
            for (int t = 0, i = 0; t < tokens; t++) {
                if (weights[t * count + e] != 0) {
                    which[i] = t;
                    weight[i++] = weights[t * count + e];
                    rowOf[slots[t]++][t] = row++;
                }
            }
            LayerWeights.Mlp expert = m.experts().get(e);
            NDArray x = flat.get(new NDIndex("{}", scope.create(which))); // (routed, d_model)
            outputs.add(expertOutput(expert, expertActivation(expert, x))
                    .mul(toModel(scope.create(weight, new Shape(routed, 1)))));
        }
        for (int t = 0; t < tokens; t++) {
            for (int slot = slots[t]; slot < rowOf.length; slot++) {
                rowOf[slot][t] = row; // the zero row
            }
        }
        outputs.add(scope.zeros(new Shape(1, shape.get(2)), dtype));
        NDArray stacked = NDArrays.concat(outputs, 0);
        NDArray out = stacked.get(new NDIndex("{}", scope.create(rowOf[0])));
        for (int slot = 1; slot < rowOf.length; slot++) {
            out = out.add(stacked.get(new NDIndex("{}", scope.create(rowOf[slot]))));
        }
        return out.reshape(shape);
    }

    /** An expert's act(gate)·up on x (rows, d_model): what both ways of computing a mixture run. */
    private NDArray expertActivation(LayerWeights.Mlp expert, NDArray x) {
        return gated(x, expert.gate(), expert.gateBias(), expert.up(), expert.upBias());
    }

    /** An expert's down projection of its activation (plus gpt-oss's bias), before the router's weight. */
    private static NDArray expertOutput(LayerWeights.Mlp expert, NDArray activation) {
        return project(activation, expert.down(), expert.downBias());
    }

    private static boolean anyRouted(float[] weights, int count, int expert) {
        for (int i = expert; i < weights.length; i += count) {
            if (weights[i] != 0) {
                return true;
            }
        }
        return false;
    }

    /** act(gate(n))·up(n), or act(up(n)) for an MLP that is not gated: (batch, positions, d_mlp). */
    NDArray activation(int l, NDArray normed) {
        LayerWeights w = model.layer(l);
        return gated(normed, w.gate(), null, w.up(), w.upBias());
    }

    private NDArray gated(NDArray normed, NDArray gateWeight, NDArray gateBias, NDArray upWeight, NDArray upBias) {
        NDArray up = project(normed, upWeight, upBias);
        if (gateWeight == null) {
            return activate(up);
        }
        NDArray gate = project(normed, gateWeight, gateBias);
        return switch (config.activation()) {
            case SILU -> Activation.sigmoid(gate).mul(gate).mul(up);
            case CLAMPED_SWIGLU -> clampedSwiglu(gate, up);
            default -> activate(gate).mul(up);
        };
    }

    /** GptOssExperts._apply_gate: g·σ(1.702·g)·(u + 1) with g = min(gate, 7), u = clamp(up, −7, 7). */
    private static NDArray clampedSwiglu(NDArray gate, NDArray up) {
        NDArray g = gate.minimum(SWIGLU_LIMIT);
        NDArray glu = g.mul(Activation.sigmoid(g.mul(SWIGLU_ALPHA)));
        return up.clip(-SWIGLU_LIMIT, SWIGLU_LIMIT).add(1).mul(glu);
    }

    private NDArray activate(NDArray x) {
        return switch (config.activation()) {
            case SILU -> Activation.sigmoid(x).mul(x);
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), transformers' NewGELUActivation
            case GELU_TANH -> x.pow(3).mul(0.044715).add(x).mul(Math.sqrt(2 / Math.PI)).tanh().add(1).mul(x)
                    .mul(0.5);
            case GELU -> Activation.gelu(x);
            case RELU -> Activation.relu(x);
            case CLAMPED_SWIGLU -> throw new IllegalStateException("gpt-oss's gated unit needs a gate and an up");
        };
    }

    /**
     * Whether clamping a neuron of layer l changes the layer's output by exactly (v − a)·W_down[n]: true unless a
     * norm follows the MLP.
     */
    boolean clampIsRankOne(int l) {
        return model.layer(l).mlpOut() == null;
    }

    /** Whether layer l is a mixture of experts. */
    boolean isMixture(int l) {
        return model.layer(l).mixture() != null;
    }

    /** What the MLP adds to the residual stream: down_proj(activation), normed on Gemma-2/3 and OLMo-2. */
    NDArray mlpOutput(int l, NDArray activation) {
        LayerWeights w = model.layer(l);
        return norm(project(activation, w.down(), w.downBias()), w.mlpOut());
    }

    /** Logits of the next token after the last position: (batch, vocab), float32, soft-capped where the model is. */
    NDArray logits(NDArray x) {
        long last = x.getShape().get(1) - 1;
        NDArray normed = norm(x.get(new NDIndex(":, {}, :", last)), model.finalNorm());
        NDArray logits = toFloat32(normed.matMul(model.head()));
        double cap = config.model().logitSoftcap();
        return cap > 0 ? softcap(logits, cap) : logits;
    }

    /**
     * The family's norm over the last axis, statistics in float32 whatever the model's precision; x itself when the
     * layer has no such norm. RMSNorm (Llama): weight · (x / sqrt(mean(x²) + eps)) with the weight applied after the
     * cast back; Gemma's (1 + w), gpt-oss's w and LayerNorm's weight and bias before it, as transformers.
     */
    NDArray norm(NDArray x, LayerWeights.Norm weights) {
        if (weights == null) {
            return x;
        }
        NDArray x32 = toFloat32(x);
        float eps = (float) config.normEps();
        return switch (config.norm()) {
            case RMS, RMS_PLUS_ONE -> {
                NDArray meanSquare = x32.square().mean(new int[] {-1}, true);
                NDArray normed = x32.div(meanSquare.add(eps).sqrt());
                NDArray w = weights.weight();
                yield rmsWeightInFloat32 ? toModel(normed.mul(w)) : toModel(normed).mul(w);
            }
            case LAYER_NORM -> {
                NDArray centered = x32.sub(x32.mean(new int[] {-1}, true));
                NDArray variance = centered.square().mean(new int[] {-1}, true);
                NDArray y = centered.div(variance.add(eps).sqrt()).mul(weights.weight());
                yield toModel(weights.bias() == null ? y : y.add(weights.bias()));
            }
        };
    }

    /** c·tanh(x/c). */
    private static NDArray softcap(NDArray x, double cap) {
        return x.div(cap).tanh().mul(cap);
    }

    private static NDArray project(NDArray x, NDArray weightT, NDArray bias) {
        NDArray y = x.matMul(weightT);
        return bias == null ? y : y.add(bias);
    }

    /** (b, s, n·hd) → (b, n, s, hd). */
    private NDArray heads(NDArray x, long batch, long length, int count) {
        return x.reshape(batch, length, count, config.headDim()).transpose(0, 2, 1, 3);
    }

    /**
     * x·cos + rotate_half(x)·sin over the first rotary dims of each head (all of them unless partial), the rest
     * passed through; rotate_half(x) = cat(−x[d/2:], x[:d/2]). Learned positions: x unchanged.
     */
    private NDArray rotate(NDArray x, Step step, int rope) {
        if (rotaryDim == 0) {
            return x;
        }
        if (rotaryDim == config.headDim()) {
            return rotateAll(x, step.cos()[rope], step.sin()[rope]);
        }
        NDList parts = x.split(new long[] {rotaryDim}, 3);
        return NDArrays.concat(new NDList(rotateAll(parts.get(0), step.cos()[rope], step.sin()[rope]),
                parts.get(1)), 3);
    }

    private static NDArray rotateAll(NDArray x, NDArray cos, NDArray sin) {
        NDList halves = x.split(2, 3);
        NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), 3);
        return x.mul(cos).add(rotated.mul(sin));
    }

    private NDArray toModel(NDArray x) {
        return x.getDataType() == dtype ? x : x.toType(dtype, false);
    }

    private static NDArray toFloat32(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    }
}

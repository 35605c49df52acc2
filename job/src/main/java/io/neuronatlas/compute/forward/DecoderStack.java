package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.neuronatlas.checkpoint.ForwardConfig;

/**
 * The decoder's math with Hugging Face's Llama semantics (modeling_llama.py), one block at a time, so that passes
 * can start at any layer: RMSNorm in float32 (x / sqrt(mean(x²) + eps), weight applied after), rotary embeddings in
 * rotate_half layout, grouped-query attention with an additive causal mask and a float32 softmax, q/k/v(/o) biases
 * where the layout has them, and the SwiGLU MLP silu(gate)·up → down.
 *
 * <p>Every result is created from an operand in the caller's scope (weights are always right operands; views of the
 * model's or a cache's arrays are attached to the scope), so closing the scope frees everything a pass made.
 */
final class DecoderStack {
    /** What transformers adds for masked positions: the most negative float, so exp() gives exactly 0. */
    private static final float MASKED = -Float.MAX_VALUE;

    private final DecoderModel model;
    private final ForwardConfig config;
    private final Rotary rotary;
    private final DataType dtype;

    DecoderStack(DecoderModel model) {
        this.model = model;
        this.config = model.config();
        this.rotary = new Rotary(config);
        this.dtype = model.precision().dataType();
    }

    DecoderModel model() {
        return model;
    }

    /**
     * Positions [start, start + length) of one forward call, with what every layer shares: cos and sin (length,
     * head_dim) and the causal mask (length, start + length) over the cached and new positions.
     */
    record Step(int start, int length, NDArray cos, NDArray sin, NDArray mask) {
        /** The last position of this step alone: its rotation and its row of the mask. */
        Step last() {
            NDIndex row = new NDIndex("{}:, :", length - 1);
            return new Step(start + length - 1, 1, cos.get(row), sin.get(row), mask.get(row));
        }
    }

    Step step(NDManager scope, int start, int length) {
        int hd = config.headDim();
        float[][] cosSin = rotary.cosSin(start, length);
        int keys = start + length;
        float[] mask = new float[length * keys];
        for (int i = 0; i < length; i++) {
            for (int j = start + i + 1; j < keys; j++) {
                mask[i * keys + j] = MASKED;
            }
        }
        return new Step(start, length, toModel(scope.create(cosSin[0], new Shape(length, hd))),
                toModel(scope.create(cosSin[1], new Shape(length, hd))), scope.create(mask, new Shape(length,
                keys)));
    }

    /** (batch, positions, d_model): the embedding rows of equally long sequences. */
    NDArray embed(NDManager scope, int[][] ids) {
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
        return rows.reshape(batch, length, config.model().dModel());
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

    /** x_{l+1} from x_l: attention, then the MLP with the hook between act(gate)·up and down_proj. */
    NDArray layer(int l, NDArray x, Step step, KvCache cache, ActivationHook hook, NDManager scope) {
        NDArray h = attention(l, x, step, cache, scope);
        NDArray activation = activation(l, h);
        hook.onActivation(l, activation, step);
        return h.add(mlpOutput(l, activation));
    }

    /**
     * Layer l for the next token only: (batch, 1, d_model), its output at the last position. Keys and values still
     * come from every position; queries, o_proj and the MLP run at the last one, which is all the logits read, so
     * the final layer of a batch does 1/positions of their work.
     */
    NDArray lastPositionLayer(int l, NDArray x, Step step, KvCache cache, NDManager scope) {
        NDArray h = attention(l, x, step, cache, scope, true);
        return h.add(mlpOutput(l, activation(l, h)));
    }

    /** x + o_proj(attention(input_layernorm(x))); keys and values go through cache when there is one. */
    NDArray attention(int l, NDArray x, Step step, KvCache cache, NDManager scope) {
        return attention(l, x, step, cache, scope, false);
    }

    /** With lastQuery, only the last position queries and its row of x + o_proj(…) is returned. */
    private NDArray attention(int l, NDArray x, Step step, KvCache cache, NDManager scope, boolean lastQuery) {
        LayerWeights w = model.layer(l);
        long batch = x.getShape().get(0);
        long positions = x.getShape().get(1);
        int heads = config.heads();
        int kvHeads = config.kvHeads();
        int hd = config.headDim();
        int group = config.queriesPerKvHead();
        NDArray normed = rmsNorm(x, w.inputNorm());
        NDArray k = rotate(heads(project(normed, w.k(), w.kBias()), batch, positions, kvHeads), step); // (b,kv,s,hd)
        Step queries = lastQuery ? step.last() : step;
        long length = queries.length();
        NDArray residual = lastQuery ? x.get(new NDIndex(":, {}:, :", positions - 1)) : x;
        NDArray queried = lastQuery ? normed.get(new NDIndex(":, {}:, :", positions - 1)) : normed;
        NDArray q = rotate(heads(project(queried, w.q(), w.qBias()), batch, length, heads), queries); // (b, h, s, hd)
        NDArray v = heads(project(normed, w.v(), w.vBias()), batch, positions, kvHeads);
        NDArray[] kv = cache == null ? new NDArray[] {k, v} : cache.extend(l, k, v, scope);
        long keys = kv[0].getShape().get(2);
        NDArray keysT = kv[0].transpose(0, 1, 3, 2); // (b, kv, hd, t)
        keysT.attach(scope);
        // Query heads h·group .. h·group+group-1 share kv head h: fold them into the positions axis.
        NDArray scores = q.reshape(batch, kvHeads, group * length, hd).matMul(keysT)
                .mul(1.0 / Math.sqrt(hd)); // (b, kv, g·s, t)
        NDArray probs = toFloat32(scores).reshape(batch, kvHeads, group, length, keys).add(queries.mask())
                .softmax(-1);
        NDArray mixed = toModel(probs).reshape(batch, kvHeads, group * length, keys).matMul(kv[1]);
        NDArray merged = mixed.reshape(batch, heads, length, hd).transpose(0, 2, 1, 3)
                .reshape(batch, length, (long) heads * hd);
        return residual.add(project(merged, w.o(), w.oBias()));
    }

    /** act(gate(n))·up(n) with n = post_attention_layernorm(h): (batch, positions, d_mlp). */
    NDArray activation(int l, NDArray h) {
        LayerWeights w = model.layer(l);
        NDArray normed = rmsNorm(h, w.postNorm());
        NDArray gate = normed.matMul(w.gate());
        NDArray up = normed.matMul(w.up());
        return Activation.sigmoid(gate).mul(gate).mul(up);
    }

    /** down_proj(activation): (batch, positions, d_model). */
    NDArray mlpOutput(int l, NDArray activation) {
        return activation.matMul(model.layer(l).down());
    }

    /** Logits of the next token after the last position: (batch, vocab), float32. */
    NDArray logits(NDArray x) {
        long last = x.getShape().get(1) - 1;
        NDArray normed = rmsNorm(x.get(new NDIndex(":, {}, :", last)), model.finalNorm());
        return toFloat32(normed.matMul(model.head()));
    }

    /** weight · (x / sqrt(mean(x²) + eps)), the statistics in float32 whatever the model's precision. */
    NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray x32 = toFloat32(x);
        NDArray meanSquare = x32.square().mean(new int[] {-1}, true);
        NDArray normed = x32.div(meanSquare.add((float) config.rmsNormEps()).sqrt());
        return toModel(normed).mul(weight);
    }

    private static NDArray project(NDArray x, NDArray weightT, NDArray bias) {
        NDArray y = x.matMul(weightT);
        return bias == null ? y : y.add(bias);
    }

    /** (b, s, n·hd) → (b, n, s, hd). */
    private NDArray heads(NDArray x, long batch, long length, int count) {
        return x.reshape(batch, length, count, config.headDim()).transpose(0, 2, 1, 3);
    }

    /** x·cos + rotate_half(x)·sin, rotate_half(x) = cat(−x[hd/2:], x[:hd/2]). */
    private static NDArray rotate(NDArray x, Step step) {
        NDList halves = x.split(2, 3);
        NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), 3);
        return x.mul(step.cos()).add(rotated.mul(step.sin()));
    }

    private NDArray toModel(NDArray x) {
        return x.getDataType() == dtype ? x : x.toType(dtype, false);
    }

    private static NDArray toFloat32(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    }
}

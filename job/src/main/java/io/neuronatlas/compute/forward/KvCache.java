package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of the positions a sequence has seen, per layer, each (batch, kv_heads, positions, head_dim), so
 * that decoding a new token computes one position instead of the whole sequence again.
 *
 * <p>A growing cache owns its arrays in a manager of its own and replaces them as positions are added (a
 * concatenation per layer and step: copies are small next to the weights a step reads). A {@link #frozen} cache
 * lends a prefix of another cache to a pass that must not change it, such as the clamp sweeps of one prompt.
 */
final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final boolean frozen;
    private int length;

    private KvCache(NDManager manager, NDArray[] keys, NDArray[] values, int length, boolean frozen) {
        this.manager = manager;
        this.keys = keys;
        this.values = values;
        this.length = length;
        this.frozen = frozen;
    }

    /** An empty cache whose arrays live in a sub-manager of parent. */
    static KvCache open(NDManager parent, int layers) {
        return new KvCache(parent.newSubManager(), new NDArray[layers], new NDArray[layers], 0, false);
    }

    /** Positions cached. */
    int length() {
        return length;
    }

    /**
     * The keys and values attention of layer l sees: the cached positions, broadcast to the batch of the new ones
     * when the cache holds one sequence, followed by the new positions. A growing cache keeps them; the arrays
     * returned belong to the cache (growing) or to scope (frozen), never to be closed by the caller.
     *
     * @param k (batch, kv_heads, new positions, head_dim), in scope
     */
    NDArray[] extend(int layer, NDArray k, NDArray v, NDManager scope) {
        if (length == 0) {
            if (!frozen) {
                k.attach(manager);
                v.attach(manager);
                keys[layer] = k;
                values[layer] = v;
            }
            return new NDArray[] {k, v};
        }
        if (frozen) {
            return new NDArray[] {joined(keys[layer], k, scope), joined(values[layer], v, scope)};
        }
        requireSameBatch(keys[layer], k);
        NDArray joinedK = NDArrays.concat(new NDList(keys[layer], k), 2);
        NDArray joinedV = NDArrays.concat(new NDList(values[layer], v), 2);
        joinedK.attach(manager); // the cache outlives the layer's scope
        joinedV.attach(manager);
        keys[layer].close();
        values[layer].close();
        keys[layer] = joinedK;
        values[layer] = joinedV;
        return new NDArray[] {joinedK, joinedV};
    }

    /** cached ++ fresh along positions, in scope; cached is broadcast to fresh's batch. */
    private static NDArray joined(NDArray cached, NDArray fresh, NDManager scope) {
        Shape shape = cached.getShape();
        NDArray lent = cached.broadcast(new Shape(fresh.getShape().get(0), shape.get(1), shape.get(2),
                shape.get(3)));
        lent.attach(scope);
        return NDArrays.concat(new NDList(lent, fresh), 2);
    }

    /** A growing cache holds the batch it was started with (or repeated to). */
    private static void requireSameBatch(NDArray cached, NDArray fresh) {
        if (cached.getShape().get(0) != fresh.getShape().get(0)) {
            throw new IllegalArgumentException("cache holds a batch of " + cached.getShape().get(0)
                    + " sequences, the step has " + fresh.getShape().get(0));
        }
    }

    /** Marks the new positions of a step as cached, once every layer has extended. */
    void advance(int positions) {
        if (frozen) {
            throw new IllegalStateException("a frozen cache does not grow");
        }
        length += positions;
    }

    /** Copies a one-sequence cache to every row of a batch, so samples of one prompt share its prompt pass. */
    void repeatBatch(int batch) {
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) {
                keys[l] = repeated(keys[l], batch);
                values[l] = repeated(values[l], batch);
            }
        }
    }

    private static NDArray repeated(NDArray one, int batch) {
        Shape s = one.getShape();
        NDArray view = one.broadcast(new Shape(batch, s.get(1), s.get(2), s.get(3)));
        NDArray copy = view.duplicate();
        view.close();
        one.close();
        return copy;
    }

    /** The first positions of this cache, read-only, with views owned by scope. */
    KvCache frozen(int positions, NDManager scope) {
        if (positions > length) {
            throw new IllegalArgumentException("cache holds " + length + " positions, not " + positions);
        }
        NDArray[] k = new NDArray[keys.length];
        NDArray[] v = new NDArray[keys.length];
        NDIndex first = new NDIndex(":, :, :" + positions + ", :");
        for (int l = 0; l < keys.length && positions > 0; l++) {
            if (keys[l] != null) {
                k[l] = keys[l].get(first);
                k[l].attach(scope);
                v[l] = values[l].get(first);
                v[l].attach(scope);
            }
        }
        return new KvCache(scope, k, v, positions, true);
    }

    /** Frees the arrays of a growing cache; a frozen one owns nothing. */
    @Override
    public void close() {
        if (!frozen) {
            manager.close();
        }
    }
}

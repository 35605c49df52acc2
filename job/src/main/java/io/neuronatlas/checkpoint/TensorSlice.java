package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Output features of a stored weight or bias that make one projection of a decoder layer: features
 * {@code b·blockStride + offset .. + width} for every block b. A plain nn.Linear is the whole tensor; fused projections
 * are a part of one: Phi-3's qkv_proj rows (one block), GPT-2's c_attn columns, GPT-NeoX's query_key_value, whose
 * rows are per head [heads, 3, head_dim] (a block per head).
 *
 * @param tensor       the stored tensor
 * @param stored       its shape as config.json implies it: [out, in] (nn.Linear), [in, out] (Conv1D) or [out] (a bias)
 * @param inputsFirst  stored [in, out], as GPT-2's Conv1D
 * @param offset       first output feature in each block
 * @param width        output features per block
 * @param blocks       blocks
 * @param blockStride  output features from one block to the next
 */
public record TensorSlice(String tensor, long[] stored, boolean inputsFirst, int offset, int width, int blocks,
                          int blockStride) implements Serializable {
    public TensorSlice {
        stored = stored.clone();
        long outputs = stored.length == 1 ? stored[0] : stored[inputsFirst ? 1 : 0];
        if (width < 1 || blocks < 1 || offset < 0 || offset + width > blockStride
                || (long) blocks * blockStride != outputs) {
            throw new IllegalArgumentException(tensor + ": " + blocks + " blocks of " + width + " from " + offset
                    + " by " + blockStride + " do not fit shape " + Arrays.toString(stored));
        }
    }

    /** nn.Linear's weight [out, in], whole. */
    public static TensorSlice linear(String tensor, int out, int in) {
        return new TensorSlice(tensor, new long[] {out, in}, false, 0, out, 1, out);
    }

    /** Conv1D's weight [in, out], whole. */
    public static TensorSlice conv1d(String tensor, int in, int out) {
        return new TensorSlice(tensor, new long[] {in, out}, true, 0, out, 1, out);
    }

    /** A bias [n], whole. */
    public static TensorSlice bias(String tensor, int n) {
        return new TensorSlice(tensor, new long[] {n}, false, 0, n, 1, n);
    }

    /** Output features [offset, offset + width) of this whole tensor. */
    public TensorSlice part(int offset, int width) {
        return new TensorSlice(tensor, stored, inputsFirst, offset, width, 1, blockStride);
    }

    /** Features [offset, offset + width) of each of blocks equal blocks of this whole tensor. */
    public TensorSlice perBlock(int blocks, int offset, int width) {
        return new TensorSlice(tensor, stored, inputsFirst, offset, width, blocks, blockStride / blocks);
    }

    @Override
    public long[] stored() {
        return stored.clone();
    }

    /** Output features selected. */
    public int outputs() {
        return blocks * width;
    }

    /** The whole tensor, nothing cut out of it. */
    public boolean whole() {
        return blocks == 1 && offset == 0 && width == blockStride;
    }
}

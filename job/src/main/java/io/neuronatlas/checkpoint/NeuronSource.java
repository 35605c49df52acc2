package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Where the neurons of one matrix of one MLP are stored: neuron n is row (or column) {@code offset + n·stride} of a
 * [rows, cols] matrix, which is the tensor itself or, for experts stacked in one 3-D tensor, its slab {@code slab}.
 * A row neuron's vector is the row; a column neuron's vector is the column, read transposed. This covers nn.Linear
 * ([out, in]: gate/up rows, down columns), GPT-2's Conv1D ([in, out]: the transpose), fused gate_up halves (Phi-3:
 * up starts at row d_mlp) and interleaved ones (gpt-oss: gate in even columns, up in odd).
 *
 * @param shape       the whole stored tensor's shape as config.json implies it, checked when the checkpoint opens
 * @param slab        the matrix's index along the first dimension of a 3-D tensor; -1 for a 2-D tensor
 * @param neuronIsRow neuron n is a row of the matrix (else a column)
 * @param offset      the row or column of neuron 0
 * @param stride      rows or columns from one neuron to the next
 * @param count       neurons
 * @param because     the config.json fields behind the shape, for messages: "hidden_size=64, intermediate_size=48"
 */
public record NeuronSource(String tensor, long[] shape, int slab, boolean neuronIsRow, int offset, int stride,
                           int count, String because) implements Serializable {
    public NeuronSource {
        shape = shape.clone();
        if (shape.length != (slab < 0 ? 2 : 3) || (slab >= 0 && slab >= shape[0])) {
            throw new IllegalArgumentException(tensor + ": slab " + slab + " of shape " + Arrays.toString(shape));
        }
        long extent = shape[shape.length - (neuronIsRow ? 2 : 1)];
        if (count < 1 || offset < 0 || stride < 1 || offset + (long) (count - 1) * stride >= extent) {
            throw new IllegalArgumentException(tensor + ": " + count + " neurons from " + offset + " by " + stride
                    + " do not fit shape " + Arrays.toString(shape));
        }
    }

    /** nn.Linear's [out, in] weight of a gated or plain MLP: up/gate [d_mlp, d_model] rows, down [d_model, d_mlp]. */
    public static NeuronSource linear(String tensor, MlpMatrix matrix, int dModel, int dMlp, String because) {
        long[] shape = matrix.neuronIsRow() ? new long[] {dMlp, dModel} : new long[] {dModel, dMlp};
        return new NeuronSource(tensor, shape, -1, matrix.neuronIsRow(), 0, 1, dMlp, because);
    }

    /** GPT-2's Conv1D, stored [in, out]: c_fc [d_model, d_mlp] has a neuron per column, c_proj [d_mlp, d_model] per row. */
    public static NeuronSource conv1d(String tensor, MlpMatrix matrix, int dModel, int dMlp, String because) {
        long[] shape = matrix.neuronIsRow() ? new long[] {dModel, dMlp} : new long[] {dMlp, dModel};
        return new NeuronSource(tensor, shape, -1, !matrix.neuronIsRow(), 0, 1, dMlp, because);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The neurons' width: the matrix dimension across a neuron. */
    public long dModel() {
        return shape[shape.length - (neuronIsRow ? 1 : 2)];
    }

    /** Row or column of neuron n in the matrix. */
    public long position(int neuron) {
        return offset + (long) neuron * stride;
    }

    /** "[2880, 5760] of model.layers.0.mlp.experts.gate_up_proj [32, 2880, 5760]"-style description for inspect. */
    public String describe() {
        String layout = (neuronIsRow ? "rows" : "columns") + (offset == 0 && stride == 1 ? ""
                : stride == 1 ? " from " + offset : " " + offset + "::" + stride);
        return tensor + " " + Arrays.toString(shape) + (slab < 0 ? "" : " slab " + slab) + ", neurons are " + layout;
    }
}

package io.neuronatlas.udfs;

import org.apache.spark.unsafe.types.UTF8String;

/**
 * The static methods Spark's generated code calls for each SQL function (through StaticInvoke): Spark's internal
 * string type in and out, null-in null-out handled by Spark before the call. Keep the logic in {@link TokenText}
 * and {@link NeuronId}.
 */
public final class AtlasFunctions {
    private AtlasFunctions() {
    }

    public static UTF8String tokenNorm(UTF8String token) {
        return UTF8String.fromString(TokenText.norm(token.toString()));
    }

    public static UTF8String tokenScript(UTF8String token) {
        return UTF8String.fromString(TokenText.script(token.toString()));
    }

    public static boolean isWord(UTF8String token) {
        return TokenText.isWord(token.toString());
    }

    /** Null for a null matrix, one other than gate, up or down, or a negative layer or neuron. */
    public static UTF8String neuronId(UTF8String matrix, int layer, int neuron) {
        return neuronId(matrix, layer, neuron, null);
    }

    /**
     * A dense neuron's id when expert is null; null for a matrix other than gate, up or down, a negative layer or
     * neuron, or an expert that is neither an index nor "shared".
     */
    public static UTF8String neuronId(UTF8String matrix, int layer, int neuron, UTF8String expert) {
        if (matrix == null || layer < 0 || neuron < 0 || !NeuronId.isMatrix(matrix.toString())
                || (expert != null && !NeuronId.isExpert(expert.toString()))) {
            return null;
        }
        return UTF8String.fromString(new NeuronId(matrix.toString(), layer, expert == null ? null : expert.toString(),
                neuron).toString());
    }

    public static UTF8String neuronIdMatrix(UTF8String id) {
        NeuronId parsed = NeuronId.parse(id.toString());
        return parsed == null ? null : UTF8String.fromString(parsed.matrix());
    }

    public static Integer neuronIdLayer(UTF8String id) {
        NeuronId parsed = NeuronId.parse(id.toString());
        return parsed == null ? null : parsed.layer();
    }

    /** The expert of an id, null for a dense neuron's id or a malformed one. */
    public static UTF8String neuronIdExpert(UTF8String id) {
        NeuronId parsed = NeuronId.parse(id.toString());
        return parsed == null || parsed.expert() == null ? null : UTF8String.fromString(parsed.expert());
    }

    public static Integer neuronIdNeuron(UTF8String id) {
        NeuronId parsed = NeuronId.parse(id.toString());
        return parsed == null ? null : parsed.neuron();
    }
}

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

    /** Null for a matrix other than gate, up or down, or a negative layer or neuron. */
    public static UTF8String neuronId(UTF8String matrix, int layer, int neuron) {
        String m = matrix.toString();
        if (layer < 0 || neuron < 0 || !(m.equals("gate") || m.equals("up") || m.equals("down"))) {
            return null;
        }
        return UTF8String.fromString(new NeuronId(m, layer, neuron).toString());
    }

    public static UTF8String neuronIdMatrix(UTF8String id) {
        NeuronId parsed = NeuronId.parse(id.toString());
        return parsed == null ? null : UTF8String.fromString(parsed.matrix());
    }

    public static Integer neuronIdLayer(UTF8String id) {
        NeuronId parsed = NeuronId.parse(id.toString());
        return parsed == null ? null : parsed.layer();
    }

    public static Integer neuronIdNeuron(UTF8String id) {
        NeuronId parsed = NeuronId.parse(id.toString());
        return parsed == null ? null : parsed.neuron();
    }
}

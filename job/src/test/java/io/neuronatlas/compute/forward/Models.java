package io.neuronatlas.compute.forward;

import ai.djl.Device;
import io.neuronatlas.checkpoint.RopeScaling;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/** Small synthetic decoders for the forward-pass tests. */
final class Models {
    private Models() {
    }

    /** Llama with grouped-query attention (4 query heads on 2 kv heads), F32, untied head, 3 layers. */
    static SyntheticDecoder llama() {
        return new SyntheticDecoder().modelType("llama").layers(3).dModel(64).dMlp(96).heads(4, 2).vocab(300)
                .dtype(DType.F32).rope(10000, RopeScaling.NONE).seed(7);
    }

    /**
     * llama3 rope scaling where it changes the angles of short prompts: a small theta and a short original context
     * put most frequencies in the scaled and blended bands.
     */
    static RopeScaling shortContextLlama3() {
        return RopeScaling.llama3(8, 1, 4, 64);
    }

    static DecoderModel load(Path dir) throws IOException {
        return DecoderModel.load(dir, Device.cpu(), Precision.FP32);
    }

    static int[][] randomPrompts(int count, int length, int vocab, long seed) {
        Random r = new Random(seed);
        int[][] p = new int[count][length];
        for (int[] row : p) {
            for (int i = 0; i < length; i++) {
                row[i] = r.nextInt(vocab);
            }
        }
        return p;
    }

    /** max |a − b| / max |b|: the error relative to the scale of the logit vector. */
    static double relativeError(float[] actual, double[] expected) {
        double maxDiff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return maxDiff / scale;
    }
}

package io.neuronatlas.bench;

import io.neuronatlas.checkpoint.RopeScaling;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder.CausalNeuron;
import io.neuronatlas.compute.forward.ClampSweeper;
import io.neuronatlas.compute.forward.NeuronRef;
import io.neuronatlas.compute.forward.PromptPrefix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The models bench-clamp sweeps (its --family): a family's published shapes with synthetic bf16 weights, scaled down
 * where the whole model would not fit this 2-core, 24 GB machine beside other work, and the neurons swept on it.
 */
enum ClampFamily {
    /** Llama-3.2-1B's config.json, whole. */
    LLAMA("llama", "llama-3.2-1b-decoder", "Llama-3.2-1B's shapes, unscaled: 16 layers, d_model 2048, d_mlp 8192, "
            + "32 heads on 8 kv heads, vocab 128,256, tied, llama3 rope", true) {
        @Override
        SyntheticDecoder writer() {
            return new SyntheticDecoder().modelType("llama").layers(16).dModel(2048).dMlp(8192).heads(32, 8)
                    .headDim(64).vocab(128_256).tied(true).rope(500000, RopeScaling.llama3(32, 1, 4, 8192))
                    .maxPositions(131072).rmsNormEps(1e-5).dtype(DType.BF16).seed(1).plant(DOG);
        }

        @Override
        List<NeuronRef> neurons(ClampSweeper sweeper, int[] prompt) {
            return LLAMA_NEURONS;
        }
    },
    /** Qwen3-1.7B's config.json with 16 of its 28 layers: a dense family with per-head q/k norms. */
    QWEN3("qwen3", "qwen3-1.7b-16-layers", "Qwen3-1.7B's shapes, scaled to fit: 16 of its 28 layers; d_model 2048, "
            + "d_mlp 6144, 16 heads of 128 on 8 kv heads, per-head q/k norms, vocab 151,936, tied", true) {
        @Override
        SyntheticDecoder writer() {
            return new SyntheticDecoder().modelType("qwen3").layers(16).dModel(2048).dMlp(6144).heads(16, 8)
                    .headDim(128).vocab(151_936).tied(true).rope(1_000_000, RopeScaling.NONE).maxPositions(40960)
                    .rmsNormEps(1e-6).dtype(DType.BF16).seed(1).plant(DOG);
        }

        @Override
        List<NeuronRef> neurons(ClampSweeper sweeper, int[] prompt) {
            return QWEN3_NEURONS;
        }
    },
    /**
     * Qwen3-30B-A3B's config.json with 8 of its 48 layers and 16 of its 128 experts, 2 per token instead of 8 (the
     * whole model is 30B parameters, 122 GB in fp32).
     */
    QWEN3_MOE("qwen3_moe", "qwen3-30b-a3b-8-layers-16-experts", "Qwen3-30B-A3B's shapes, scaled to fit: 8 of its 48 "
            + "layers, 16 of its 128 experts with 2 per token of its 8; d_model 2048, experts of 768 neurons, 32 heads "
            + "of 128 on 4 kv heads, per-head q/k norms, vocab 151,936, untied", false) {
        @Override
        SyntheticDecoder writer() {
            return new SyntheticDecoder().modelType("qwen3_moe").layers(8).dModel(2048).dMlp(6144)
                    .experts(16, 768, 2).heads(32, 4).headDim(128).vocab(151_936).tied(false)
                    .rope(1_000_000, RopeScaling.NONE).maxPositions(40960).rmsNormEps(1e-6).dtype(DType.BF16)
                    .seed(1);
        }

        /**
         * One neuron a layer, of the lowest-numbered expert the prompt's last token is routed to there (an expert it
         * is not routed to leaves the prediction alone, which would make a flat curve).
         */
        @Override
        List<NeuronRef> neurons(ClampSweeper sweeper, int[] prompt) {
            int layers = 8;
            int experts = 16;
            List<NeuronRef> candidates = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                for (int e = 0; e < experts; e++) {
                    candidates.add(new NeuronRef(l, Integer.toString(e), 100 + 80 * l));
                }
            }
            List<NeuronRef> chosen = new ArrayList<>();
            try (PromptPrefix prefix = sweeper.prefix(prompt, candidates)) {
                for (int l = 0; l < layers; l++) {
                    for (int e = 0; e < experts; e++) {
                        NeuronRef n = candidates.get(l * experts + e);
                        if (!Double.isNaN(prefix.naturalActivation(n))) {
                            chosen.add(n);
                            break;
                        }
                    }
                }
            }
            return chosen;
        }
    };

    /**
     * Planted where the paper's Llama-3.1-8B dog neuron sits relative to depth (layer 25 of 32), writing strongly
     * enough that clamping it at 500 makes " dog" certain, as in the paper's Figure 3.
     */
    static final CausalNeuron DOG = new CausalNeuron(12, 1442, " is", " dog", 1.0, 5.0);
    /** Eight neurons spread over 16 layers of 8,192 neurons, the planted one among them. */
    static final List<NeuronRef> LLAMA_NEURONS = List.of(new NeuronRef(1, 100), new NeuronRef(3, 2000),
            new NeuronRef(5, 4000), new NeuronRef(7, 6000), new NeuronRef(9, 8000), new NeuronRef(11, 300),
            new NeuronRef(DOG.layer(), DOG.neuron()), new NeuronRef(15, 5000));
    /** The same within 6,144 neurons. */
    static final List<NeuronRef> QWEN3_NEURONS = List.of(new NeuronRef(1, 100), new NeuronRef(3, 2000),
            new NeuronRef(5, 4000), new NeuronRef(7, 6000), new NeuronRef(9, 6100), new NeuronRef(11, 300),
            new NeuronRef(DOG.layer(), DOG.neuron()), new NeuronRef(15, 5000));

    private final String option;
    private final String folder;
    private final String shapes;
    private final boolean planted; // DOG

    ClampFamily(String option, String folder, String shapes, boolean planted) {
        this.option = option;
        this.folder = folder;
        this.shapes = shapes;
        this.planted = planted;
    }

    /** @throws IllegalArgumentException naming --family and the families there are */
    static ClampFamily parse(String option) {
        for (ClampFamily f : values()) {
            if (f.option.equals(option)) {
                return f;
            }
        }
        throw new IllegalArgumentException("--family '" + option + "' is not one of " + options());
    }

    static String options() {
        return String.join("|", Arrays.stream(values()).map(f -> f.option).toList());
    }

    String option() {
        return option;
    }

    /** The checkpoint's folder under --work. */
    String folder() {
        return folder;
    }

    /** The shapes written, and how they are scaled. */
    String shapes() {
        return shapes;
    }

    /** Names everything the writer writes, so a changed family rewrites its checkpoint. */
    String writerMark() {
        return String.format(Locale.ROOT, "SyntheticDecoder %s: %s; bf16, seed 1%s, final-norm 2/sqrt(d) if tied%n",
                option, shapes, planted ? ", planted " + DOG : "");
    }

    /** The checkpoint's writer: bf16, seed 1. */
    abstract SyntheticDecoder writer();

    /** The neurons swept on a prompt. */
    abstract List<NeuronRef> neurons(ClampSweeper sweeper, int[] prompt);

    /** The planted neuron, or null. */
    CausalNeuron planted() {
        return planted ? DOG : null;
    }
}

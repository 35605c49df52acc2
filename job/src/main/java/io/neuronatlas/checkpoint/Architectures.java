package io.neuronatlas.checkpoint;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Every architecture the map reads, by config.json's model_type. */
public final class Architectures {
    /** In the order inspect and the README list them. */
    public static final List<Architecture> ALL = List.of(
            LlamaArchitecture.INSTANCE,
            GemmaArchitecture.TEXT,
            Gpt2Architecture.UNPREFIXED,
            GptNeoxArchitecture.INSTANCE,
            Phi3Architecture.INSTANCE,
            MixtralArchitecture.INSTANCE,
            QwenMoeArchitecture.INSTANCE,
            GptOssArchitecture.INSTANCE);

    private Architectures() {
    }

    /** Every supported model_type, sorted. */
    public static Set<String> modelTypes() {
        Set<String> types = new TreeSet<>();
        ALL.forEach(a -> types.addAll(a.modelTypes()));
        return types;
    }

    /** @throws IllegalArgumentException naming the model_type and listing the supported ones */
    public static Architecture forModelType(String modelType) {
        for (Architecture architecture : ALL) {
            if (architecture.modelTypes().contains(modelType)) {
                return architecture;
            }
        }
        throw new IllegalArgumentException("model_type '" + modelType + "' is not supported: neuron-atlas reads "
                + String.join(", ", modelTypes()));
    }
}

package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.util.Set;

/**
 * Where an architecture keeps the tensors the map reads. The math never sees these names, so adding GPT-2,
 * GPT-NeoX, Gemma or fused gate_up layouts means adding an implementation here, nothing else.
 */
public interface Architecture extends Serializable {

    /** The model_type values of config.json this description covers. */
    Set<String> modelTypes();

    /** The stored tensor holding matrix m of layer l. */
    String mlpWeight(MlpMatrix matrix, int layer);

    /** The untied unembedding, or absent in checkpoints that tie it to the embedding. */
    String lmHead();

    String embedTokens();

    /** The final norm before the LM head, folded into the head with --fold-norm. */
    String finalNorm();

    static Architecture forModelType(String modelType) {
        if (LlamaArchitecture.INSTANCE.modelTypes().contains(modelType)) {
            return LlamaArchitecture.INSTANCE;
        }
        throw new IllegalArgumentException("model_type '" + modelType + "' is not supported: neuron-atlas reads "
                + LlamaArchitecture.INSTANCE.modelTypes() + " (Llama-family tensor names)");
    }
}

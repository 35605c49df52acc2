package io.neuronatlas.checkpoint;

import io.neuronatlas.checkpoint.safetensors.WeightFiles;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One model family's description: the config.json fields the map needs, where its tensors are, and what a forward
 * pass will need later (the norm, the MLP's matrices and fused layouts; the activation is in {@link ModelConfig}).
 * The math never sees these names, so adding a family is one implementation registered in {@link Architectures}.
 */
public interface Architecture extends Serializable {

    /** The model_type values of config.json this description covers. */
    Set<String> modelTypes();

    /** The family and what is particular about its MLP, for inspect. */
    String description();

    /** The family's config.json fields, with the defaults its transformers config class gives absent ones. */
    ModelConfig readConfig(ConfigFile config) throws CheckpointException;

    /**
     * This description with the names a checkpoint actually uses, where the family has more than one spelling (GPT-2
     * with or without "transformer.", multimodal Gemma-3's text model prefix); fails when the tensors cannot be this
     * family's at all.
     */
    default Architecture bind(ModelConfig config, WeightFiles weights) throws IOException {
        return this;
    }

    /** The MLP's matrices in gate, up, down order: up and down only for an MLP that is not gated. */
    default List<MlpMatrix> matrices() {
        return List.of(MlpMatrix.values());
    }

    /** Where the neurons of one matrix of one MLP of a layer are ({@link ModelConfig#mlpBlocks(int)}). */
    NeuronSource neurons(ModelConfig config, MlpMatrix matrix, int layer, MlpBlock block);

    /** The untied unembedding, or absent in checkpoints that tie it to the embedding. */
    String lmHead();

    String embedTokens();

    /** The final norm's weight, folded into the head with --fold-norm. */
    String finalNorm();

    /** The final norm's bias, or null when it has none. */
    default String finalNormBias() {
        return null;
    }

    NormKind norm();

    /**
     * The forward-pass layouts (attention, norms, activation) of the model_types this description covers that have a
     * forward pass, in the order messages list them; empty for a family whose forward pass is not written yet.
     */
    default List<DecoderLayout> decoders() {
        return List.of();
    }

    /** The forward-pass layout of one of {@link #modelTypes()}, if it has one. */
    default Optional<DecoderLayout> decoder(String modelType) {
        return decoders().stream().filter(d -> d.modelType().equals(modelType)).findFirst();
    }

    /** The architecture of a model_type; the message lists the supported ones. */
    static Architecture forModelType(String modelType) {
        return Architectures.forModelType(modelType);
    }
}

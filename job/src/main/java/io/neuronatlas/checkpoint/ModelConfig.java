package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The part of a Hugging Face config.json the map depends on, in one vocabulary whatever the family calls the fields
 * (GPT-2's n_embd is dModel here); {@link Architecture#readConfig} reads them.
 *
 * @param modelType         config's top-level model_type
 * @param dModel            width of the residual stream (hidden_size, n_embd)
 * @param dMlp              neurons of a dense MLP layer (intermediate_size, n_inner); a mixture of experts gives its
 *                          experts' widths in {@code experts}
 * @param layers            decoder layers
 * @param vocab             rows of the LM head
 * @param tieWordEmbeddings the LM head is the input embedding
 * @param torchDtype        torch_dtype as written, for the run record only
 * @param experts           the experts of a mixture-of-experts model, {@link Experts#NONE} for a dense one
 * @param logitSoftcap      final_logit_softcapping c (Gemma-2/3): the model's logits are c·tanh(s/c); 0 for none
 * @param hiddenAct         the MLP's activation as config.json names it, for a forward pass
 */
public record ModelConfig(String modelType, int dModel, int dMlp, int layers, int vocab, boolean tieWordEmbeddings,
                          String torchDtype, Experts experts, double logitSoftcap, String hiddenAct)
        implements Serializable {

    public ModelConfig {
        if (modelType == null || modelType.isBlank()) {
            throw new IllegalArgumentException("model_type is missing");
        }
        requirePositive("hidden_size", dModel);
        requirePositive("intermediate_size", dMlp);
        requirePositive("num_hidden_layers", layers);
        requirePositive("vocab_size", vocab);
        Objects.requireNonNull(experts, "experts");
        if (!(logitSoftcap >= 0) || Double.isInfinite(logitSoftcap)) {
            throw new IllegalArgumentException("final_logit_softcapping must be positive or null, found "
                    + logitSoftcap);
        }
        for (int layer : experts.denseLayers()) {
            if (layer < 0 || layer >= layers) {
                throw new IllegalArgumentException("dense layer " + layer + " is outside 0-" + (layers - 1));
            }
        }
    }

    /** A dense model with a SiLU MLP and no softcapping: the Llama family's shape. */
    public ModelConfig(String modelType, int dModel, int dMlp, int layers, int vocab, boolean tieWordEmbeddings,
                       String torchDtype) {
        this(modelType, dModel, dMlp, layers, vocab, tieWordEmbeddings, torchDtype, Experts.NONE, 0, "silu");
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, found " + value);
        }
    }

    /** Reads config.json with the reader of its model_type's architecture. */
    public static ModelConfig read(Path configJson) throws CheckpointException {
        ConfigFile file = ConfigFile.read(configJson);
        Architecture architecture;
        try {
            architecture = Architectures.forModelType(file.modelType());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configJson + ": " + e.getMessage(), e);
        }
        try {
            return architecture.readConfig(file);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configJson + ": " + e.getMessage(), e);
        }
    }

    /**
     * The fields most families share: hidden_size, intermediate_size, num_hidden_layers, vocab_size,
     * tie_word_embeddings and hidden_act.
     *
     * @param tieDefault   tie_word_embeddings when absent, as the family's config class has it
     * @param activation   the activation when hidden_act is absent
     * @param experts      the experts the family reads from its own fields
     * @param logitSoftcap the softcap the family reads, 0 for none
     */
    public static ModelConfig standard(ConfigFile config, boolean tieDefault, String activation, Experts experts,
                                       double logitSoftcap) throws CheckpointException {
        return new ModelConfig(config.modelType(), config.integer("hidden_size"), config.integer("intermediate_size"),
                config.integer("num_hidden_layers"), config.integer("vocab_size"),
                config.bool("tie_word_embeddings", tieDefault), config.dtype(), experts, logitSoftcap,
                config.text("hidden_act", activation));
    }

    /** The MLPs of a layer: its dense MLP, or its experts. */
    public List<MlpBlock> mlpBlocks(int layer) {
        return experts.blocks(layer, dMlp);
    }

    /** The MLP of a layer the atlas names by its expert column (null for a dense MLP). */
    public MlpBlock mlpBlock(int layer, String expert) {
        for (MlpBlock block : mlpBlocks(layer)) {
            if (Objects.equals(block.expert(), expert)) {
                return block;
            }
        }
        throw new IllegalArgumentException("layer " + layer + " has no " + (expert == null ? "dense MLP"
                : "expert '" + expert + "'") + " (" + mlpBlocks(layer).size() + " MLP(s))");
    }

    /** Neurons of one matrix in a layer, over all its MLPs. */
    public int neuronsPerLayer(int layer) {
        return mlpBlocks(layer).stream().mapToInt(MlpBlock::width).sum();
    }

    /** The most neurons one matrix has in any layer. */
    public int maxNeuronsPerLayer() {
        int most = 0;
        for (int layer = 0; layer < layers; layer++) {
            most = Math.max(most, neuronsPerLayer(layer));
        }
        return most;
    }
}

package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a forward pass reads besides the MLP, embedding, final norm and LM head that {@link Architecture} names: the
 * attention and norm tensors of each layer, which projections carry biases, the activation and the kind of norm.
 * Adding an architecture's forward pass means adding an implementation and returning it from its
 * {@link Architecture#decoders()}, so a family's description stays in one place; the math reads nothing else about
 * the model family.
 */
public interface DecoderLayout extends Serializable {

    /** Normalisations a decoder layer can use; the forward pass implements each kind listed here. */
    enum Norm {
        /** Root-mean-square norm with a learned scale and no bias (Llama, Mistral, Qwen2). */
        RMS
    }

    /** Activations of a gated MLP, by config.json's {@code hidden_act} name. */
    enum Activation {
        /** silu(x) = x · sigmoid(x). */
        SILU("silu");

        private final String configName;

        Activation(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        /** The activation hidden_act names, or null when there is no forward pass for it. */
        static Activation of(String hiddenAct) {
            for (Activation a : values()) {
                if (a.configName.equals(hiddenAct)) {
                    return a;
                }
            }
            return null;
        }
    }

    /** The model_type of config.json this layout describes. */
    String modelType();

    /** The weight of projection p of layer l: [out, in] as nn.Linear stores it. */
    String attentionWeight(AttentionProjection p, int layer);

    /** The bias of projection p of layer l, present only for {@link #biasedProjections}. */
    String attentionBias(AttentionProjection p, int layer);

    /**
     * The projections that carry a bias, given config.json's {@code attention_bias} (false when absent). Some
     * families ignore the flag: Qwen2's q, k and v always have one.
     */
    Set<AttentionProjection> biasedProjections(boolean attentionBiasFlag);

    /** The norm before attention. */
    String inputNorm(int layer);

    /** The norm between attention and the MLP. */
    String postAttentionNorm(int layer);

    Norm norm();

    /** The activation when config.json has no hidden_act. */
    Activation defaultActivation();

    /** Every layout with a forward pass, in the order error messages list them. */
    static List<DecoderLayout> all() {
        List<DecoderLayout> all = new ArrayList<>();
        for (Architecture architecture : Architectures.ALL) {
            all.addAll(architecture.decoders());
        }
        return all;
    }

    /**
     * The layout of a model_type, as its {@link Architecture} describes it.
     *
     * @throws IllegalArgumentException "no forward pass yet for model_type X (supported: ...)"
     */
    static DecoderLayout forModelType(String modelType) {
        List<String> supported = new ArrayList<>();
        for (DecoderLayout layout : all()) {
            if (layout.modelType().equals(modelType)) {
                return layout;
            }
            supported.add(layout.modelType());
        }
        throw new IllegalArgumentException("no forward pass yet for model_type '" + modelType + "' (supported: "
                + String.join(", ", supported) + ")");
    }
}

package io.neuronatlas.checkpoint.synthetic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.NeuronSource;
import io.neuronatlas.checkpoint.safetensors.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * How each model family writes its checkpoint, as Hugging Face transformers and the published checkpoints have it:
 * config.json's fields, the tensor names, their orientation and dtype, and the tensors beside the MLP a real
 * checkpoint has (biases, routers, a vision tower) that the map must leave alone. Written from the families' modeling
 * code independently of the map's {@link io.neuronatlas.checkpoint.Architecture}s, so that the tests of those compare
 * two descriptions rather than one with itself.
 */
public enum SyntheticFamily {
    LLAMA("llama", "LlamaForCausalLM", DType.BF16, false),
    QWEN3("qwen3", "Qwen3ForCausalLM", DType.BF16, false),
    OLMO2("olmo2", "Olmo2ForCausalLM", DType.F32, false),
    GEMMA("gemma", "GemmaForCausalLM", DType.BF16, true),
    GEMMA2("gemma2", "Gemma2ForCausalLM", DType.BF16, true),
    GEMMA3_TEXT("gemma3_text", "Gemma3ForCausalLM", DType.BF16, true),
    /** Gemma3ForConditionalGeneration as published: the text model under language_model.model. */
    GEMMA3("gemma3", "Gemma3ForConditionalGeneration", DType.BF16, true),
    /** Gemma3ForConditionalGeneration as transformers 4.52 and later save it: under model.language_model. */
    GEMMA3_SAVED("gemma3", "Gemma3ForConditionalGeneration", DType.BF16, true),
    /** openai-community/gpt2: GPT2Model's names, no "transformer." prefix. */
    GPT2("gpt2", "GPT2LMHeadModel", DType.F32, true),
    /** A GPT2LMHeadModel saved with save_pretrained: "transformer." in front. */
    GPT2_PREFIXED("gpt2", "GPT2LMHeadModel", DType.F32, true),
    GPT_NEOX("gpt_neox", "GPTNeoXForCausalLM", DType.F16, false),
    PHI3("phi3", "Phi3ForCausalLM", DType.BF16, false),
    MIXTRAL("mixtral", "MixtralForCausalLM", DType.BF16, false),
    QWEN2_MOE("qwen2_moe", "Qwen2MoeForCausalLM", DType.BF16, false),
    QWEN3_MOE("qwen3_moe", "Qwen3MoeForCausalLM", DType.BF16, false),
    /** gpt-oss with its experts dequantized to BF16 (the published MXFP4 blocks are not float weights). */
    GPT_OSS("gpt_oss", "GptOssForCausalLM", DType.BF16, false);

    /** The shape of a synthetic checkpoint. */
    record Shape(int dModel, int dMlp, int layers, int vocab, int experts, int expertDMlp, int sharedDMlp,
                 List<Integer> denseLayers) {
    }

    /** A tensor beside the MLP's that the map must not read, filled with small random values. */
    record Extra(String name, long[] shape) {
    }

    private final String modelType;
    private final String className;
    private final DType dtype;
    private final boolean tied;

    SyntheticFamily(String modelType, String className, DType dtype, boolean tied) {
        this.modelType = modelType;
        this.className = className;
        this.dtype = dtype;
        this.tied = tied;
    }

    public String modelType() {
        return modelType;
    }

    /** The dtype its published checkpoints use. */
    public DType dtype() {
        return dtype;
    }

    /** Whether its published checkpoints tie the head to the embedding. */
    public boolean tied() {
        return tied;
    }

    public boolean mixtureOfExperts() {
        return this == MIXTRAL || this == QWEN2_MOE || this == QWEN3_MOE || this == GPT_OSS;
    }

    /** Whether its MLP is gated: GPT-2's and GPT-NeoX's are not, and have up and down only. */
    public List<MlpMatrix> matrices() {
        return this == GPT2 || this == GPT2_PREFIXED || this == GPT_NEOX ? List.of(MlpMatrix.UP, MlpMatrix.DOWN)
                : List.of(MlpMatrix.values());
    }

    /** The MLPs of a layer as the family's modeling code builds them. */
    List<MlpBlock> blocks(int layer, Shape s) {
        if (!mixtureOfExperts() || s.denseLayers().contains(layer)) {
            return List.of(MlpBlock.dense(s.dMlp()));
        }
        List<MlpBlock> blocks = new ArrayList<>();
        for (int e = 0; e < s.experts(); e++) {
            blocks.add(MlpBlock.routed(e, this == QWEN2_MOE || this == QWEN3_MOE ? s.expertDMlp() : s.dMlp()));
        }
        if (this == QWEN2_MOE) {
            blocks.add(new MlpBlock(MlpBlock.SHARED, s.sharedDMlp()));
        }
        return blocks;
    }

    /** Where the text model's tensors are. */
    private String prefix() {
        return switch (this) {
            case GEMMA3 -> "language_model.model.";
            case GEMMA3_SAVED -> "model.language_model.";
            case GPT2 -> "";
            case GPT2_PREFIXED -> "transformer.";
            case GPT_NEOX -> "gpt_neox.";
            default -> "model.";
        };
    }

    /** Where neuron n of one matrix of one MLP is stored. */
    public NeuronSource placement(MlpMatrix m, int layer, MlpBlock block, Shape s) {
        int d = s.dModel();
        int w = block.width();
        String mlp = prefix() + (this == GPT2 || this == GPT2_PREFIXED ? "h." : "layers.") + layer + ".";
        String why = "synthetic " + name();
        switch (this) {
            case GPT2, GPT2_PREFIXED -> {
                // Conv1D weights are [in, out]: c_fc [d, w], c_proj [w, d].
                boolean up = m == MlpMatrix.UP;
                return new NeuronSource(mlp + "mlp." + (up ? "c_fc" : "c_proj") + ".weight",
                        up ? new long[] {d, w} : new long[] {w, d}, -1, !up, 0, 1, w, why);
            }
            case GPT_NEOX -> {
                String name = m == MlpMatrix.UP ? "dense_h_to_4h" : "dense_4h_to_h";
                return NeuronSource.linear(mlp + "mlp." + name + ".weight", m, d, w, why);
            }
            case PHI3 -> {
                if (m == MlpMatrix.DOWN) {
                    return NeuronSource.linear(mlp + "mlp.down_proj.weight", m, d, w, why);
                }
                return new NeuronSource(mlp + "mlp.gate_up_proj.weight", new long[] {2L * w, d}, -1, true,
                        m == MlpMatrix.GATE ? 0 : w, 1, w, why);
            }
            case MIXTRAL -> {
                String weight = m == MlpMatrix.GATE ? "w1" : m == MlpMatrix.UP ? "w3" : "w2";
                return NeuronSource.linear(mlp + "block_sparse_moe.experts." + block.expert() + "." + weight
                        + ".weight", m, d, w, why);
            }
            case QWEN2_MOE, QWEN3_MOE -> {
                String where = block.isDense() ? "mlp." : block.isShared() ? "mlp.shared_expert."
                        : "mlp.experts." + block.expert() + ".";
                return NeuronSource.linear(mlp + where + m.label() + "_proj.weight", m, d, w, why);
            }
            case GPT_OSS -> {
                // x @ gate_up_proj[e]: [E, d, 2w], gate in even columns, up in odd; down_proj[e]: [E, w, d].
                if (m == MlpMatrix.DOWN) {
                    return new NeuronSource(mlp + "mlp.experts.down_proj", new long[] {s.experts(), w, d},
                            block.index(), true, 0, 1, w, why);
                }
                return new NeuronSource(mlp + "mlp.experts.gate_up_proj", new long[] {s.experts(), d, 2L * w},
                        block.index(), false, m == MlpMatrix.GATE ? 0 : 1, 2, w, why);
            }
            default -> {
                return NeuronSource.linear(mlp + "mlp." + m.label() + "_proj.weight", m, d, w, why);
            }
        }
    }

    public String embedTokens() {
        return prefix() + switch (this) {
            case GPT2, GPT2_PREFIXED -> "wte.weight";
            case GPT_NEOX -> "embed_in.weight";
            default -> "embed_tokens.weight";
        };
    }

    /** The head's name when it is not tied. */
    public String untiedHead() {
        return switch (this) {
            case GPT_NEOX -> "embed_out.weight";
            case GEMMA3 -> "language_model.lm_head.weight";
            default -> "lm_head.weight";
        };
    }

    public String finalNorm() {
        return prefix() + switch (this) {
            case GPT2, GPT2_PREFIXED -> "ln_f.weight";
            case GPT_NEOX -> "final_layer_norm.weight";
            default -> "norm.weight";
        };
    }

    /** The final LayerNorm's bias, or null for an RMSNorm. */
    public String finalNormBias() {
        String weight = finalNorm();
        return layerNorm() ? weight.substring(0, weight.length() - "weight".length()) + "bias" : null;
    }

    public boolean layerNorm() {
        return this == GPT2 || this == GPT2_PREFIXED || this == GPT_NEOX;
    }

    /** Gemma's RMSNorm scales by 1 + w. */
    public boolean onePlusNorm() {
        return this == GEMMA || this == GEMMA2 || this == GEMMA3_TEXT || this == GEMMA3 || this == GEMMA3_SAVED;
    }

    /** The MLP's activation as config.json names it. */
    public String activation() {
        return switch (this) {
            case GPT2, GPT2_PREFIXED -> "gelu_new";
            case GPT_NEOX -> "gelu";
            case GEMMA, GEMMA2, GEMMA3_TEXT, GEMMA3, GEMMA3_SAVED -> "gelu_pytorch_tanh";
            default -> "silu";
        };
    }

    /** The softcap config.json gives the model's logits, 0 for none. */
    public double logitSoftcap() {
        return this == GEMMA2 ? 30.0 : 0;
    }

    /** Tensors of a layer beside its MLP's neuron matrices: biases, routers. */
    List<Extra> extras(int layer, Shape s) {
        long d = s.dModel();
        long e = s.experts();
        String mlp = prefix() + (this == GPT2 || this == GPT2_PREFIXED ? "h." : "layers.") + layer + ".mlp.";
        return switch (this) {
            case GPT2, GPT2_PREFIXED -> List.of(new Extra(mlp + "c_fc.bias", new long[] {s.dMlp()}),
                    new Extra(mlp + "c_proj.bias", new long[] {d}));
            case GPT_NEOX -> List.of(new Extra(mlp + "dense_h_to_4h.bias", new long[] {s.dMlp()}),
                    new Extra(mlp + "dense_4h_to_h.bias", new long[] {d}));
            case MIXTRAL -> List.of(new Extra(prefix() + "layers." + layer + ".block_sparse_moe.gate.weight",
                    new long[] {e, d}));
            case QWEN2_MOE -> s.denseLayers().contains(layer) ? List.of() : List.of(
                    new Extra(mlp + "gate.weight", new long[] {e, d}),
                    new Extra(mlp + "shared_expert_gate.weight", new long[] {1, d}));
            case QWEN3_MOE -> s.denseLayers().contains(layer) ? List.of()
                    : List.of(new Extra(mlp + "gate.weight", new long[] {e, d}));
            case GPT_OSS -> List.of(new Extra(mlp + "router.weight", new long[] {e, d}),
                    new Extra(mlp + "router.bias", new long[] {e}),
                    new Extra(mlp + "experts.gate_up_proj_bias", new long[] {e, 2L * s.dMlp()}),
                    new Extra(mlp + "experts.down_proj_bias", new long[] {e, d}));
            default -> List.of();
        };
    }

    /** Tensors of the model beside its layers: a multimodal model's vision tower and projector. */
    List<Extra> modelExtras(Shape s) {
        return switch (this) {
            case GEMMA3 -> List.of(new Extra("vision_tower.vision_model.embeddings.patch_embedding.weight",
                    new long[] {8, 3, 2, 2}), new Extra("multi_modal_projector.mm_input_projection_weight",
                    new long[] {8, s.dModel()}));
            case GEMMA3_SAVED -> List.of(new Extra("model.vision_tower.vision_model.embeddings.patch_embedding.weight",
                    new long[] {8, 3, 2, 2}), new Extra("model.multi_modal_projector.mm_input_projection_weight",
                    new long[] {8, s.dModel()}));
            case GPT2, GPT2_PREFIXED -> List.of(new Extra(prefix() + "wpe.weight", new long[] {16, s.dModel()}));
            default -> List.of();
        };
    }

    /** config.json's fields, named as the family's transformers config class names them. */
    void config(ObjectNode root, Shape s, boolean tiedHead, String torchDtype) {
        root.putArray("architectures").add(className);
        root.put("model_type", modelType);
        switch (this) {
            case GPT2, GPT2_PREFIXED -> {
                root.put("n_embd", s.dModel());
                if (s.dMlp() == 4 * s.dModel()) {
                    root.putNull("n_inner"); // GPT2Config: None means 4·n_embd, as the OpenAI checkpoints write it
                } else {
                    root.put("n_inner", s.dMlp());
                }
                root.put("n_layer", s.layers());
                root.put("n_head", Math.max(1, s.dModel() / 64));
                root.put("n_positions", 16);
                root.put("vocab_size", s.vocab());
                root.put("activation_function", "gelu_new");
                root.put("layer_norm_epsilon", 1e-5);
                if (!tiedHead) {
                    root.put("tie_word_embeddings", false);
                }
            }
            case GEMMA3, GEMMA3_SAVED -> {
                ObjectNode text = root.putObject("text_config");
                text.put("model_type", "gemma3_text");
                text.put("hidden_size", s.dModel());
                text.put("intermediate_size", s.dMlp());
                text.put("num_hidden_layers", s.layers());
                if (s.vocab() != 262_208) {
                    text.put("vocab_size", s.vocab()); // the published configs leave Gemma3TextConfig's default out
                }
                text.putNull("final_logit_softcapping");
                text.put("hidden_activation", "gelu_pytorch_tanh");
                ObjectNode vision = root.putObject("vision_config");
                vision.put("model_type", "siglip_vision_model");
                vision.put("hidden_size", 8);
                root.put("image_token_index", 262_144);
            }
            default -> {
                root.put("hidden_size", s.dModel());
                root.put("intermediate_size", s.dMlp());
                root.put("num_hidden_layers", s.layers());
                root.put("num_attention_heads", Math.max(1, s.dModel() / 64));
                root.put("vocab_size", s.vocab());
                moeAndNormFields(root, s);
                root.put("tie_word_embeddings", tiedHead);
            }
        }
        root.put("torch_dtype", torchDtype);
    }

    private void moeAndNormFields(ObjectNode root, Shape s) {
        switch (this) {
            case GEMMA, GEMMA2, GEMMA3_TEXT -> {
                root.put("hidden_activation", "gelu_pytorch_tanh");
                root.put("rms_norm_eps", 1e-6);
                if (this == GEMMA2) {
                    root.put("final_logit_softcapping", logitSoftcap());
                    root.put("attn_logit_softcapping", 50.0);
                } else if (this == GEMMA3_TEXT) {
                    root.putNull("final_logit_softcapping");
                }
            }
            case GPT_NEOX -> {
                root.put("hidden_act", "gelu");
                root.put("layer_norm_eps", 1e-5);
                root.put("rotary_pct", 0.25);
                root.put("use_parallel_residual", true);
            }
            case MIXTRAL -> {
                root.put("num_local_experts", s.experts());
                root.put("num_experts_per_tok", 2);
                root.put("rms_norm_eps", 1e-5);
            }
            case QWEN2_MOE, QWEN3_MOE -> {
                root.put("num_experts", s.experts());
                root.put("num_experts_per_tok", 2);
                root.put("moe_intermediate_size", s.expertDMlp());
                if (this == QWEN2_MOE) {
                    root.put("shared_expert_intermediate_size", s.sharedDMlp());
                }
                root.put("decoder_sparse_step", 1);
                var dense = root.putArray("mlp_only_layers");
                s.denseLayers().forEach(dense::add);
                root.put("rms_norm_eps", 1e-6);
            }
            case GPT_OSS -> {
                root.put("num_local_experts", s.experts());
                root.put("experts_per_token", 2);
                root.put("num_experts_per_tok", 2);
                root.put("rms_norm_eps", 1e-5);
            }
            default -> root.put("rms_norm_eps", 1e-5);
        }
    }
}

package io.neuronatlas.checkpoint;

import java.util.Set;

/** Hugging Face's Llama naming, shared by Mistral and Qwen2. */
public final class LlamaArchitecture implements Architecture {
    public static final LlamaArchitecture INSTANCE = new LlamaArchitecture();
    private static final long serialVersionUID = 1L;

    private LlamaArchitecture() {
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("llama", "mistral", "qwen2");
    }

    @Override
    public String mlpWeight(MlpMatrix matrix, int layer) {
        return "model.layers." + layer + ".mlp." + matrix.label() + "_proj.weight";
    }

    @Override
    public String lmHead() {
        return "lm_head.weight";
    }

    @Override
    public String embedTokens() {
        return "model.embed_tokens.weight";
    }

    @Override
    public String finalNorm() {
        return "model.norm.weight";
    }

    private Object readResolve() {
        return INSTANCE;
    }
}

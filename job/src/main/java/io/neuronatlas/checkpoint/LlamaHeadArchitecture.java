package io.neuronatlas.checkpoint;

/**
 * What the families descended from Llama keep of its naming outside the MLP: the embedding model.embed_tokens, an
 * untied lm_head, and an RMSNorm model.norm before it. Llama, Phi-3, Mixtral, Qwen-MoE and gpt-oss differ only in
 * their MLPs.
 */
abstract class LlamaHeadArchitecture implements Architecture {
    private static final long serialVersionUID = 1L;

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

    @Override
    public NormKind norm() {
        return NormKind.RMS;
    }
}

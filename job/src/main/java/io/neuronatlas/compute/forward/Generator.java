package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.neuronatlas.checkpoint.ForwardConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Generates continuations of a prompt, optionally steered by clamps (the paper's Figure 4: L25.1442=145). The prompt
 * is computed once and its keys and values copied to every sample; each step then computes one new position per
 * sample from the KV cache, with the clamps applied at that position. A sample stops at any of config.json's eos
 * ids or after maxTokens; the batch runs until every sample has stopped.
 */
public final class Generator {
    private final DecoderStack stack;
    private final ForwardConfig config;

    public Generator(DecoderModel model) {
        this.stack = new DecoderStack(model);
        this.config = model.config();
    }

    /**
     * @throws IllegalArgumentException for a bad prompt, clamps outside the model, or prompt + maxTokens beyond
     *     max_position_embeddings
     */
    public List<Generation> generate(int[] prompt, Clamps clamps, GenerationOptions options) {
        Prompts.check(config, new int[][] {prompt}, options.maxTokens());
        for (Clamp c : clamps.clamps()) {
            c.neuron().requireIn(config.model());
        }
        int samples = options.samples();
        int layers = config.model().layers();
        ActivationHook hook = clamps.hook();
        Set<Integer> eos = new HashSet<>(config.eosTokenIds());
        SplittableRandom root = new SplittableRandom(options.seed());
        SplittableRandom[] random = new SplittableRandom[samples];
        List<List<Integer>> tokens = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            random[i] = root.split();
            tokens.add(new ArrayList<>());
        }
        boolean[] ended = new boolean[samples];
        try (NDManager scope = stack.model().newSubManager(); KvCache cache = KvCache.open(scope, layers)) {
            float[][] logits = new float[samples][];
            float[] promptLogits;
            try (NDManager promptScope = scope.newSubManager()) {
                promptLogits = step(promptScope, new int[][] {prompt}, cache, hook)[0];
            }
            cache.repeatBatch(samples);
            for (int i = 0; i < samples; i++) {
                logits[i] = promptLogits;
            }
            int[][] next = new int[samples][1];
            for (int t = 0; t < options.maxTokens(); t++) {
                boolean running = false;
                for (int i = 0; i < samples; i++) {
                    if (!ended[i]) {
                        int id = Sampler.next(logits[i], options, random[i]);
                        tokens.get(i).add(id);
                        next[i][0] = id;
                        ended[i] = eos.contains(id);
                    }
                    running |= !ended[i];
                }
                if (!running || t == options.maxTokens() - 1) {
                    break;
                }
                // Ended samples still ride along with their last token: one batch keeps one cache.
                try (NDManager stepScope = scope.newSubManager()) {
                    logits = step(stepScope, next, cache, hook);
                }
            }
        }
        List<Generation> out = new ArrayList<>(samples);
        for (int i = 0; i < samples; i++) {
            out.add(new Generation(i, tokens.get(i).stream().mapToInt(Integer::intValue).toArray(), ended[i],
                    clamps));
        }
        return out;
    }

    /** Runs new positions of every sequence through all layers, extending the cache; next-token logits per row. */
    private float[][] step(NDManager scope, int[][] ids, KvCache cache, ActivationHook hook) {
        DecoderStack.Step step = stack.step(scope, cache.length(), ids[0].length);
        NDArray x = stack.layers(stack.embed(scope, ids, cache.length()), 0, config.model().layers(), step, cache,
                hook, scope, false);
        cache.advance(ids[0].length);
        float[] flat = stack.logits(x).toFloatArray();
        int vocab = config.model().vocab();
        float[][] rows = new float[ids.length][vocab];
        for (int b = 0; b < ids.length; b++) {
            System.arraycopy(flat, b * vocab, rows[b], 0, vocab);
        }
        return rows;
    }
}

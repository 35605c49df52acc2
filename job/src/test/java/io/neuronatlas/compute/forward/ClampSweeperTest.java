package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.testing.HfFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The efficient sweep (shared prefix, values batched from the neuron's layer on, rank-1 update) against full passes
 * with the clamp applied inside the MLP, one value at a time. Agreement: probabilities within 1e-5 absolute, logits
 * within 1e-4, identical ranks and top tokens.
 */
@ExtendWith(OneTorchThread.class)
class ClampSweeperTest {
    @TempDir
    static Path dir;
    static DecoderModel model;
    static ReferenceDecoder reference;
    static final int[] PROMPT = {12, 200, 37, 151, 9, 88, 42};
    static final double[] VALUES = new ValueRange(-30, 30, 13).values();
    static final int TARGET = 101;

    @BeforeAll
    static void load() throws Exception {
        Models.llama().layers(4).write(dir);
        model = Models.load(dir);
        reference = new ReferenceDecoder(dir);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /**
     * Where a norm follows the MLP (Gemma-2's post_feedforward_layernorm, OLMo-2's) the sweep recomputes the clamped
     * layer's MLP output instead of a rank-1 update: against full passes too, in every layer, both scopes, with
     * neurons of several layers in one batch; and a sliding window shorter than the prompt (Gemma-2's 12 tokens).
     */
    @ParameterizedTest
    @ValueSource(strings = {"gemma2", "olmo2", "gpt_neox"})
    void sweepsWhereANormFollowsTheMlp(String family) throws Exception {
        HfFixture fixture = HfFixture.load(family);
        try (DecoderModel m = DecoderModel.load(fixture.modelDir(), Device.cpu(), Precision.FP32)) {
            int[] prompt = fixture.prompt(fixture.promptCount() - 1);
            int layers = m.config().model().layers();
            List<NeuronRef> neurons = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                neurons.add(new NeuronRef(l, 3 + l));
            }
            double[] values = {-4, 0, 5};
            int target = 7;
            ForwardPass pass = new ForwardPass(m);
            for (ClampScope scope : ClampScope.values()) {
                for (ClampSweep sweep : new ClampSweeper(m).sweep(prompt, neurons, values, target, scope)) {
                    for (SweepPoint point : sweep.points()) {
                        NextTokenStats full = pass.nextToken(prompt, Clamps.of(scope, new Clamp(sweep.neuron(),
                                point.value())), target);
                        assertAgree(full, point.stats(), family + " " + sweep.neuron() + "=" + point.value() + " "
                                + scope);
                    }
                }
            }
        }
    }

    /**
     * A mixture of experts sweeps from the prefix too (a clamped expert's update weighted by the router, or by the
     * shared expert's gate; every batch row routed on its own above it): against full passes with the clamp inside
     * the expert, for a neuron of every expert and the shared one in every layer, in one batch, both scopes. The
     * fixtures route some experts at none of the prompt's positions and some at a few, so flat and moving curves are
     * both checked.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mixtral", "qwen2_moe", "qwen3_moe", "gpt_oss"})
    void mixturesSweepFromThePrefix(String family) throws Exception {
        HfFixture fixture = HfFixture.load(family);
        try (DecoderModel m = DecoderModel.load(fixture.modelDir(), Device.cpu(), Precision.FP32)) {
            int[] prompt = fixture.prompt(fixture.promptCount() - 1);
            List<NeuronRef> neurons = new ArrayList<>();
            for (int l = 0; l < m.config().model().layers(); l++) {
                for (MlpBlock block : m.config().model().mlpBlocks(l)) {
                    neurons.add(new NeuronRef(l, block.expert(), 2 + l + neurons.size() % 5));
                }
            }
            double[] values = {-6, 0, 8};
            int target = 7;
            ForwardPass pass = new ForwardPass(m);
            int moved = 0;
            for (ClampScope scope : ClampScope.values()) {
                for (ClampSweep sweep : new ClampSweeper(m).sweep(prompt, neurons, values, target, scope)) {
                    for (SweepPoint point : sweep.points()) {
                        NextTokenStats full = pass.nextToken(prompt, Clamps.of(scope, new Clamp(sweep.neuron(),
                                point.value())), target);
                        assertAgree(full, point.stats(), family + " " + sweep.neuron() + "=" + point.value() + " "
                                + scope);
                        moved += Math.abs(point.stats().targetLogit() - sweep.baseline().targetLogit()) > 1e-3
                                ? 1 : 0;
                    }
                }
            }
            assertTrue(moved > 0, family + ": no clamp moved the target's logit");
        }
    }

    @Test
    void batchedSweepEqualsSeparateFullPasses() {
        ClampSweeper sweeper = new ClampSweeper(model);
        ForwardPass pass = new ForwardPass(model);
        List<NeuronRef> neurons = List.of(new NeuronRef(0, 3), new NeuronRef(1, 50), new NeuronRef(2, 95),
                new NeuronRef(3, 0));
        for (ClampScope scope : ClampScope.values()) {
            List<ClampSweep> sweeps = sweeper.sweep(PROMPT, neurons, VALUES, TARGET, scope);
            for (ClampSweep sweep : sweeps) {
                assertEquals(scope, sweep.scope());
                assertEquals(VALUES.length, sweep.points().size());
                for (SweepPoint point : sweep.points()) {
                    NextTokenStats full = pass.nextToken(PROMPT, Clamps.of(scope, new Clamp(sweep.neuron(),
                            point.value())), TARGET);
                    assertAgree(full, point.stats(), sweep.neuron() + "=" + point.value() + " " + scope);
                }
            }
        }
    }

    @Test
    void prefixEqualsAFullPass() {
        ClampSweeper sweeper = new ClampSweeper(model);
        NeuronRef neuron = new NeuronRef(2, 40);
        try (PromptPrefix prefix = sweeper.prefix(PROMPT, List.of(neuron))) {
            ClampSweep sweep = sweeper.sweep(prefix, neuron, new double[] {1.0}, TARGET, ClampScope.ALL);
            assertAgree(new ForwardPass(model).nextToken(PROMPT, Clamps.none(), TARGET), sweep.baseline(),
                    "baseline");
            double[] natural = reference.activation(PROMPT, 2, 40);
            assertEquals(natural[PROMPT.length - 1], sweep.naturalActivation(),
                    1e-5 * Math.max(1, Math.abs(natural[PROMPT.length - 1])));
            assertEquals(PROMPT.length, sweep.promptLength());
            double[] logits = reference.logits(PROMPT, Map.of(), false);
            assertEquals(logits[TARGET], sweep.baseline().targetLogit(), 1e-4 * Math.abs(logits[TARGET]) + 1e-4);
        }
    }

    /**
     * LAST and ALL differ exactly where they should: for a neuron of the last layer nothing after it mixes
     * positions, so both scopes give the same curve; for an earlier neuron the clamp at the other positions reaches
     * the last one through attention, so the curves differ; and a one-token prompt has no other positions.
     */
    @Test
    void scopeLastDiffersFromAllOnlyWhereItShould() {
        ClampSweeper sweeper = new ClampSweeper(model);
        NeuronRef lastLayer = new NeuronRef(3, 11);
        NeuronRef early = new NeuronRef(0, 11);
        List<ClampSweep> all = sweeper.sweep(PROMPT, List.of(lastLayer, early), VALUES, TARGET, ClampScope.ALL);
        List<ClampSweep> last = sweeper.sweep(PROMPT, List.of(lastLayer, early), VALUES, TARGET, ClampScope.LAST);
        double earlyDifference = 0;
        for (int i = 0; i < VALUES.length; i++) {
            assertAgree(all.get(0).points().get(i).stats(), last.get(0).points().get(i).stats(), "last layer");
            earlyDifference = Math.max(earlyDifference, Math.abs(all.get(1).points().get(i).stats().targetLogit()
                    - last.get(1).points().get(i).stats().targetLogit()));
        }
        assertTrue(earlyDifference > 0.05, "scopes should differ for a layer-0 neuron: " + earlyDifference);
        int[] one = {PROMPT[0]};
        List<ClampSweep> allOne = sweeper.sweep(one, List.of(early), VALUES, TARGET, ClampScope.ALL);
        List<ClampSweep> lastOne = sweeper.sweep(one, List.of(early), VALUES, TARGET, ClampScope.LAST);
        for (int i = 0; i < VALUES.length; i++) {
            assertAgree(allOne.get(0).points().get(i).stats(), lastOne.get(0).points().get(i).stats(), "one token");
        }
    }

    /**
     * More rows than a chunk holds: the first neuron's values fill one chunk and spill into the next, where the
     * second neuron's rows (of an earlier layer) run beside them.
     */
    @Test
    void chunksOfValuesGiveTheSameCurves() {
        ClampSweeper sweeper = new ClampSweeper(model);
        List<NeuronRef> neurons = List.of(new NeuronRef(1, 7), new NeuronRef(0, 30));
        double[] many = new ValueRange(-50, 50, ClampSweeper.ROW_BUDGET / PROMPT.length + 5).values();
        List<ClampSweep> sweeps = sweeper.sweep(PROMPT, neurons, many, TARGET, ClampScope.ALL);
        ForwardPass pass = new ForwardPass(model);
        for (int n = 0; n < neurons.size(); n++) {
            assertEquals(neurons.get(n), sweeps.get(n).neuron());
            for (int i : new int[] {0, 6, many.length / 2, many.length - 5, many.length - 1}) {
                assertAgree(pass.nextToken(PROMPT, Clamps.of(ClampScope.ALL, new Clamp(neurons.get(n), many[i])),
                        TARGET), sweeps.get(n).points().get(i).stats(), neurons.get(n) + " = " + many[i]);
            }
        }
    }

    static void assertAgree(NextTokenStats expected, NextTokenStats actual, String what) {
        assertEquals(expected.targetProb(), actual.targetProb(), 1e-5, what + ": target probability");
        assertEquals(expected.targetLogit(), actual.targetLogit(), 1e-4 * Math.max(1,
                Math.abs(expected.targetLogit())), what + ": target logit");
        assertEquals(expected.targetRank(), actual.targetRank(), what + ": target rank");
        assertEquals(expected.top1Id(), actual.top1Id(), what + ": top-1 token");
        assertEquals(expected.top1Prob(), actual.top1Prob(), 1e-5, what + ": top-1 probability");
    }
}

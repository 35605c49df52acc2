package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder.CausalNeuron;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/** Generation from the KV cache against full recomputation, seeding, and stopping at EOS. */
@ExtendWith(OneTorchThread.class)
class GeneratorTest {
    @TempDir
    static Path dir;
    static SyntheticDecoder.Written written;
    static DecoderModel model;
    /** Writes the EOS token when " is" drives it, or when clamped high. */
    static final CausalNeuron EOS_NEURON = new CausalNeuron(2, 30, " is", SyntheticDecoder.EOS, 1.0, 0.5);

    @BeforeAll
    static void load() throws Exception {
        written = Models.llama().vocab(512).plant(EOS_NEURON).write(dir);
        model = Models.load(dir);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int[] prompt() {
        return new int[] {written.id(" the"), written.id(" happy"), written.id(" cat"), written.id(" run")};
    }

    @Test
    void kvCacheDecodingEqualsFullRecomputation() {
        DecoderStack stack = new DecoderStack(model);
        ForwardPass pass = new ForwardPass(model);
        int[] sequence = Models.randomPrompts(1, 9, 512, 11)[0];
        int promptLength = 4;
        try (NDManager scope = model.newSubManager(); KvCache cache = KvCache.open(scope, 3)) {
            for (int end = promptLength; end <= sequence.length; end++) {
                int start = cache.length();
                int[][] fresh = {Arrays.copyOfRange(sequence, start, end)};
                float[] cached;
                try (NDManager step = scope.newSubManager()) {
                    DecoderStack.Step positions = stack.step(step, start, end - start);
                    NDArray x = stack.layers(stack.embed(step, fresh, start), 0, 3, positions, cache,
                            ActivationHook.NONE, step, false);
                    cache.advance(end - start);
                    cached = stack.logits(x).toFloatArray();
                }
                float[] full = pass.nextTokenLogits(new int[][] {Arrays.copyOf(sequence, end)}, Clamps.none())[0];
                double[] expected = new double[full.length];
                for (int i = 0; i < full.length; i++) {
                    expected[i] = full[i];
                }
                assertTrue(Models.relativeError(cached, expected) < 1e-5, "length " + end + ": "
                        + Models.relativeError(cached, expected));
            }
        }
    }

    @Test
    void greedyEqualsArgmaxOfFullRecomputation() {
        Generator generator = new Generator(model);
        ForwardPass pass = new ForwardPass(model);
        GenerationOptions greedy = new GenerationOptions(2, 10, 0, 1, 1);
        for (Clamps clamps : List.of(Clamps.none(), Clamps.of(ClampScope.ALL, new Clamp(new NeuronRef(1, 5), 8),
                new Clamp(new NeuronRef(0, 60), -3)))) {
            List<Generation> out = generator.generate(prompt(), clamps, greedy);
            int[] sequence = prompt();
            int[] expected = new int[0];
            for (int t = 0; t < 10; t++) {
                int next = Sampler.argmax(pass.nextTokenLogits(new int[][] {sequence}, clamps)[0]);
                expected = append(expected, next);
                sequence = append(sequence, next);
                if (model.config().eosTokenIds().contains(next)) {
                    break;
                }
            }
            for (Generation g : out) {
                assertArrayEquals(expected, g.tokens(), "clamps " + clamps);
                assertEquals(clamps, g.clamps());
            }
        }
    }

    @Test
    void sameSeedSameTokens() {
        Generator generator = new Generator(model);
        GenerationOptions options = new GenerationOptions(3, 12, 0.9, 0.9, 42);
        Clamps clamps = Clamps.of(ClampScope.ALL, new Clamp(new NeuronRef(1, 5), 8));
        List<Generation> first = generator.generate(prompt(), clamps, options);
        List<Generation> again = generator.generate(prompt(), clamps, options);
        List<Generation> otherSeed = generator.generate(prompt(), clamps, new GenerationOptions(3, 12, 0.9, 0.9, 43));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(first.get(i).tokens(), again.get(i).tokens(), "sample " + i);
        }
        assertNotEquals(tokens(first), tokens(otherSeed), "another seed should sample other tokens");
        assertNotEquals(Arrays.toString(first.get(0).tokens()), Arrays.toString(first.get(1).tokens()),
                "samples of one call draw from their own streams");
    }

    @Test
    void stopsAtEos() {
        Generator generator = new Generator(model);
        int eos = model.config().eosTokenIds().get(0);
        Clamps eosClamp = Clamps.of(ClampScope.ALL, new Clamp(new NeuronRef(EOS_NEURON.layer(),
                EOS_NEURON.neuron()), 200));
        for (Generation g : generator.generate(prompt(), eosClamp, new GenerationOptions(4, 20, 1.0, 1.0, 5))) {
            int[] t = g.tokens();
            assertTrue(g.endedAtEos(), Arrays.toString(t));
            assertEquals(eos, t[t.length - 1]);
            assertTrue(t.length < 20, Arrays.toString(t));
            for (int i = 0; i < t.length - 1; i++) {
                assertNotEquals(eos, t[i]);
            }
        }
        for (Generation g : generator.generate(prompt(), Clamps.none(), new GenerationOptions(2, 6, 0, 1, 5))) {
            assertFalse(g.endedAtEos(), Arrays.toString(g.tokens()));
            assertEquals(6, g.tokens().length);
        }
    }

    private static String tokens(List<Generation> generations) {
        StringBuilder s = new StringBuilder();
        for (Generation g : generations) {
            s.append(Arrays.toString(g.tokens()));
        }
        return s.toString();
    }

    private static int[] append(int[] a, int x) {
        int[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = x;
        return b;
    }
}

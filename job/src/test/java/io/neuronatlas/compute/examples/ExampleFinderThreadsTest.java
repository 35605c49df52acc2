package io.neuronatlas.compute.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import io.neuronatlas.checkpoint.RopeScaling;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.forward.DecoderModel;
import io.neuronatlas.compute.forward.Precision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host updates split over threads by neuron range give the same blocks, bit for bit, as one thread: every
 * neuron's count, exact sums, extremes, sketch and heaps (values, places and windows); and the sample, chosen a batch
 * at a time, is the brute-force one over the whole corpus.
 */
class ExampleFinderThreadsTest {
    @TempDir
    Path dir;

    @Test
    void threadsChangeNothing() throws Exception {
        new SyntheticDecoder().modelType("llama").layers(2).dModel(32).dMlp(97).heads(4, 2).vocab(200)
                .dtype(DType.F32).rope(10000, RopeScaling.NONE).seed(5).write(dir);
        List<Segment> segments = new ArrayList<>();
        Random r = new Random(3);
        for (int i = 0; i < 21; i++) {
            int[] tokens = new int[8 + r.nextInt(9)];
            for (int p = 0; p < tokens.length; p++) {
                tokens[p] = 1 + r.nextInt(199);
            }
            segments.add(new Segment("corpus.jsonl", i / 3, null, i % 3, 16L * (i % 3), 1, tokens));
        }
        ExampleSettings settings = new ExampleSettings(new int[] {0, 1}, 97, 16, 4, 3, 2, 3, 5);
        int previous = Engines.cpuThreads();
        try (DecoderModel model = DecoderModel.load(dir, Device.cpu(), Precision.FP32)) {
            List<NeuronBlock> one = run(model, settings, segments, 1);
            List<NeuronBlock> three = run(model, settings, segments, 3);
            for (int l = 0; l < one.size(); l++) {
                assertSame(one.get(l), three.get(l));
                assertSampleIsTheSmallestPriorities(one.get(l), segments, settings.sample());
            }
        } finally {
            Engines.limitCpuThreads(previous);
        }
    }

    /**
     * The sample by brute force: of every text position of the corpus, the ones with the smallest priority hash
     * (ties by place), whatever batches they arrived in.
     */
    private static void assertSampleIsTheSmallestPriorities(NeuronBlock block, List<Segment> segments, int k) {
        for (int n = 0; n < block.count; n++) {
            List<long[]> all = new ArrayList<>(); // (priority, document, segment, position)
            for (Segment seg : segments) {
                long key = Hashing.segmentKey(seg.file(), seg.document(), seg.index());
                for (int p = seg.prefix(); p < seg.tokens().length; p++) {
                    all.add(new long[] {Hashing.priority(Hashing.mix(key + p), block.layer, n), seg.document(),
                            seg.index(), p});
                }
            }
            all.sort(java.util.Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1])
                    .thenComparingLong(e -> e[2]).thenComparingLong(e -> e[3]));
            List<Example> sample = block.sample.sorted(n);
            assertEquals(Math.min(k, all.size()), sample.size());
            for (int i = 0; i < sample.size(); i++) {
                Example e = sample.get(i);
                assertArrayEquals(all.get(i), new long[] {e.priority(), e.document(), e.segment(), e.position()},
                        "sample " + i + " of neuron " + n + " in layer " + block.layer);
            }
        }
    }

    private static List<NeuronBlock> run(DecoderModel model, ExampleSettings settings, List<Segment> segments,
                                         int threads) {
        Engines.limitCpuThreads(threads);
        ExampleFinder finder = new ExampleFinder(model, settings);
        segments.forEach(finder::accept);
        return finder.finish();
    }

    private static void assertSame(NeuronBlock a, NeuronBlock b) {
        assertArrayEquals(a.positions, b.positions);
        assertArrayEquals(a.sumWhole, b.sumWhole);
        assertArrayEquals(a.sumFraction, b.sumFraction);
        assertArrayEquals(a.squareWhole, b.squareWhole);
        assertArrayEquals(a.squareFraction, b.squareFraction);
        assertArrayEquals(a.min, b.min);
        assertArrayEquals(a.max, b.max);
        for (int n = 0; n < a.count; n++) {
            for (double q : new double[] {0, 0.5, 0.9, 1}) {
                assertEquals(a.sketches[n].quantile(q), b.sketches[n].quantile(q), 0, "neuron " + n);
            }
            assertSame(a.largest.sorted(n), b.largest.sorted(n), "largest of neuron " + n);
            assertSame(a.smallest.sorted(n), b.smallest.sorted(n), "smallest of neuron " + n);
            assertSame(a.sample.sorted(n), b.sample.sorted(n), "sample of neuron " + n);
        }
    }

    private static void assertSame(List<Example> a, List<Example> b, String what) {
        assertEquals(a.size(), b.size(), what);
        for (int i = 0; i < a.size(); i++) {
            Example x = a.get(i);
            Example y = b.get(i);
            assertEquals(List.of(x.value(), x.priority(), x.document(), x.segment(), x.position(), x.windowStart()),
                    List.of(y.value(), y.priority(), y.document(), y.segment(), y.position(), y.windowStart()), what);
            assertArrayEquals(x.tokens(), y.tokens(), what);
            assertArrayEquals(x.activations(), y.activations(), what);
        }
    }
}

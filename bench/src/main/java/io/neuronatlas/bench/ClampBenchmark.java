package io.neuronatlas.bench;

import ai.djl.Device;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder.CausalNeuron;
import io.neuronatlas.cli.Command;
import io.neuronatlas.cli.Scopt;
import io.neuronatlas.compute.ProcessMemory;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.forward.Clamp;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.ClampSweep;
import io.neuronatlas.compute.forward.ClampSweeper;
import io.neuronatlas.compute.forward.Clamps;
import io.neuronatlas.compute.forward.DecoderModel;
import io.neuronatlas.compute.forward.ForwardPass;
import io.neuronatlas.compute.forward.NeuronRef;
import io.neuronatlas.compute.forward.NextTokenStats;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.compute.forward.PromptPrefix;
import io.neuronatlas.compute.forward.ValueRange;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import scopt.OParser;

/**
 * {@code bench-clamp}: clamp sweeps at a family's real shapes ({@link ClampFamily}: Llama-3.2-1B by default), the naive
 * way (an independent full forward pass per value, the clamp applied inside the MLP) against {@link ClampSweeper} (one
 * prefix pass per prompt, all values of a neuron in one batch from its layer on), in the same run on the same model,
 * with the results compared.
 */
final class ClampBenchmark implements Command {
    /** Agreement: probabilities are compared absolutely, logits relative to max(1, |logit|). */
    static final double PROB_TOLERANCE = 1e-5;
    static final double LOGIT_TOLERANCE = 1e-4;
    /**
     * Among 128,256 logits, another token often lies within float noise of the target's, so a rank may move by one
     * or two between two correct computations; more would be a real difference.
     */
    static final int RANK_TOLERANCE = 2;
    private static final String WRITER_MARK = "written-by.txt";

    static final class Args {
        String work = "target/bench-clamp";
        String values = "-500:500:41";
        String scope = "all";
        String family = "llama";
        int threads = Runtime.getRuntime().availableProcessors();
    }

    @Override
    public String name() {
        return "bench-clamp";
    }

    @Override
    public String summary() {
        return "clamp sweeps at a family's real shapes: naive full passes against the batched prefix sweep";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        OParser<?, Args> parser = s.parser("neuron-atlas-bench bench-clamp",
                "Writes (once) a complete bf16 checkpoint of a family's real shapes (Llama-3.2-1B by default; "
                        + "scaled down where the model would not fit, which it prints; synthetic weights, a dog neuron "
                        + "planted at L12.1442 in the dense ones), loads it in fp32 on the CPU, sweeps 8 neurons x 2 "
                        + "prompts x the values naively (one full forward pass per value) and with the batched prefix "
                        + "sweep, checks that both agree, and prints both times, the speed-up (goal >= 10x) and peak "
                        + "RSS.",
                s.string("family", ClampFamily.options(), "the model's family (default llama): llama is "
                        + "Llama-3.2-1B; qwen3 is Qwen3-1.7B with 16 of its 28 layers; qwen3_moe is Qwen3-30B-A3B "
                        + "with 8 of its 48 layers and 16 of its 128 experts, 2 per token (its neurons: one a layer, "
                        + "of an expert the prompt's last token is routed to)", (a, v) -> a.family = v),
                s.string("work", "DIR", "where the checkpoint goes (default target/bench-clamp; 2-3 GB a family)",
                        (a, v) -> a.work = v),
                s.string("values", "START:STOP:COUNT", "clamp values (default -500:500:41, the paper's Figure 3)",
                        (a, v) -> a.values = v),
                s.string("scope", "all|last", "positions clamped (default all, as the paper)", (a, v) -> a.scope = v),
                s.integer("threads", "N", "PyTorch intra-op threads for both ways (default: all cores)",
                        (a, v) -> a.threads = v));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        double[] values = ValueRange.parse("--values", a.values).values();
        ClampScope scope = ClampScope.parse(a.scope);
        ClampFamily family = ClampFamily.parse(a.family);
        out.println("bench-clamp --family " + family.option() + ": " + family.shapes() + "; synthetic bf16 weights");
        SyntheticDecoder.Written model = ensureCheckpoint(family, Path.of(a.work, family.folder()), out);
        int dog = model.id(" dog");
        int bos = model.id(SyntheticDecoder.BOS);
        // The paper's prompts as Llama-3.1 tokenizes them (BOS + 4 and BOS + 3 tokens), in synthetic words.
        List<int[]> prompts = List.of(
                new int[] {bos, model.id(" the"), model.id(" happy"), model.id(" cat"), model.id(" is")},
                new int[] {bos, model.id(" the"), model.id(" king"), model.id(" in")});

        Engines.limitCpuThreads(a.threads);
        long t0 = System.nanoTime();
        try (DecoderModel decoder = DecoderModel.load(model.dir(), Device.cpu(), Precision.FP32)) {
            out.printf(Locale.ROOT, "bench-clamp: loaded %s in fp32 (%.2f GB on %s) in %.1f s; %d threads; load "
                            + "average %s%n", model.dir(), decoder.residentBytes() / 1e9, decoder.device(),
                    (System.nanoTime() - t0) / 1e9, ai.djl.pytorch.jni.JniUtils.getNumThreads(),
                    Benchmarks.loadAverage());
            ForwardPass pass = new ForwardPass(decoder);
            ClampSweeper sweeper = new ClampSweeper(decoder);
            List<List<NeuronRef>> neurons = new ArrayList<>();
            for (int[] prompt : prompts) {
                neurons.add(family.neurons(sweeper, prompt));
                out.println("  neurons on a prompt of " + prompt.length + " tokens: " + neurons.get(
                        neurons.size() - 1));
            }
            // Warm-up: the first passes pay for thread pools and allocator growth.
            pass.nextToken(prompts.get(0), Clamps.none(), dog);
            sweeper.sweep(prompts.get(1), neurons.get(1).subList(neurons.get(1).size() - 1, neurons.get(1).size()),
                    new double[] {0, 1}, dog, scope);

            int runs = neurons.stream().mapToInt(List::size).sum() * values.length;
            out.printf(Locale.ROOT, "%nsweeping %d neurons x %d prompts x %d values (%s) = %d clamped predictions, "
                    + "scope %s%n", neurons.get(0).size(), prompts.size(), values.length, a.values, runs,
                    scope.label());
            long e0 = System.nanoTime();
            List<ClampSweep> fast = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                try (PromptPrefix prefix = sweeper.prefix(prompts.get(i), neurons.get(i))) {
                    fast.addAll(sweeper.sweep(prefix, neurons.get(i), values, dog, scope));
                }
            }
            double efficient = (System.nanoTime() - e0) / 1e9;
            out.printf(Locale.ROOT, "  batched prefix sweep: %8.1f s (%.1f ms per prediction)%n", efficient,
                    1000 * efficient / runs);

            long n0 = System.nanoTime();
            List<NextTokenStats> naive = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                for (NeuronRef neuron : neurons.get(i)) {
                    for (double v : values) {
                        naive.add(pass.nextToken(prompts.get(i), Clamps.of(scope, new Clamp(neuron, v)), dog));
                    }
                }
            }
            double naiveSeconds = (System.nanoTime() - n0) / 1e9;
            out.printf(Locale.ROOT, "  naive full passes:    %8.1f s (%.1f ms per prediction)%n", naiveSeconds,
                    1000 * naiveSeconds / runs);
            boolean agree = compare(fast, naive, out);
            out.printf(Locale.ROOT, "speed-up naive / batched: %.1fx (goal >= 10x)%n", naiveSeconds / efficient);
            if (family.planted() != null) {
                report(family.planted(), fast, out);
            }
            out.printf(Locale.ROOT, "peak RSS (VmHWM): %.2f GB; load average after: %s%n",
                    ProcessMemory.peakRssBytes() / 1e9, Benchmarks.loadAverage());
            return agree ? 0 : 1;
        }
    }

    /**
     * Both ways must give the same curves: target and top-1 probabilities within 1e-5, target logits within 1e-4 of
     * max(1, |logit|), ranks within {@value #RANK_TOLERANCE}, and the same top token unless the two candidates' shares
     * are equal within the probability tolerance (a tie).
     */
    private static boolean compare(List<ClampSweep> fast, List<NextTokenStats> naive, PrintStream out) {
        double maxProb = 0;
        double maxLogit = 0;
        int maxRank = 0;
        int rankMismatches = 0;
        int tiedTops = 0;
        int topMismatches = 0;
        int i = 0;
        for (ClampSweep sweep : fast) {
            for (var point : sweep.points()) {
                NextTokenStats f = point.stats();
                NextTokenStats n = naive.get(i++);
                double topProb = Math.abs(f.top1Prob() - n.top1Prob());
                maxProb = Math.max(maxProb, Math.max(Math.abs(f.targetProb() - n.targetProb()), topProb));
                maxLogit = Math.max(maxLogit, Math.abs(f.targetLogit() - n.targetLogit())
                        / Math.max(1, Math.abs(n.targetLogit())));
                maxRank = Math.max(maxRank, Math.abs(f.targetRank() - n.targetRank()));
                rankMismatches += f.targetRank() == n.targetRank() ? 0 : 1;
                if (f.top1Id() != n.top1Id()) {
                    if (topProb <= PROB_TOLERANCE) {
                        tiedTops++;
                    } else {
                        topMismatches++;
                    }
                }
            }
        }
        boolean agree = maxProb <= PROB_TOLERANCE && maxLogit <= LOGIT_TOLERANCE && maxRank <= RANK_TOLERANCE
                && topMismatches == 0;
        out.printf(Locale.ROOT, "agreement over %d predictions: max |dp| %.2e (tolerance %.0e, target and top-1), "
                        + "max |dlogit|/max(1,|logit|) %.2e (tolerance %.0e), ranks differ in %d (by at most %d, "
                        + "tolerance %d), top-1 differs in %d (%d more at a tie): %s%n", i, maxProb, PROB_TOLERANCE,
                maxLogit, LOGIT_TOLERANCE, rankMismatches, maxRank, RANK_TOLERANCE, topMismatches, tiedTops,
                agree ? "AGREE" : "DISAGREE");
        return agree;
    }

    /** The planted neuron's curve, as a sanity check that the sweep measures what was planted. */
    private static void report(CausalNeuron planted, List<ClampSweep> sweeps, PrintStream out) {
        for (ClampSweep sweep : sweeps) {
            if (sweep.neuron().equals(new NeuronRef(planted.layer(), planted.neuron()))) {
                NextTokenStats first = sweep.points().get(0).stats();
                NextTokenStats last = sweep.points().get(sweep.points().size() - 1).stats();
                out.printf(Locale.ROOT, "planted %s, prompt of %d tokens: natural activation %.2f, p(' dog') %.3g "
                                + "unclamped, %.3g (rank %d) at %s, %.3g (rank %d) at %s%n", sweep.neuron(),
                        sweep.promptLength(), sweep.naturalActivation(), sweep.baseline().targetProb(),
                        first.targetProb(), first.targetRank(), sweep.points().get(0).value(), last.targetProb(),
                        last.targetRank(), sweep.points().get(sweep.points().size() - 1).value());
            }
        }
    }

    private static SyntheticDecoder.Written ensureCheckpoint(ClampFamily family, Path dir, PrintStream out)
            throws IOException {
        SyntheticDecoder writer = family.writer();
        Path config = dir.resolve(Checkpoint.CONFIG);
        Path mark = dir.resolve(WRITER_MARK);
        if (Files.isRegularFile(config) && Files.isRegularFile(mark)
                && Files.readString(mark).equals(family.writerMark())) {
            out.println("bench-clamp: reusing " + dir);
            return writer.writtenAt(dir);
        }
        long t0 = System.nanoTime();
        Path partial = dir.resolveSibling(dir.getFileName() + ".partial");
        deleteTree(partial);
        writer.write(partial);
        Files.writeString(partial.resolve(WRITER_MARK), family.writerMark());
        deleteTree(dir);
        Files.move(partial, dir);
        out.printf(Locale.ROOT, "bench-clamp: wrote %s in %.1f s%n", dir, (System.nanoTime() - t0) / 1e9);
        return writer.writtenAt(dir);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

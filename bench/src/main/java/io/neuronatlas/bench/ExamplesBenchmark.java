package io.neuronatlas.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.RopeScaling;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.cli.Command;
import io.neuronatlas.cli.Scopt;
import io.neuronatlas.compute.ProcessMemory;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.examples.ExampleFinder;
import io.neuronatlas.compute.examples.ExampleSettings;
import io.neuronatlas.compute.examples.MemoryBound;
import io.neuronatlas.compute.examples.Segment;
import io.neuronatlas.compute.examples.Segmenter;
import io.neuronatlas.compute.forward.Clamps;
import io.neuronatlas.compute.forward.DecoderModel;
import io.neuronatlas.compute.forward.ForwardPass;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.corpus.JsonLines;
import io.neuronatlas.jobs.ExamplesOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import scopt.OParser;

/**
 * {@code bench-examples}: the examples job's per-task work at Llama-3.2-1B shapes (fp32 synthetic weights, written
 * once) over the Austen corpus: segments of 128 tokens through the forward pass with the capture of every layer and
 * the per-neuron updates ({@link ExampleFinder}), against the plain forward pass of the same batches without capture
 * (goal ≥ 0.9, issue 22), and against a PyTorch eager forward of the same model and batches on the same CPU (Debian's
 * python3-torch; goal ≥ 1.0×); then the estimated time of the paper's 8B workload on N GPU executors.
 */
final class ExamplesBenchmark implements Command {
    static final int LAYERS = 16;
    static final int D_MODEL = 2048;
    static final int D_MLP = 8192;
    static final int HEADS = 32;
    static final int KV_HEADS = 8;
    static final int VOCAB = 128_256;
    private static final String WRITER_MARK = "written-by.txt";

    static final class Args {
        String work = "target/bench-examples";
        String corpus = "../shared/corpora/austen/austen.jsonl";
        int tokens = 2048;
        int batch = 8;
        int threads = Runtime.getRuntime().availableProcessors();
        int gpus = 8;
        double gpuTokensPerSecond = 0;
        boolean skipTorch;
        int rounds = 2;
    }

    @Override
    public String name() {
        return "bench-examples";
    }

    @Override
    public String summary() {
        return "examples at Llama-3.2-1B shapes over Austen: capture vs plain forward vs PyTorch eager";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        OParser<?, Args> parser = s.parser("neuron-atlas-bench bench-examples",
                "Writes (once) an fp32 checkpoint with Llama-3.2-1B shapes (~4.9 GB), cuts the corpus into "
                        + "segments of 128 tokens, and times the same batches three ways: the examples capture with "
                        + "its per-neuron updates, the plain forward pass, and PyTorch eager (python3-torch).",
                s.string("work", "DIR", "where the checkpoint goes (default target/bench-examples)",
                        (a, v) -> a.work = v),
                s.string("corpus", "FILE", "JSON lines corpus (default ../shared/corpora/austen/austen.jsonl)",
                        (a, v) -> a.corpus = v),
                s.integer("tokens", "N", "text tokens examined (default 2048: 2 cores need ~1 min per pass)",
                        (a, v) -> a.tokens = v),
                s.integer("batch-size", "N", "segments per pass (default 8)", (a, v) -> a.batch = v),
                s.integer("threads", "N", "PyTorch intra-op threads, both sides (default all cores)",
                        (a, v) -> a.threads = v),
                s.integer("gpus", "N", "GPU executors for the 8B estimate (default 8)", (a, v) -> a.gpus = v),
                s.decimal("gpu-tokens-per-second", "R", "measured 8B tokens/s of one GPU executor, if known; else "
                        + "the estimate scales the paper's A100 figure (4M x 128 tokens in 12 h)",
                        (a, v) -> a.gpuTokensPerSecond = v),
                s.integer("rounds", "N", "rounds of all three ways; each way's best round is reported (default 2)",
                        (a, v) -> a.rounds = v),
                s.flag("skip-torch", "leave out the PyTorch baseline", a -> a.skipTorch = true));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        if (a.rounds < 1) {
            err.println("bench-examples: --rounds must be at least 1, found " + a.rounds);
            return 2;
        }
        SyntheticDecoder.Written model = ensureCheckpoint(Path.of(a.work, "llama-3.2-1b-f32"), out);
        List<Segment> segments = segments(model.dir(), Path.of(a.corpus), a.tokens);
        long textTokens = segments.stream().mapToLong(Segment::textTokens).sum();
        int[][][] batches = batches(segments, a.batch);
        out.printf(Locale.ROOT, "bench-examples: %,d text tokens of %s in %d segments of <= 128, %d batches of %d; "
                + "%d threads%n", textTokens, a.corpus, segments.size(), batches.length, a.batch, a.threads);
        Engines.limitCpuThreads(a.threads);
        int[] layers = new int[LAYERS];
        Arrays.setAll(layers, i -> i);
        ExampleSettings settings = new ExampleSettings(layers, D_MLP, 128, ExamplesOptions.DEFAULT_TOP,
                ExamplesOptions.DEFAULT_SAMPLE, ExampleSettings.BEFORE, ExampleSettings.AFTER, a.batch);
        // The VM's speed drifts by tens of percent over minutes, so the ways are interleaved (plain and capture
        // batch by batch, PyTorch between) and each way's best round is compared.
        List<Round> rounds = new ArrayList<>();
        float[] javaLogits;
        try (DecoderModel decoder = DecoderModel.load(model.dir(), Device.cpu(), Precision.FP32)) {
            ForwardPass plain = new ForwardPass(decoder);
            plain.nextTokenLogits(new int[][] {batches[0][0]}, Clamps.none()); // warm-up
            warmUp(decoder, settings, segments.subList(0, Math.min(a.batch, segments.size())));
            javaLogits = Arrays.copyOf(plain.nextTokenLogits(batches[0], Clamps.none())[0], 8);
            for (int r = 0; r < a.rounds; r++) {
                // The last round's finder (its gigabytes of example state) goes before the next is made, as an
                // executor holds one task's state at a time: peak RSS is then one finder's, not two.
                System.gc();
                Round round = round(decoder, plain, settings, segments, batches);
                TorchRun torch = a.skipTorch ? null : torch(model.dir(), batches, a, out);
                rounds.add(torch == null ? round : round.withTorch(torch));
                out.printf(Locale.ROOT, "  round %d: plain %.1f s, capture %.1f s (updates %.1f s, collector pauses "
                        + "%.1f s)%s%n", r + 1, round.plain, round.capture, round.updates, round.collector,
                        torch == null ? "" : String.format(Locale.ROOT, ", PyTorch eager %.1f s", torch.seconds()));
            }
        }
        Round best = Round.best(rounds);
        double captureRate = textTokens / best.capture;
        double plainRate = textTokens / best.plain;
        double updateSeconds = best.updates;
        out.printf(Locale.ROOT, "  best of %d rounds:%n", rounds.size());
        out.printf(Locale.ROOT, "  plain forward (all layers, no capture): %8.1f s  %8.1f tokens/s%n", best.plain,
                plainRate);
        out.printf(Locale.ROOT, "  examples capture + updates:             %8.1f s  %8.1f tokens/s  (updates %.1f s, "
                + "collector pauses %.1f s of a %.1f GB heap)  ratio %.2f (goal >= 0.9)%n", best.capture,
                captureRate, updateSeconds, best.collector, Runtime.getRuntime().maxMemory() / 1e9,
                captureRate / plainRate);
        if (best.torch != null) {
            TorchRun torch = best.torch;
            double diff = 0;
            for (int i = 0; i < torch.logits().length; i++) {
                diff = Math.max(diff, Math.abs(torch.logits()[i] - javaLogits[i]));
            }
            double rate = textTokens / torch.seconds();
            out.printf(Locale.ROOT, "  PyTorch eager forward (%s):  %8.1f s  %8.1f tokens/s  capture / eager = %.2fx "
                    + "(goal >= 1.0); first logits agree within %.2e%n", torch.version(), torch.seconds(), rate,
                    captureRate / rate, diff);
            // Both forwards are matrix products above all: the engines' own sgemm speed on this CPU, for context.
            double djlGemm = gemmGflops();
            out.printf(Locale.ROOT, "  sgemm (%d x %d)·(%d x %d), %d threads: DJL's libtorch %.1f GFLOP/s, PyTorch "
                            + "%.1f GFLOP/s: DJL / PyTorch = %.2fx%n", GEMM_ROWS, D_MODEL, D_MODEL, D_MLP, a.threads,
                    djlGemm, torch.gemmGflops(), djlGemm / torch.gemmGflops());
        } else if (!a.skipTorch) {
            out.println("  PyTorch eager: no round ran it (see the lines above)");
        }
        // The 8B estimate (the paper's 4M segments x 128 tokens), an estimate and not a measurement: the forward at
        // the GPU rate given (else the paper's one-A100 rate: 4M x 128 tokens in 12 h), and the per-neuron updates,
        // which run on the executor's CPU cores, at this run's measured cost per (token, neuron) scaled to 458,752
        // neurons; an executor takes the slower of the two, as they overlap only partly.
        double tokens8b = 4e6 * 128;
        double perGpu = a.gpuTokensPerSecond > 0 ? a.gpuTokensPerSecond : tokens8b / (12 * 3600.0);
        double forwardHours = tokens8b / (perGpu * a.gpus) / 3600;
        double perTokenNeuron = updateSeconds / ((double) textTokens * LAYERS * D_MLP);
        double updateHours = perTokenNeuron * tokens8b * 458_752 / a.gpus / 3600;
        out.printf(Locale.ROOT, "  8B estimate (4M x 128 tokens, %d GPU executors; an estimate): forward %.1f h at "
                        + "%,.0f tokens/s per GPU (%s); per-neuron updates %.1f h at the %.2f ns per token and neuron "
                        + "measured here with %d threads per executor; so about %.1f h. Task state: %s%n",
                a.gpus, forwardHours, perGpu, a.gpuTokensPerSecond > 0 ? "as given" : "the paper's A100 rate",
                updateHours, perTokenNeuron * 1e9, a.threads, Math.max(forwardHours, updateHours),
                MemoryBound.of(new ExampleSettings(new int[] {0}, 14_336, 128, 32, 16, 32, 31, 1), 32).describe());
        out.printf(Locale.ROOT, "  peak RSS: %.2f GB%n", ProcessMemory.peakRssBytes() / 1e9);
        return 0;
    }

    /** One round of the two Java ways, interleaved batch by batch, with a fresh finder. */
    private static Round round(DecoderModel decoder, ForwardPass plain, ExampleSettings settings,
                               List<Segment> segments, int[][][] batches) {
        ExampleFinder finder = new ExampleFinder(decoder, settings);
        double gc0 = collectorSeconds();
        long plainNanos = 0;
        long captureNanos = 0;
        int next = 0;
        for (int b = 0; b < batches.length; b++) {
            long t0 = System.nanoTime();
            plain.nextTokenLogits(batches[b], Clamps.none());
            long t1 = System.nanoTime();
            for (int i = 0; i < batches[b].length; i++) {
                finder.accept(segments.get(next++));
            }
            if (b == batches.length - 1) {
                finder.finish();
            }
            plainNanos += t1 - t0;
            captureNanos += System.nanoTime() - t1;
        }
        return new Round(plainNanos / 1e9, captureNanos / 1e9, finder.updateSeconds(), collectorSeconds() - gc0,
                null);
    }

    /** One round's seconds; the best round takes each way's fastest. */
    private record Round(double plain, double capture, double updates, double collector, TorchRun torch) {
        Round withTorch(TorchRun t) {
            return new Round(plain, capture, updates, collector, t);
        }

        static Round best(List<Round> rounds) {
            Round plainBest = rounds.stream().min(Comparator.comparingDouble(Round::plain)).orElseThrow();
            Round captureBest = rounds.stream().min(Comparator.comparingDouble(Round::capture))
                    .orElseThrow();
            TorchRun torchBest = rounds.stream().map(Round::torch).filter(Objects::nonNull)
                    .min(Comparator.comparingDouble(TorchRun::seconds)).orElse(null);
            return new Round(plainBest.plain, captureBest.capture, captureBest.updates, captureBest.collector,
                    torchBest);
        }
    }

    /** What the PyTorch script reported: its seconds, first 8 logits of the first sequence, sgemm GFLOP/s. */
    private record TorchRun(String version, double seconds, float[] logits, double gemmGflops) {
    }

    /** PyTorch eager over the same batches in python3-torch, or null (said on out) when it cannot run. */
    private static TorchRun torch(Path model, int[][][] batches, Args a, PrintStream out)
            throws IOException, InterruptedException {
        Path script = Path.of("bench/scripts/torch_llama_forward.py");
        if (!Files.isRegularFile(script)) {
            out.println("  PyTorch eager: skipped (" + script + " not found; run from the repository root)");
            return null;
        }
        StringBuilder json = new StringBuilder("[");
        for (int b = 0; b < batches.length; b++) {
            json.append(b == 0 ? "" : ",").append("[");
            for (int i = 0; i < batches[b].length; i++) {
                json.append(i == 0 ? "" : ",").append(Arrays.toString(batches[b][i]));
            }
            json.append("]");
        }
        Path ids = Files.createTempFile("bench-examples-ids", ".json");
        Files.writeString(ids, json.append("]"));
        // Debian's python3-torch is for Debian's python3: a pyenv python3 earlier on PATH would lack it.
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        Process p = new ProcessBuilder(python, script.toString(), model.toString(), ids.toString(),
                Integer.toString(a.threads)).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        Files.deleteIfExists(ids);
        if (code != 0) {
            out.println("  PyTorch eager: failed (python3-torch installed? apt-get install python3-torch):\n"
                    + output.strip());
            return null;
        }
        double seconds = 0;
        float[] logits = new float[0];
        for (String line : output.split("\n")) {
            if (line.startsWith("seconds=")) {
                seconds = Double.parseDouble(line.substring(8).trim());
            } else if (line.startsWith("logits0=")) {
                String[] parts = line.substring(8).trim().split(",");
                logits = new float[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    logits[i] = Float.parseFloat(parts[i]);
                }
            }
        }
        double gemm = output.lines().filter(l -> l.startsWith("gemm_gflops=")).findFirst()
                .map(l -> Double.parseDouble(l.substring(12).trim())).orElse(Double.NaN);
        String version = output.lines().filter(l -> l.startsWith("torch=")).findFirst().orElse("torch");
        return new TorchRun(version, seconds, logits, gemm);
    }

    /** Time the JVM's collectors have spent so far (their pauses, for G1). */
    private static double collectorSeconds() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms / 1e3;
    }

    /** Rows of the sgemm probe: one batch of 8 segments of 128 tokens. */
    private static final int GEMM_ROWS = 1024;

    /** Float32 GFLOP/s of DJL's engine on the probe's product, the best of five after a warm-up. */
    private static double gemmGflops() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray x = m.randomNormal(new Shape(GEMM_ROWS, D_MODEL));
            NDArray w = m.randomNormal(new Shape(D_MODEL, D_MLP));
            x.matMul(w).close();
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                x.matMul(w).close();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return 2.0 * GEMM_ROWS * D_MODEL * D_MLP / best / 1e9;
        }
    }

    /** The corpus's first documents cut into segments as the job cuts them, up to tokens text tokens. */
    private static List<Segment> segments(Path modelDir, Path corpus, int tokens) throws IOException {
        List<Segment> segments = new ArrayList<>();
        try (PromptEncoder encoder = PromptEncoder.open(modelDir, VOCAB);
             BufferedReader lines = Files.newBufferedReader(corpus, StandardCharsets.UTF_8)) {
            Segmenter segmenter = new Segmenter(encoder, 128);
            long done = 0;
            long offset = 0;
            for (String line = lines.readLine(); line != null && done < tokens; line = lines.readLine()) {
                byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                String text = JsonLines.text(bytes, bytes.length, "text", corpus.toString(), offset);
                done += segmenter.segment(corpus.toString(), offset, null, new StringReader(text), tokens - done,
                        segments::add);
                offset += bytes.length + 1;
            }
        }
        return segments;
    }

    /** Batches of segments padded to 128 on the right, as the job pads them. */
    /**
     * One batch through a throwaway finder of layer 0 only, untimed, as the plain forward's first batch is: the
     * updates' code is compiled by the JIT before the timed run, rather than by compiler threads that take the
     * cores from the first timed batches.
     */
    private static void warmUp(DecoderModel decoder, ExampleSettings settings, List<Segment> batch) {
        ExampleFinder warm = new ExampleFinder(decoder, new ExampleSettings(new int[] {0}, settings.dMlp(),
                settings.segment(), settings.top(), settings.sample(), settings.before(), settings.after(),
                settings.batch()));
        batch.forEach(warm::accept);
        warm.finish();
    }

    private static int[][][] batches(List<Segment> segments, int batch) {
        int n = (segments.size() + batch - 1) / batch;
        int[][][] out = new int[n][][];
        for (int b = 0; b < n; b++) {
            int size = Math.min(batch, segments.size() - b * batch);
            out[b] = new int[size][128];
            for (int i = 0; i < size; i++) {
                int[] t = segments.get(b * batch + i).tokens();
                System.arraycopy(t, 0, out[b][i], 0, t.length);
            }
        }
        return out;
    }

    private static SyntheticDecoder.Written ensureCheckpoint(Path dir, PrintStream out) throws IOException {
        SyntheticDecoder writer = new SyntheticDecoder().modelType("llama").layers(LAYERS).dModel(D_MODEL)
                .dMlp(D_MLP).heads(HEADS, KV_HEADS).headDim(D_MODEL / HEADS).vocab(VOCAB).dtype(DType.F32)
                .tied(true).rope(500000, RopeScaling.llama3(32, 1, 4, 8192)).maxPositions(131072)
                .rmsNormEps(1e-5).seed(1);
        String mark = "SyntheticDecoder llama " + LAYERS + "x" + D_MODEL + "x" + D_MLP + " f32 tied seed 1\n";
        Path config = dir.resolve(Checkpoint.CONFIG);
        if (Files.isRegularFile(config) && Files.isRegularFile(dir.resolve(WRITER_MARK))
                && Files.readString(dir.resolve(WRITER_MARK)).equals(mark)
                && ForwardConfig.read(config).model().dMlp() == D_MLP) {
            out.println("bench-examples: reusing " + dir);
            return writer.writtenAt(dir);
        }
        long t0 = System.nanoTime();
        Path partial = dir.resolveSibling(dir.getFileName() + ".partial");
        deleteTree(partial);
        writer.write(partial);
        Files.writeString(partial.resolve(WRITER_MARK), mark);
        deleteTree(dir);
        Files.move(partial, dir);
        out.printf(Locale.ROOT, "bench-examples: wrote %s in %.1f s%n", dir, (System.nanoTime() - t0) / 1e9);
        return writer.writtenAt(dir);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            org.apache.commons.io.file.PathUtils.deleteDirectory(dir);
        }
    }
}

package io.neuronatlas.jobs;

import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.compute.ExecutorResources;
import io.neuronatlas.compute.ProcessMemory;
import io.neuronatlas.compute.TaskEnvironment;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.examples.Blocks;
import io.neuronatlas.compute.examples.ExampleFinder;
import io.neuronatlas.compute.examples.NeuronBlock;
import io.neuronatlas.compute.examples.Segmenter;
import io.neuronatlas.corpus.CorpusDocument;
import io.neuronatlas.corpus.CorpusException;
import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import scala.Tuple2;

/**
 * The executor side of an examples run: one task per corpus partition. Documents are segmented as they are read;
 * segments go through the forward pass in batches ({@link ExampleFinder}); the task's result is every captured
 * MLP's neurons (a dense layer's, or each expert's of a mixture) cut into blocks, keyed "layer/block" for the merge
 * (blocks numbered within the layer over its MLPs in the config's order, {@link ExamplesPlan#blocks}), plus one
 * {@link PartitionReport}.
 */
final class ExamplesTask {
    /** One tokenizer per model version and executor: loading one takes up to a second. */
    private static final Map<String, PromptEncoder> ENCODERS = new ConcurrentHashMap<>();

    private ExamplesTask() {
    }

    /** The key of a report in the task's output: never merged with another. */
    static String reportKey(int partition) {
        return "report/" + partition;
    }

    static String blockKey(int layer, int block) {
        return layer + "/" + block;
    }

    static Iterator<Tuple2<String, Serializable>> run(int partition, Iterator<CorpusDocument> documents,
                                                      ExamplesPlan plan) throws IOException {
        long t0 = System.nanoTime();
        TaskEnvironment env = SparkTasks.environment();
        DeviceRule.DeviceChoice choice = new DeviceRule(Engines.probe()).choose(plan.device(), env.gpuAddress(),
                env.simulateGpuAsCpu());
        Segmenter segmenter = new Segmenter(encoder(plan), plan.settings().segment());
        ExampleFinder finder = null;
        ExecutorResources.ModelLease lease = null;
        long docs = 0;
        long empty = 0;
        try {
            while (documents.hasNext()) {
                CorpusDocument doc = documents.next();
                long limit = plan.cutoff() == null ? Long.MAX_VALUE
                        : plan.cutoff().limit(doc.fileIndex(), doc.document());
                if (limit == 0) {
                    continue;
                }
                if (finder == null) {
                    if (!choice.device().isGpu()) {
                        Engines.limitCpuThreads(env.cpus());
                    }
                    lease = ExecutorResources.decoder(plan.source(), plan.precision(), choice.device());
                    finder = new ExampleFinder(lease.model(), plan.settings());
                }
                ExampleFinder sink = finder;
                long tokens = segment(segmenter, doc, limit, plan, sink::accept);
                if (tokens == 0) {
                    empty++;
                } else {
                    docs++;
                }
            }
            List<NeuronBlock> layers = finder == null ? List.of() : finder.finish();
            long documentsRead = docs;
            long emptyDocuments = empty;
            long tokens = finder == null ? 0 : finder.tokens();
            long segments = finder == null ? 0 : finder.segments();
            double forward = finder == null ? 0 : finder.forwardSeconds();
            double updates = finder == null ? 0 : finder.updateSeconds();
            return new BlockIterator(layers, plan.blockSize(), () -> new Tuple2<>(reportKey(partition),
                    new PartitionReport(partition, env.executorId(), env.host(), choice.label(), documentsRead,
                            emptyDocuments, tokens, segments, forward, updates, (System.nanoTime() - t0) / 1e9,
                            ProcessMemory.peakRssBytes())));
        } finally {
            if (lease != null) {
                lease.close();
            }
        }
    }

    /** Per document of the partition, in order: its text tokens, up to a partition total of plan's max tokens. */
    static Iterator<long[]> countTokens(Iterator<CorpusDocument> documents, ExamplesPlan plan, long maxTokens)
            throws IOException {
        Segmenter segmenter = new Segmenter(encoder(plan), plan.settings().segment());
        List<long[]> out = new ArrayList<>();
        long total = 0;
        while (documents.hasNext() && total < maxTokens) {
            CorpusDocument doc = documents.next();
            long tokens = segment(segmenter, doc, maxTokens - total, plan, s -> { });
            if (tokens > 0) {
                out.add(new long[] {doc.fileIndex(), doc.document(), tokens});
                total += tokens;
            }
        }
        return out.iterator();
    }

    private static long segment(Segmenter segmenter, CorpusDocument doc, long limit, ExamplesPlan plan,
                                java.util.function.Consumer<io.neuronatlas.compute.examples.Segment> sink)
            throws IOException {
        String where = doc.where(plan.corpus().files().get(doc.fileIndex()).format());
        try (Reader text = doc.text().open()) {
            return segmenter.segment(doc.file(), doc.document(), doc.id(), text, limit, sink);
        } catch (CharacterCodingException e) {
            throw new CorpusException(where + ": not valid UTF-8 text (" + e + ")", e);
        }
    }

    private static PromptEncoder encoder(ExamplesPlan plan) {
        return ENCODERS.computeIfAbsent(plan.source().key(), k -> {
            try {
                return PromptEncoder.open(Path.of(plan.source().modelDir()), plan.vocab());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /**
     * The task's output, made as Spark consumes it: each MLP's blocks are copies out of its arrays
     * ({@link Blocks#slice}), so an MLP is dropped once its last block is made and the copies never coexist with
     * every MLP's arrays; the partition's report comes last, so its peak RSS covers the cutting. A layer's blocks are
     * numbered on over its MLPs, as {@link ExamplesPlan#blocks} counts them.
     */
    private static final class BlockIterator implements Iterator<Tuple2<String, Serializable>> {
        private final List<NeuronBlock> layers;
        private final int blockSize;
        private final Supplier<Tuple2<String, Serializable>> report;
        private int layer; // the index into layers: an MLP's block
        private int first;
        private int number; // the block's number within its layer
        private boolean reported;

        BlockIterator(List<NeuronBlock> layers, int blockSize,
                      Supplier<Tuple2<String, Serializable>> report) {
            this.layers = new ArrayList<>(layers);
            this.blockSize = blockSize;
            this.report = report;
        }

        @Override
        public boolean hasNext() {
            return !reported;
        }

        @Override
        public Tuple2<String, Serializable> next() {
            if (layer == layers.size()) {
                if (reported) {
                    throw new NoSuchElementException();
                }
                reported = true;
                return report.get();
            }
            NeuronBlock block = layers.get(layer);
            int n = Math.min(blockSize, block.count() - first);
            Tuple2<String, Serializable> out = new Tuple2<>(blockKey(block.layer(), number++),
                    Blocks.slice(block, first, n));
            first += n;
            if (first >= block.count()) {
                layers.set(layer++, null);
                first = 0;
                if (layer < layers.size() && layers.get(layer).layer() != block.layer()) {
                    number = 0;
                }
            }
            return out;
        }
    }
}

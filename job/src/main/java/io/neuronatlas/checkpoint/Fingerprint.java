package io.neuronatlas.checkpoint;

import io.neuronatlas.checkpoint.safetensors.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jpountz.xxhash.StreamingXXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The identity of a checkpoint as the map sees it: one hash over everything the map reads. That is the safetensors
 * headers (every tensor's name, dtype, shape and byte range), the weight files' sizes, config.json and
 * tokenizer.json (token strings are part of the rows), and the bytes of the tensors that are projected: every MLP
 * matrix, the LM head (or tied embedding) and the final norm. Two folders with the same fingerprint give the same
 * map for the same parameters; any changed byte of those tensors changes it, whatever the files' modification
 * times say.
 *
 * <p>XXH64 (lz4-java, which Spark itself ships) runs at several GB/s per core, so reading the bytes costs more than
 * hashing them; tensors are hashed on a few threads at once. The fingerprint is not a security measure.
 *
 * @param value       "xxh64:" and 16 hex digits
 * @param bytesHashed tensor and file bytes streamed through the hash
 * @param seconds     wall time taken
 * @param parts       what went into value, hashed apart, so that a changed fingerprint can say what changed:
 *                    {@value #WEIGHTS} (headers, file sizes, tensor bytes), config (config.json), tokenizer
 *                    (tokenizer.json)
 */
public record Fingerprint(String value, long bytesHashed, double seconds, Map<String, String> parts) {
    /** The part of the fingerprint that covers the weights: headers, file sizes and tensor bytes. */
    public static final String WEIGHTS = "weights";

    private static final long SEED = 0x6e6575726f6e4154L; // "neuronAT"
    private static final XXHashFactory XXHASH = XXHashFactory.fastestInstance();

    public Fingerprint {
        if (value == null || !value.startsWith("xxh64:")) {
            throw new IllegalArgumentException("fingerprint must be xxh64:HEX, found " + value);
        }
        parts = Map.copyOf(parts);
    }

    /** Fingerprints an open checkpoint, hashing its tensors on up to {@code threads} threads. */
    public static Fingerprint of(Checkpoint checkpoint, int threads) throws IOException {
        long t0 = System.nanoTime();
        List<TensorInfo> hashed = tensorsTheMapReads(checkpoint);
        List<Part> parts = new ArrayList<>();
        for (TensorInfo tensor : hashed) {
            Path file = checkpoint.weights().fileOf(tensor.name()).path();
            parts.add(new Part("tensor " + tensor.name(), file, tensor.dataStart(), tensor.dataEnd(), tensor));
        }
        for (String name : List.of(Checkpoint.CONFIG, Checkpoint.TOKENIZER)) {
            Path file = checkpoint.dir().resolve(name);
            if (Files.isRegularFile(file)) {
                parts.add(new Part("file " + name, file, 0, Files.size(file), null));
            }
        }
        long[] hashes = hashAll(parts, threads);

        // The description is itself hashed, line by line as it is made (a header may list a million tensors): header
        // facts first, then each streamed part's hash. Streaming XXH64 over the lines equals hashing their
        // concatenation, so fingerprints are those of whole-text hashing.
        try (StreamingXXHash64 description = XXHASH.newStreamingHash64(SEED);
             StreamingXXHash64 weights = XXHASH.newStreamingHash64(SEED)) {
            List<Path> files = new ArrayList<>(checkpoint.weights().files());
            files.sort(Comparator.comparing(p -> p.getFileName().toString()));
            for (Path file : files) {
                line("weights " + file.getFileName() + " " + Files.size(file), description, weights);
            }
            List<TensorInfo> all = new ArrayList<>(checkpoint.weights().tensors());
            all.sort(Comparator.comparing(TensorInfo::name));
            for (TensorInfo t : all) {
                line("header " + t.name() + " " + t.dtype() + " " + Arrays.toString(t.shape()) + " "
                        + checkpoint.weights().fileOf(t.name()).path().getFileName() + " [" + t.dataStart() + ", "
                        + t.dataEnd() + ")", description, weights);
            }
            long bytes = 0;
            Map<String, String> named = new TreeMap<>();
            for (int i = 0; i < parts.size(); i++) {
                Part part = parts.get(i);
                line(part.label() + " " + Long.toHexString(hashes[i]), description,
                        part.tensor() != null ? weights : null);
                if (part.tensor() == null) {
                    // "config", "tokenizer": names that are plain columns of the runs table.
                    named.put(part.file().getFileName().toString().replace(".json", ""), hex(hashes[i]));
                }
                bytes += part.end() - part.start();
            }
            named.put(WEIGHTS, hex(weights.getValue()));
            return new Fingerprint("xxh64:" + hex(description.getValue()), bytes, (System.nanoTime() - t0) / 1e9,
                    named);
        }
    }

    private static String hex(long hash) {
        return String.format(Locale.ROOT, "%016x", hash);
    }

    /** Feeds one line of the description to each hash given (null ones skipped). */
    private static void line(String line, StreamingXXHash64... hashes) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        for (StreamingXXHash64 hash : hashes) {
            if (hash != null) {
                hash.update(bytes, 0, bytes.length);
            }
        }
    }

    /**
     * What differs between two fingerprints' parts, e.g. "tokenizer.json changed"; null when a side lacks parts
     * (a run recorded before parts were kept).
     */
    public static String changed(Map<String, String> before, Map<String, String> after) {
        if (before == null || before.isEmpty() || after.isEmpty()) {
            return null;
        }
        List<String> changed = new ArrayList<>();
        for (String part : new TreeSet<>(after.keySet())) {
            if (!after.get(part).equals(before.get(part))) {
                changed.add(part);
            }
        }
        for (String part : before.keySet()) {
            if (!after.containsKey(part)) {
                changed.add(part);
            }
        }
        return changed.isEmpty() ? null : String.join(" and ", changed.stream()
                .map(part -> part.equals(WEIGHTS) ? part : part + ".json").toList()) + " changed";
    }

    /** MLP matrices of every layer and expert, the LM head and the final norm (when present), in a fixed order. */
    public static List<TensorInfo> tensorsTheMapReads(Checkpoint checkpoint) throws IOException {
        return checkpoint.tensorsTheMapReads();
    }

    /** One byte range streamed through its own hash; a tensor's is also checked to hold finite values. */
    private record Part(String label, Path file, long start, long end, TensorInfo tensor) {
    }

    private static long[] hashAll(List<Part> parts, int threads) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, parts.size())), r -> {
            Thread t = new Thread(r, "fingerprint");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Long>> futures = new ArrayList<>();
            for (Part part : parts) {
                futures.add(pool.submit(() -> hash(part)));
            }
            long[] hashes = new long[parts.size()];
            for (int i = 0; i < hashes.length; i++) {
                hashes[i] = futures.get(i).get();
            }
            return hashes;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw new IOException("fingerprint failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fingerprinting", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static long hash(Part part) throws IOException {
        FiniteCheck finite = part.tensor() == null ? null : FiniteCheck.of(part.file(), part.tensor());
        try (StreamingXXHash64 hash = XXHASH.newStreamingHash64(SEED)) {
            TensorBytes.stream(part.file(), part.start(), part.end(), (chunk, length) -> {
                hash.update(chunk, 0, length);
                if (finite != null) {
                    finite.accept(chunk, length);
                }
            });
            return hash.getValue();
        }
    }
}

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
 */
public record Fingerprint(String value, long bytesHashed, double seconds) {
    private static final long SEED = 0x6e6575726f6e4154L; // "neuronAT"
    private static final XXHashFactory XXHASH = XXHashFactory.fastestInstance();

    public Fingerprint {
        if (value == null || !value.startsWith("xxh64:")) {
            throw new IllegalArgumentException("fingerprint must be xxh64:HEX, found " + value);
        }
    }

    /** Fingerprints an open checkpoint, hashing its tensors on up to {@code threads} threads. */
    public static Fingerprint of(Checkpoint checkpoint, int threads) throws IOException {
        long t0 = System.nanoTime();
        List<TensorInfo> hashed = tensorsTheMapReads(checkpoint);
        List<Part> parts = new ArrayList<>();
        for (TensorInfo tensor : hashed) {
            Path file = checkpoint.weights().fileOf(tensor.name()).path();
            parts.add(new Part("tensor " + tensor.name(), file, tensor.dataStart(), tensor.dataEnd()));
        }
        for (String name : List.of(Checkpoint.CONFIG, Checkpoint.TOKENIZER)) {
            Path file = checkpoint.dir().resolve(name);
            if (Files.isRegularFile(file)) {
                parts.add(new Part("file " + name, file, 0, Files.size(file)));
            }
        }
        long[] hashes = hashAll(parts, threads);

        // The description is itself hashed: header facts first, then each streamed part's hash.
        StringBuilder description = new StringBuilder();
        List<Path> files = new ArrayList<>(checkpoint.weights().files());
        files.sort(Comparator.comparing(p -> p.getFileName().toString()));
        for (Path file : files) {
            description.append("weights ").append(file.getFileName()).append(' ').append(Files.size(file))
                    .append('\n');
        }
        List<TensorInfo> all = new ArrayList<>(checkpoint.weights().tensors());
        all.sort(Comparator.comparing(TensorInfo::name));
        for (TensorInfo t : all) {
            description.append("header ").append(t.name()).append(' ').append(t.dtype()).append(' ')
                    .append(Arrays.toString(t.shape())).append(' ')
                    .append(checkpoint.weights().fileOf(t.name()).path().getFileName()).append(" [")
                    .append(t.dataStart()).append(", ").append(t.dataEnd()).append(")\n");
        }
        long bytes = 0;
        for (int i = 0; i < parts.size(); i++) {
            description.append(parts.get(i).label()).append(' ').append(Long.toHexString(hashes[i])).append('\n');
            bytes += parts.get(i).end() - parts.get(i).start();
        }
        byte[] text = description.toString().getBytes(StandardCharsets.UTF_8);
        long value = XXHASH.hash64().hash(text, 0, text.length, SEED);
        return new Fingerprint(String.format(Locale.ROOT, "xxh64:%016x", value), bytes,
                (System.nanoTime() - t0) / 1e9);
    }

    /** MLP matrices of every layer and expert, the LM head and the final norm (when present), in a fixed order. */
    public static List<TensorInfo> tensorsTheMapReads(Checkpoint checkpoint) throws IOException {
        return checkpoint.tensorsTheMapReads();
    }

    /** One byte range streamed through its own hash. */
    private record Part(String label, Path file, long start, long end) {
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
        try (StreamingXXHash64 hash = XXHASH.newStreamingHash64(SEED)) {
            TensorBytes.stream(part.file(), part.start(), part.end(), (chunk, length) -> hash.update(chunk, 0, length));
            return hash.getValue();
        }
    }
}

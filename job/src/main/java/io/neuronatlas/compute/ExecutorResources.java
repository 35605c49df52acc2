package io.neuronatlas.compute;

import ai.djl.Device;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.CheckpointException;
import io.neuronatlas.checkpoint.CheckpointRef;
import io.neuronatlas.compute.projection.HeadSpec;
import io.neuronatlas.compute.projection.LmHead;
import io.neuronatlas.compute.projection.Logits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-JVM state of an executor, set up lazily by the first task that needs it and shared by the tasks after it:
 * open checkpoints (headers only) and LM heads on their devices. Loading a head costs seconds and gigabytes, so
 * it happens once per executor, not once per task.
 *
 * <p>Heads are reference counted: a head no task holds is closed when a task asks for a different one, so an
 * executor that maps several checkpoints in turn keeps one head per device, not one per checkpoint.
 */
public final class ExecutorResources {
    private static final Map<String, Checkpoint> CHECKPOINTS = new HashMap<>();
    private static final Map<HeadKey, CachedHead> HEADS = new HashMap<>();

    private ExecutorResources() {
    }

    /** The checkpoint of a run, opened once per JVM and version of the folder. */
    public static synchronized Checkpoint checkpoint(CheckpointRef source) throws IOException {
        String key = source.key();
        Checkpoint open = CHECKPOINTS.get(key);
        if (open == null) {
            open = Checkpoint.open(Path.of(source.modelDir()));
            if (!open.stamp().equals(source.stamp())) {
                open.close();
                throw new CheckpointException(source.modelDir() + ": the model folder changed after the run was "
                        + "planned (files now " + open.stamp() + ", planned " + source.stamp() + "); run the map "
                        + "again");
            }
            // An older version of the same folder is stale now: its offsets describe files that were replaced.
            for (var it = CHECKPOINTS.entrySet().iterator(); it.hasNext(); ) {
                var entry = it.next();
                if (entry.getKey().startsWith(source.modelDir() + "|")) {
                    entry.getValue().close();
                    it.remove();
                }
            }
            CHECKPOINTS.put(key, open);
        }
        return open;
    }

    /** The head of a checkpoint version on a device; close the lease when the task is done with it. */
    public static HeadLease lmHead(CheckpointRef source, HeadSpec spec, Device device) throws IOException {
        HeadKey key = new HeadKey(source.key(), spec, device.toString());
        CachedHead cached;
        synchronized (ExecutorResources.class) {
            cached = HEADS.get(key);
            if (cached == null) {
                evictUnused(key.device());
                cached = new CachedHead();
                HEADS.put(key, cached);
            }
            cached.leases++;
        }
        try {
            cached.loadOnce(source, spec, device);
        } catch (IOException | RuntimeException e) {
            release(key, cached);
            throw e;
        }
        return new HeadLease(key, cached);
    }

    private static synchronized void release(HeadKey key, CachedHead cached) {
        cached.leases--;
        if (cached.head == null && cached.leases == 0) {
            HEADS.remove(key, cached);
        }
    }

    private static void evictUnused(String device) {
        HEADS.entrySet().removeIf(e -> {
            boolean unused = e.getKey().device().equals(device) && e.getValue().leases == 0;
            if (unused && e.getValue().head != null) {
                e.getValue().head.close();
            }
            return unused;
        });
    }

    /** Frees every cached head; for tests and long-lived drivers. */
    public static synchronized void clear() throws IOException {
        for (CachedHead h : HEADS.values()) {
            if (h.head != null) {
                h.head.close();
            }
        }
        HEADS.clear();
        for (Checkpoint c : CHECKPOINTS.values()) {
            c.close();
        }
        CHECKPOINTS.clear();
    }

    private record HeadKey(String source, HeadSpec head, String device) {
    }

    private static final class CachedHead {
        private int leases; // guarded by ExecutorResources.class
        private volatile LmHead head;

        private synchronized void loadOnce(CheckpointRef source, HeadSpec spec, Device device) throws IOException {
            if (head == null) {
                Checkpoint checkpoint = checkpoint(source);
                Logits logits = new Logits(checkpoint.lmHeadBias(spec.foldNorm()), spec.softcap());
                head = LmHead.load(device, spec.vocab(), spec.dModel(), checkpoint.lmHeadRows(spec.foldNorm()), logits);
            }
        }
    }

    /** A task's hold on a cached head. */
    public static final class HeadLease implements AutoCloseable {
        private final HeadKey key;
        private final CachedHead cached;

        private HeadLease(HeadKey key, CachedHead cached) {
            this.key = key;
            this.cached = cached;
        }

        public LmHead head() {
            return cached.head;
        }

        @Override
        public void close() {
            release(key, cached);
        }
    }
}

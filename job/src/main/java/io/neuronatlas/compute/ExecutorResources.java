package io.neuronatlas.compute;

import ai.djl.Device;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.CheckpointException;
import io.neuronatlas.checkpoint.CheckpointRef;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.compute.forward.DecoderModel;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.compute.projection.HeadSpec;
import io.neuronatlas.compute.projection.LmHead;
import io.neuronatlas.compute.projection.Logits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-JVM state of an executor, set up lazily by the first task that needs it and shared by the tasks after it:
 * open checkpoints (headers only), LM heads and whole decoders on their devices ({@link DeviceCache}). Loading a
 * head or a model costs seconds and gigabytes, so it happens once per executor, not once per task; the key is the
 * checkpoint's version (CheckpointRef: folder and stamp), what was loaded of it, and the device.
 */
public final class ExecutorResources {
    private static final Map<String, Checkpoint> CHECKPOINTS = new HashMap<>();
    private static final DeviceCache<HeadKey, LmHead> HEADS = new DeviceCache<>();
    private static final DeviceCache<ModelKey, DecoderModel> MODELS = new DeviceCache<>();

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
        return new HeadLease(HEADS.lease(new HeadKey(source, spec, device), ExecutorResources::loadHead));
    }

    private static LmHead loadHead(HeadKey key) throws IOException {
        Checkpoint checkpoint = checkpoint(key.source());
        HeadSpec spec = key.head();
        Logits logits = new Logits(checkpoint.lmHeadBias(spec.foldNorm()), spec.softcap());
        return LmHead.load(key.on(), spec.vocab(), spec.dModel(), checkpoint.lmHeadRows(spec.foldNorm()), logits);
    }

    /**
     * The whole decoder of a checkpoint version on a device, for the forward pass (clamp sweeps, generation,
     * activations over a corpus); close the lease when the task is done with it.
     */
    public static ModelLease decoder(CheckpointRef source, Precision precision, Device device) throws IOException {
        return new ModelLease(MODELS.lease(new ModelKey(source, precision, device), key -> {
            Checkpoint checkpoint = checkpoint(key.source());
            ForwardConfig config = ForwardConfig.read(checkpoint.dir().resolve(Checkpoint.CONFIG));
            return DecoderModel.load(checkpoint, config, key.on(), key.precision());
        }));
    }

    /** Frees every cached head, model and open checkpoint; for tests and long-lived drivers. */
    public static synchronized void clear() throws IOException {
        HEADS.clear();
        MODELS.clear();
        for (Checkpoint c : CHECKPOINTS.values()) {
            c.close();
        }
        CHECKPOINTS.clear();
    }

    private record HeadKey(CheckpointRef source, HeadSpec head, Device on) implements DeviceCache.Key {
        @Override
        public String device() {
            return on.toString();
        }
    }

    private record ModelKey(CheckpointRef source, Precision precision, Device on) implements DeviceCache.Key {
        @Override
        public String device() {
            return on.toString();
        }
    }

    /** A task's hold on a cached head. */
    public static final class HeadLease implements AutoCloseable {
        private final DeviceCache.Lease<LmHead> lease;

        private HeadLease(DeviceCache.Lease<LmHead> lease) {
            this.lease = lease;
        }

        public LmHead head() {
            return lease.value();
        }

        @Override
        public void close() {
            lease.close();
        }
    }

    /** A task's hold on a cached decoder model. */
    public static final class ModelLease implements AutoCloseable {
        private final DeviceCache.Lease<DecoderModel> lease;

        private ModelLease(DeviceCache.Lease<DecoderModel> lease) {
            this.lease = lease;
        }

        public DecoderModel model() {
            return lease.value();
        }

        @Override
        public void close() {
            lease.close();
        }
    }
}

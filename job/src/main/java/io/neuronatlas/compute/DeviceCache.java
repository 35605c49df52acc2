package io.neuronatlas.compute;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Values that cost seconds and gigabytes to load onto a device (an LM head, a whole decoder), loaded once per
 * executor JVM and shared by the tasks that lease them. A value no task holds is closed when a task asks for a
 * different one on the same device, so an executor that works through several checkpoints in turn keeps one per
 * device, not one per checkpoint.
 *
 * @param <K> what identifies a value: the checkpoint version, what was loaded of it, and the device
 * @param <V> the loaded value, closed when evicted
 */
final class DeviceCache<K extends DeviceCache.Key, V extends AutoCloseable> {

    /** A cache key; values on the same device compete for its memory. */
    interface Key {
        String device();
    }

    /** Loads the value of a key; runs at most once per key while any task holds it. */
    @FunctionalInterface
    interface Loader<K, V> {
        V load(K key) throws IOException;
    }

    private final Map<K, Entry<V>> entries = new HashMap<>();

    /** The value of a key, loading it if needed; close the lease when the task is done with it. */
    Lease<V> lease(K key, Loader<K, V> loader) throws IOException {
        Entry<V> entry;
        synchronized (this) {
            entry = entries.get(key);
            if (entry == null) {
                evictUnused(key.device());
                entry = new Entry<>();
                entries.put(key, entry);
            }
            entry.leases++;
        }
        try {
            entry.loadOnce(loader, key);
        } catch (IOException | RuntimeException e) {
            release(key, entry);
            throw e;
        }
        Entry<V> held = entry;
        return new Lease<>(held.value, () -> release(key, held));
    }

    private synchronized void release(K key, Entry<V> entry) {
        entry.leases--;
        if (entry.value == null && entry.leases == 0) {
            entries.remove(key, entry);
        }
    }

    private void evictUnused(String device) {
        entries.entrySet().removeIf(e -> {
            boolean unused = e.getKey().device().equals(device) && e.getValue().leases == 0;
            if (unused) {
                e.getValue().close();
            }
            return unused;
        });
    }

    /** Closes every value; for tests and long-lived drivers. */
    synchronized void clear() {
        entries.values().forEach(Entry::close);
        entries.clear();
    }

    private static final class Entry<V extends AutoCloseable> {
        private int leases; // guarded by the cache
        private volatile V value;

        private synchronized <K> void loadOnce(Loader<K, V> loader, K key) throws IOException {
            if (value == null) {
                value = loader.load(key);
            }
        }

        private void close() {
            if (value != null) {
                try {
                    value.close();
                } catch (Exception e) {
                    throw new IllegalStateException("could not free a cached value: " + e.getMessage(), e);
                }
            }
        }
    }

    /** A task's hold on a cached value. */
    static final class Lease<V> implements AutoCloseable {
        private final V value;
        private final Runnable release;

        private Lease(V value, Runnable release) {
            this.value = value;
            this.release = release;
        }

        V value() {
            return value;
        }

        @Override
        public void close() {
            release.run();
        }
    }
}

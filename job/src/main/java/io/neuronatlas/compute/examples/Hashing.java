package io.neuronatlas.compute.examples;

/**
 * The hashes that pick the random sample: functions of a position's place (file, document, segment, position) and the
 * neuron only, so the sample is the same whatever task sees the position. SplitMix64's finalizer mixes.
 */
final class Hashing {
    private Hashing() {
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static long segmentKey(String file, long document, int segment) {
        long h = mix(file.hashCode() * 0x9e3779b97f4a7c15L + 0x632be59bd9b4e019L);
        h = mix(h + document * 0x9e3779b97f4a7c15L);
        return mix(h + segment) * 0x100000001b3L;
    }

    /** A non-negative priority of (position, layer, neuron); the smallest ones form a uniform sample. */
    static long priority(long positionKey, int layer, int neuron) {
        return mix(positionKey ^ ((long) layer << 32 | neuron) * 0xd6e8feb86659fd93L) >>> 1;
    }
}

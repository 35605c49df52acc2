package io.neuronatlas.compute.examples;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The best {@code capacity} examples of each of {@code count} neurons under one order (largest, most negative, or
 * sample priority), each neuron's as a binary heap with the worst kept example at the head, so that a candidate is
 * judged in O(1) and kept in O(log capacity). The order ends in the examples' place (file, document, segment,
 * position), so which examples survive depends neither on the order they arrive in nor on how the corpus was
 * partitioned.
 *
 * <p>Why arrays shared by all neurons instead of an object per example: a block's examples are millions of small
 * objects that all survive, and copying them out of the young generation took the collector's threads (and the cores
 * of the forward pass) for longer than the updates themselves. Here an example is a slot of a few large primitive
 * arrays, allocated once per block and straight into the old generation; a kept example's window is copied into its
 * slot, and {@link Example} records are made only when a neuron's examples are read out.
 */
final class ExampleHeaps implements Serializable {
    private static final long serialVersionUID = 1L;
    final Order order;
    final int count;
    final int capacity;
    final int window;
    private final int[] size; // (count)
    /** (count, capacity) the data slot at each heap position: a max-heap of worseness, the worst at position 0. */
    private final int[] heap;
    // One kept example per data slot; neuron n owns slots [n·capacity, (n + 1)·capacity).
    private final long[] keys; // (count, capacity) order.key of the slot's example
    private final float[] values; // (count, capacity)
    private final String[] files; // (count, capacity) references to the task's few file names
    private final long[] documents; // (count, capacity)
    private final String[] documentIds; // (count, capacity) references to ids each of the task's documents holds once
    private final int[] segments; // (count, capacity)
    private final int[] positions; // (count, capacity)
    private final long[] docPositions; // (count, capacity)
    private final int[] windowStarts; // (count, capacity)
    private final int[] windowLengths; // (count, capacity)
    private final int[] tokens; // (count, capacity, window)
    private final float[] activations; // (count, capacity, window)

    /** The orders, by name, so that heaps serialize without lambdas. */
    enum Order {
        LARGEST(Example.LARGEST), SMALLEST(Example.SMALLEST), SAMPLE(Example.SAMPLE);

        final transient Comparator<Example> better;

        Order(Comparator<Example> better) {
            this.better = better;
        }

        /** Smaller is better; equal keys are ordered by place, as {@link #better} orders them. */
        long key(float value, long priority) {
            return switch (this) {
                case LARGEST -> sortable(-value);
                case SMALLEST -> sortable(value);
                case SAMPLE -> priority;
            };
        }

        /** An int in the order of Float.compare (−0 before +0, NaN last), as Double.compare orders widened floats. */
        private static long sortable(float f) {
            int bits = Float.floatToIntBits(f);
            return bits ^ ((bits >> 31) & 0x7fffffff);
        }
    }

    ExampleHeaps(Order order, int count, int capacity, int window) {
        long cells = (long) count * capacity * window;
        if (count < 0 || capacity < 0 || window < 1 || cells > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(count + " neurons × " + capacity + " examples × a window of " + window
                    + " tokens do not fit one block's arrays; split the layer into smaller blocks");
        }
        this.order = order;
        this.count = count;
        this.capacity = capacity;
        this.window = window;
        int slots = count * capacity;
        size = new int[count];
        heap = new int[slots];
        keys = new long[slots];
        values = new float[slots];
        files = new String[slots];
        documents = new long[slots];
        documentIds = new String[slots];
        segments = new int[slots];
        positions = new int[slots];
        docPositions = new long[slots];
        windowStarts = new int[slots];
        windowLengths = new int[slots];
        tokens = new int[(int) cells];
        activations = new float[(int) cells];
    }

    boolean full(int n) {
        return capacity > 0 && size[n] >= capacity;
    }

    /** The worst kept example's value; only meaningful when the neuron has one. */
    float worstValue(int n) {
        return values[heap[n * capacity]];
    }

    /** The worst kept example's priority; only meaningful for the sample order and when the neuron has one. */
    long worstPriority(int n) {
        return keys[heap[n * capacity]];
    }

    /**
     * Offers neuron n's example at position p of seg, with the window [start, end) of the segment's tokens and of the
     * neuron's activations from {@code activations[base + start]}.
     */
    void offer(int n, Segment seg, int p, float value, long priority, int start, int end, float[] activations,
               int base) {
        int slot = admit(n, order.key(value, priority), seg.file(), seg.document(), seg.index(), p);
        if (slot < 0) {
            return;
        }
        write(slot, value, seg.file(), seg.document(), seg.documentId(), seg.index(), p, seg.firstTextToken() + p - seg.prefix(),
                start, end - start);
        System.arraycopy(seg.tokens(), start, tokens, slot * window, end - start);
        System.arraycopy(activations, base + start, this.activations, slot * window, end - start);
        settle(n, slot);
    }

    /** Offers a whole example to neuron n. */
    void offer(int n, Example e) {
        if (e.tokens().length > window) {
            throw new IllegalArgumentException("an example's window of " + e.tokens().length
                    + " tokens is wider than the " + window + " these heaps keep");
        }
        int slot = admit(n, order.key(e.value(), e.priority()), e.file(), e.document(), e.segment(), e.position());
        if (slot < 0) {
            return;
        }
        write(slot, e.value(), e.file(), e.document(), e.documentId(), e.segment(), e.position(), e.docPosition(), e.windowStart(),
                e.tokens().length);
        System.arraycopy(e.tokens(), 0, tokens, slot * window, e.tokens().length);
        System.arraycopy(e.activations(), 0, activations, slot * window, e.tokens().length);
        settle(n, slot);
    }

    /** Neuron n's kept examples, best first. */
    List<Example> sorted(int n) {
        List<Example> list = new ArrayList<>(size[n]);
        for (int h = 0; h < size[n]; h++) {
            list.add(example(heap[n * capacity + h]));
        }
        list.sort(order.better);
        return list;
    }

    /** Adds other's examples of every neuron (the same neurons, capacity and window) into these heaps. */
    void merge(ExampleHeaps other) {
        if (other.order != order || other.count != count || other.capacity != capacity || other.window != window) {
            throw new IllegalArgumentException("cannot merge " + other.order + " heaps of " + other.count + " × "
                    + other.capacity + " into " + order + " heaps of " + count + " × " + capacity);
        }
        for (int n = 0; n < count; n++) {
            for (int h = 0; h < other.size[n]; h++) {
                offer(n, other.example(other.heap[n * capacity + h]));
            }
        }
    }

    /** Neurons [from, from + n) as heaps of their own (copies: a slice must not ship the whole block's arrays). */
    ExampleHeaps slice(int from, int n) {
        ExampleHeaps s = new ExampleHeaps(order, n, capacity, window);
        int slot = from * capacity;
        int slots = n * capacity;
        System.arraycopy(size, from, s.size, 0, n);
        for (int i = 0; i < slots; i++) {
            s.heap[i] = heap[slot + i] - slot;
        }
        System.arraycopy(keys, slot, s.keys, 0, slots);
        System.arraycopy(values, slot, s.values, 0, slots);
        System.arraycopy(files, slot, s.files, 0, slots);
        System.arraycopy(documents, slot, s.documents, 0, slots);
        System.arraycopy(documentIds, slot, s.documentIds, 0, slots);
        System.arraycopy(segments, slot, s.segments, 0, slots);
        System.arraycopy(positions, slot, s.positions, 0, slots);
        System.arraycopy(docPositions, slot, s.docPositions, 0, slots);
        System.arraycopy(windowStarts, slot, s.windowStarts, 0, slots);
        System.arraycopy(windowLengths, slot, s.windowLengths, 0, slots);
        System.arraycopy(tokens, slot * window, s.tokens, 0, slots * window);
        System.arraycopy(activations, slot * window, s.activations, 0, slots * window);
        return s;
    }

    private Example example(int slot) {
        int at = slot * window;
        int length = windowLengths[slot];
        return new Example(values[slot], order == Order.SAMPLE ? keys[slot] : 0, files[slot], documents[slot],
                documentIds[slot], segments[slot], positions[slot], docPositions[slot], windowStarts[slot],
                Arrays.copyOfRange(tokens, at, at + length), Arrays.copyOfRange(activations, at, at + length));
    }

    /**
     * The data slot a candidate takes, or −1 when it is not better than neuron n's worst kept example. The slot is
     * already in the heap (a new last position, or the head in place of the worst); the caller writes it and then
     * {@link #settle}s it, as sifting compares the slot's place.
     */
    private int admit(int n, long key, String file, long document, int segment, int position) {
        if (capacity == 0) {
            return -1;
        }
        int first = n * capacity;
        if (size[n] < capacity) {
            int slot = first + size[n]++;
            heap[slot] = slot;
            keys[slot] = key;
            return slot;
        }
        int worst = heap[first];
        int c = Long.compare(key, keys[worst]);
        if (c == 0) {
            c = comparePlace(file, document, segment, position, worst);
        }
        if (c >= 0) {
            return -1;
        }
        keys[worst] = key; // the worst leaves; its slot takes the candidate at the head
        return worst;
    }

    private void write(int slot, float value, String file, long document, String documentId, int segment,
                       int position, long docPosition, int windowStart, int windowLength) {
        values[slot] = value;
        files[slot] = file;
        documents[slot] = document;
        documentIds[slot] = documentId;
        segments[slot] = segment;
        positions[slot] = position;
        docPositions[slot] = docPosition;
        windowStarts[slot] = windowStart;
        windowLengths[slot] = windowLength;
    }

    /**
     * Restores neuron n's heap after {@link #admit} put slot at the head (it replaced the worst: sift down) or at the
     * end (a new example: sift up; a first example is both).
     */
    private void settle(int n, int slot) {
        int first = n * capacity;
        if (heap[first] == slot) {
            siftDown(first, size[n]);
        } else {
            siftUp(first, slot - first);
        }
    }

    private int comparePlace(String file, long document, int segment, int position, int slot) {
        return Example.comparePlace(file, document, segment, position, files[slot], documents[slot], segments[slot],
                positions[slot]);
    }

    /** Whether data slot a is worse than data slot b (belongs nearer the head). */
    private boolean worse(int a, int b) {
        int c = Long.compare(keys[a], keys[b]);
        if (c == 0) {
            c = comparePlace(files[a], documents[a], segments[a], positions[a], b);
        }
        return c > 0;
    }

    private void siftUp(int first, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!worse(heap[first + i], heap[first + parent])) {
                return;
            }
            swap(first + i, first + parent);
            i = parent;
        }
    }

    private void siftDown(int first, int size) {
        int i = 0;
        while (true) {
            int left = 2 * i + 1;
            int worst = i;
            if (left < size && worse(heap[first + left], heap[first + worst])) {
                worst = left;
            }
            if (left + 1 < size && worse(heap[first + left + 1], heap[first + worst])) {
                worst = left + 1;
            }
            if (worst == i) {
                return;
            }
            swap(first + i, first + worst);
            i = worst;
        }
    }

    private void swap(int i, int j) {
        int s = heap[i];
        heap[i] = heap[j];
        heap[j] = s;
    }
}

package io.neuronatlas.compute.examples;

import java.util.List;

/**
 * One neuron's best sample candidates of a batch, smallest (priority, place) first as the sample heap orders
 * them, kept in a bounded max-heap of primitives: the top k of the batch and the heap together are the top k of
 * the heap after all of the batch's offers, so the sample is the same, without an example for every position
 * that would enter and leave again.
 */
final class SampleCandidates {
    final long[] priority;
    final int[] segment;
    final int[] position;
    private final List<Segment> batch;
    int size;

    SampleCandidates(int capacity, List<Segment> batch) {
        priority = new long[capacity];
        segment = new int[capacity];
        position = new int[capacity];
        this.batch = batch;
    }

    void clear() {
        size = 0;
    }

    void offer(long pr, int b, int p) {
        if (priority.length == 0) {
            return;
        }
        if (size < priority.length) {
            int i = size++;
            set(i, pr, b, p);
            while (i > 0 && worse(i, (i - 1) / 2)) {
                swap(i, (i - 1) / 2);
                i = (i - 1) / 2;
            }
            return;
        }
        if (compare(pr, b, p, 0) >= 0) {
            return; // not better than the worst kept
        }
        set(0, pr, b, p);
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int worst = i;
            if (l < size && worse(l, worst)) {
                worst = l;
            }
            if (r < size && worse(r, worst)) {
                worst = r;
            }
            if (worst == i) {
                return;
            }
            swap(i, worst);
            i = worst;
        }
    }

    /** Whether entry i orders after entry j (is a worse sample candidate). */
    private boolean worse(int i, int j) {
        return compare(priority[i], segment[i], position[i], j) > 0;
    }

    private int compare(long pr, int b, int p, int j) {
        if (pr != priority[j]) {
            return Long.compare(pr, priority[j]);
        }
        Segment x = batch.get(b);
        Segment y = batch.get(segment[j]);
        return Example.comparePlace(x.file(), x.document(), x.index(), p, y.file(), y.document(), y.index(),
                position[j]);
    }

    private void set(int i, long pr, int b, int p) {
        priority[i] = pr;
        segment[i] = b;
        position[i] = p;
    }

    private void swap(int i, int j) {
        long pr = priority[i];
        int b = segment[i];
        int p = position[i];
        set(i, priority[j], segment[j], position[j]);
        set(j, pr, b, p);
    }
}

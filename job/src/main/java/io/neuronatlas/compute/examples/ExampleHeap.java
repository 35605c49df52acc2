package io.neuronatlas.compute.examples;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The best {@code capacity} examples of one neuron under an order (largest, most negative, or sample priority), with
 * the worst kept one at the head so that a candidate is judged in O(1) and kept in O(log capacity). The order ends in
 * the examples' place (file, document, segment, position), so which examples survive does not depend on the order
 * they arrive in, nor on how the corpus was partitioned.
 *
 * <p>A binary heap over two arrays: each slot's order key (a long) beside its example, so that sifting compares
 * longs held together and reads an example's place only on a tie; comparing the examples themselves chased a
 * pointer into millions of them at every step.
 */
final class ExampleHeap implements Serializable {
    private static final long serialVersionUID = 2L;
    private final int capacity;
    private final Order order;
    private final Example[] slots; // (capacity) a max-heap of worseness: the worst kept example at 0
    private final long[] keys; // (capacity) order.key of each slot's example
    private int size;

    /** The orders, by name, so that heaps serialize without lambdas. */
    enum Order {
        LARGEST(Example.LARGEST), SMALLEST(Example.SMALLEST), SAMPLE(Example.SAMPLE);

        final transient Comparator<Example> better;

        Order(Comparator<Example> better) {
            this.better = better;
        }

        /** Smaller is better; equal keys are ordered by place, as {@link #better} orders them. */
        long key(Example e) {
            return switch (this) {
                case LARGEST -> sortable(-e.value());
                case SMALLEST -> sortable(e.value());
                case SAMPLE -> e.priority();
            };
        }

        /** An int in the order of Float.compare (−0 before +0, NaN last), as Double.compare orders widened floats. */
        private static long sortable(float f) {
            int bits = Float.floatToIntBits(f);
            return bits ^ ((bits >> 31) & 0x7fffffff);
        }
    }

    ExampleHeap(int capacity, Order order) {
        this.capacity = capacity;
        this.order = order;
        this.slots = new Example[capacity];
        this.keys = new long[capacity];
    }

    boolean full() {
        return size >= capacity;
    }

    /** The worst kept example; null when empty. */
    Example worst() {
        return size == 0 ? null : slots[0];
    }

    void offer(Example e) {
        if (capacity == 0) {
            return;
        }
        long key = order.key(e);
        if (size < capacity) {
            int i = size++;
            slots[i] = e;
            keys[i] = key;
            siftUp(i);
        } else if (compare(key, e, 0) < 0) {
            slots[0] = e; // the worst leaves
            keys[0] = key;
            siftDown(0);
        }
    }

    void merge(ExampleHeap other) {
        for (int i = 0; i < other.size; i++) {
            offer(other.slots[i]);
        }
    }

    /** Best first. */
    List<Example> sorted() {
        List<Example> list = new ArrayList<>(Arrays.asList(slots).subList(0, size));
        list.sort(order.better);
        return list;
    }

    /** Negative when (key, e) is better than slot j. */
    private int compare(long key, Example e, int j) {
        int c = Long.compare(key, keys[j]);
        return c != 0 ? c : Example.PLACE.compare(e, slots[j]);
    }

    /** Whether slot i is worse than slot j (belongs nearer the head). */
    private boolean worse(int i, int j) {
        return compare(keys[i], slots[i], j) > 0;
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!worse(i, parent)) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int left = 2 * i + 1;
            int worst = i;
            if (left < size && worse(left, worst)) {
                worst = left;
            }
            if (left + 1 < size && worse(left + 1, worst)) {
                worst = left + 1;
            }
            if (worst == i) {
                return;
            }
            swap(i, worst);
            i = worst;
        }
    }

    private void swap(int i, int j) {
        Example e = slots[i];
        slots[i] = slots[j];
        slots[j] = e;
        long k = keys[i];
        keys[i] = keys[j];
        keys[j] = k;
    }
}

package io.neuronatlas.compute.examples;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The best {@code capacity} examples of one neuron under an order (largest, most negative, or sample priority), with
 * the worst kept one at the head so that a candidate is judged in O(1) and kept in O(log capacity). The order ends in
 * the examples' place (file, document, segment, position), so which examples survive does not depend on the order
 * they arrive in, nor on how the corpus was partitioned.
 */
final class ExampleHeap implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int capacity;
    private final Order order;
    private final PriorityQueue<Example> worstFirst;

    /** The orders, by name, so that heaps serialize without lambdas. */
    enum Order {
        LARGEST(Example.LARGEST), SMALLEST(Example.SMALLEST), SAMPLE(Example.SAMPLE);

        final transient Comparator<Example> better;

        Order(Comparator<Example> better) {
            this.better = better;
        }
    }

    ExampleHeap(int capacity, Order order) {
        this.capacity = capacity;
        this.order = order;
        this.worstFirst = new PriorityQueue<>(Math.max(1, capacity), new Worst(order));
    }

    boolean full() {
        return worstFirst.size() >= capacity;
    }

    /** The worst kept example; null when empty. */
    Example worst() {
        return worstFirst.peek();
    }

    /** Whether an example at this value (or priority) and place would be kept. */
    boolean admits(Example probe) {
        if (capacity == 0) {
            return false;
        }
        return !full() || order.better.compare(probe, worstFirst.peek()) < 0;
    }

    void offer(Example e) {
        if (!admits(e)) {
            return;
        }
        worstFirst.add(e);
        if (worstFirst.size() > capacity) {
            worstFirst.poll();
        }
    }

    void merge(ExampleHeap other) {
        for (Example e : other.worstFirst) {
            offer(e);
        }
    }

    /** Best first. */
    List<Example> sorted() {
        List<Example> list = new ArrayList<>(worstFirst);
        list.sort(order.better);
        return list;
    }

    private record Worst(Order order) implements Comparator<Example>, Serializable {
        @Override
        public int compare(Example a, Example b) {
            return order.better.compare(b, a);
        }
    }
}

package io.neuronatlas.compute.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The heaps against sorting everything: for each order, random arrivals with many equal values (so places break the
 * ties), signed zeros among them, each neuron keeps the first capacity of its fully sorted list, whatever the arrival
 * order, however the arrivals are split between two sets of heaps that are then merged, and in a slice.
 */
class ExampleHeapsTest {
    private static final int NEURONS = 3;
    private static final int WINDOW = 4;

    /** Top examples have priority 0 (only the sample's is kept). */
    private static List<Example> examples(long seed, int n, ExampleHeaps.Order order) {
        Random r = new Random(seed);
        List<Example> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float value = switch (r.nextInt(6)) {
                case 0 -> 0.0f;
                case 1 -> -0.0f;
                default -> (r.nextInt(21) - 10) / 4f; // few distinct values: ties are common
            };
            long priority = order == ExampleHeaps.Order.SAMPLE ? r.nextInt(50) : 0;
            int width = 1 + r.nextInt(WINDOW);
            int[] tokens = new int[width];
            float[] activations = new float[width];
            for (int k = 0; k < width; k++) {
                tokens[k] = r.nextInt(1000);
                activations[k] = r.nextFloat();
            }
            String file = "f" + r.nextInt(3);
            int document = r.nextInt(4);
            // a document's id goes with it; document 0 has none, as a text file's
            list.add(new Example(value, priority, file, document, document == 0 ? null : file + "-id" + document,
                    r.nextInt(3), i, i, i, tokens, activations));
        }
        return list;
    }

    @Test
    void keepsTheFirstOfTheSortedListInAnyArrivalOrderAndSplit() {
        for (ExampleHeaps.Order order : ExampleHeaps.Order.values()) {
            for (int capacity : new int[] {0, 1, 7, 32}) {
                for (long seed = 0; seed < 20; seed++) {
                    ExampleHeaps one = new ExampleHeaps(order, NEURONS, capacity, WINDOW);
                    ExampleHeaps first = new ExampleHeaps(order, NEURONS, capacity, WINDOW);
                    ExampleHeaps second = new ExampleHeaps(order, NEURONS, capacity, WINDOW);
                    List<List<Example>> expected = new ArrayList<>();
                    for (int n = 0; n < NEURONS; n++) {
                        List<Example> all = examples(seed * NEURONS + n, 200, order);
                        List<Example> sorted = new ArrayList<>(all);
                        sorted.sort(order.better);
                        expected.add(sorted.subList(0, Math.min(capacity, sorted.size())));
                        Collections.shuffle(all, new Random(seed + 100));
                        for (int i = 0; i < all.size(); i++) {
                            one.offer(n, all.get(i));
                            (i % 3 == 0 ? first : second).offer(n, all.get(i));
                        }
                    }
                    first.merge(second);
                    ExampleHeaps tail = one.slice(1, NEURONS - 1);
                    for (int n = 0; n < NEURONS; n++) {
                        String what = order + " capacity " + capacity + " seed " + seed + " neuron " + n;
                        List<Example> want = expected.get(n);
                        assertSameExamples(want, one.sorted(n), what);
                        assertSameExamples(want, first.sorted(n), what + " merged");
                        if (n > 0) {
                            assertSameExamples(want, tail.sorted(n - 1), what + " sliced");
                        }
                        assertEquals(capacity > 0, one.full(n), what);
                        if (capacity > 0) {
                            Example worst = want.get(want.size() - 1);
                            assertEquals(worst.value(), one.worstValue(n), what + " worst");
                            if (order == ExampleHeaps.Order.SAMPLE) {
                                assertEquals(worst.priority(), one.worstPriority(n), what + " worst");
                            }
                        }
                    }
                }
            }
        }
    }

    private static void assertSameExamples(List<Example> expected, List<Example> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            assertSameExample(expected.get(i), actual.get(i), what + " at " + i);
        }
    }

    /** The heap keeps copies: every field and the window's contents. */
    private static void assertSameExample(Example expected, Example actual, String what) {
        assertEquals(Arrays.asList(expected.value(), expected.priority(), expected.file(), expected.document(),
                expected.documentId(), expected.segment(), expected.position(), expected.docPosition(),
                expected.windowStart()), Arrays.asList(actual.value(), actual.priority(), actual.file(),
                actual.document(), actual.documentId(), actual.segment(), actual.position(), actual.docPosition(),
                actual.windowStart()), what);
        assertArrayEquals(expected.tokens(), actual.tokens(), what);
        assertArrayEquals(expected.activations(), actual.activations(), what);
    }
}

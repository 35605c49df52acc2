package io.neuronatlas.compute.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The heap against sorting everything: for each order, random arrivals with many equal values (so places break the
 * ties), signed zeros among them, the kept examples are the first capacity of the fully sorted list, whatever the
 * arrival order and however the arrivals are split between two heaps that are then merged.
 */
class ExampleHeapTest {
    private static List<Example> examples(long seed, int n) {
        Random r = new Random(seed);
        List<Example> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float value = switch (r.nextInt(6)) {
                case 0 -> 0.0f;
                case 1 -> -0.0f;
                default -> (r.nextInt(21) - 10) / 4f; // few distinct values: ties are common
            };
            long priority = r.nextInt(50);
            list.add(new Example(value, priority, "f" + r.nextInt(3), r.nextInt(4), r.nextInt(3), i, i, i,
                    new int[] {i}, new float[] {value}));
        }
        return list;
    }

    @Test
    void keepsTheFirstOfTheSortedListInAnyArrivalOrderAndSplit() {
        for (ExampleHeap.Order order : ExampleHeap.Order.values()) {
            for (int capacity : new int[] {0, 1, 7, 32}) {
                for (long seed = 0; seed < 20; seed++) {
                    List<Example> all = examples(seed, 200);
                    List<Example> expected = new ArrayList<>(all);
                    expected.sort(order.better);
                    expected = expected.subList(0, Math.min(capacity, expected.size()));

                    Collections.shuffle(all, new Random(seed + 100));
                    ExampleHeap one = new ExampleHeap(capacity, order);
                    ExampleHeap first = new ExampleHeap(capacity, order);
                    ExampleHeap second = new ExampleHeap(capacity, order);
                    for (int i = 0; i < all.size(); i++) {
                        one.offer(all.get(i));
                        (i % 3 == 0 ? first : second).offer(all.get(i));
                    }
                    first.merge(second);
                    String what = order + " capacity " + capacity + " seed " + seed;
                    assertSameExamples(expected, one.sorted(), what);
                    assertSameExamples(expected, first.sorted(), what + " merged");
                    if (capacity == 0) {
                        assertNull(one.worst());
                    } else {
                        assertSameExample(expected.get(expected.size() - 1), one.worst(), what + " worst");
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
        assertEquals(List.of(expected.value(), expected.priority(), expected.file(), expected.document(),
                expected.segment(), expected.position(), expected.docPosition(), expected.windowStart()),
                List.of(actual.value(), actual.priority(), actual.file(), actual.document(), actual.segment(),
                        actual.position(), actual.docPosition(), actual.windowStart()), what);
        assertArrayEquals(expected.tokens(), actual.tokens(), what);
        assertArrayEquals(expected.activations(), actual.activations(), what);
    }
}

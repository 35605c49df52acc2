package io.neuronatlas.examples;

import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.compute.forward.ReferenceActivations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Brute force, in float64 plain loops and apart from the code under test: every document of a JSON lines corpus
 * tokenized whole (BOS first), cut into segments of BOS + (segment − 1) text tokens, every segment run through the
 * float64 reference decoder, and every text position's activation kept.
 */
final class ReferenceExamples {
    /** One segment: where it is, its ids, and act[layer][position][neuron]. */
    record Seg(long document, int index, int[] ids, double[][][] act) {
    }

    /** A candidate: a segment's extreme over its text positions. */
    record Top(long document, int segment, int position, double value) {
    }

    final List<Seg> segments = new ArrayList<>();
    final int bos;

    ReferenceExamples(Path model, Path jsonLines, List<String> documents, int segment) throws IOException {
        ReferenceActivations reference = new ReferenceActivations(model);
        try (PromptEncoder encoder = PromptEncoder.open(model, 300)) {
            List<String> lines = Files.readAllLines(jsonLines, StandardCharsets.UTF_8);
            long offset = 0;
            int b = -1;
            for (int d = 0; d < lines.size(); d++) {
                int[] ids = encoder.encode(documents.get(d));
                b = ids[0];
                for (int start = 1, index = 0; start < ids.length; start += segment - 1, index++) {
                    int end = Math.min(ids.length, start + segment - 1);
                    int[] seg = new int[1 + end - start];
                    seg[0] = ids[0];
                    System.arraycopy(ids, start, seg, 1, end - start);
                    segments.add(new Seg(offset, index, seg, reference.of(seg)));
                }
                offset += lines.get(d).getBytes(StandardCharsets.UTF_8).length + 1;
            }
            bos = b;
        }
    }

    /** The top n segments of a neuron by their largest (or most negative) text-position activation. */
    List<Top> top(int layer, int neuron, int n, boolean largest) {
        List<Top> all = new ArrayList<>();
        for (Seg s : segments) {
            int best = 1;
            for (int p = 2; p < s.ids().length; p++) {
                double v = s.act()[layer][p][neuron];
                if (largest ? v > s.act()[layer][best][neuron] : v < s.act()[layer][best][neuron]) {
                    best = p;
                }
            }
            all.add(new Top(s.document(), s.index(), best, s.act()[layer][best][neuron]));
        }
        Comparator<Top> order = Comparator.comparingDouble(t -> largest ? -t.value() : t.value());
        all.sort(order.thenComparingLong(Top::document).thenComparingInt(Top::segment));
        return all.subList(0, Math.min(n, all.size()));
    }

    /** Every text position's activation of a neuron, sorted. */
    double[] values(int layer, int neuron) {
        List<Double> v = new ArrayList<>();
        for (Seg s : segments) {
            for (int p = 1; p < s.ids().length; p++) {
                v.add(s.act()[layer][p][neuron]);
            }
        }
        double[] out = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(out);
        return out;
    }

    double maxAbs(int layer) {
        double m = 0;
        for (Seg s : segments) {
            for (int p = 1; p < s.ids().length; p++) {
                for (double v : s.act()[layer][p]) {
                    m = Math.max(m, Math.abs(v));
                }
            }
        }
        return m;
    }
}

package io.neuronatlas.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Parses --layers: "all", or a list of layers and inclusive ranges such as "0-15,20". */
public final class LayerSelection {
    private LayerSelection() {
    }

    public static List<Integer> parse(String text, int layerCount) {
        TreeSet<Integer> layers = new TreeSet<>();
        if (text == null || text.isBlank() || text.trim().equals("all")) {
            for (int l = 0; l < layerCount; l++) {
                layers.add(l);
            }
            return new ArrayList<>(layers);
        }
        for (String part : text.split(",")) {
            String p = part.trim();
            int dash = p.indexOf('-', 1);
            try {
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).trim());
                if (from > to) {
                    throw new IllegalArgumentException("--layers: range '" + p + "' is reversed");
                }
                for (int l = from; l <= to; l++) {
                    if (l < 0 || l >= layerCount) {
                        throw new IllegalArgumentException("--layers: layer " + l + " is outside 0-"
                                + (layerCount - 1) + " (the model has " + layerCount + " layers)");
                    }
                    layers.add(l);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--layers: '" + p + "' is not a layer or a range like 0-15", e);
            }
        }
        return new ArrayList<>(layers);
    }
}

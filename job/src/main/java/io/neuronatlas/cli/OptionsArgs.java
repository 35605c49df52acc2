package io.neuronatlas.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What scopt fills in for a command that runs a job: the job's options builder, which holds every default, and the
 * Spark master. A flag whose text the builder parses is applied after scopt ({@link #later}), so a bad value fails
 * with the builder's message, as every other bad input does, instead of as a usage error.
 */
class OptionsArgs<B> {
    final B options;
    String master;
    private final List<Consumer<B>> parsedLater = new ArrayList<>();

    OptionsArgs(B options) {
        this.options = options;
    }

    void later(Consumer<B> set) {
        parsedLater.add(set);
    }

    /** The builder with every flag applied. */
    B filled() {
        parsedLater.forEach(set -> set.accept(options));
        parsedLater.clear();
        return options;
    }
}

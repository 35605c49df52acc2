package io.neuronatlas.jobs;

import io.neuronatlas.checkpoint.CheckpointRef;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.examples.ExampleSettings;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.corpus.Corpus;
import java.io.Serializable;

/**
 * What every task of an examples run is told, as plain data.
 *
 * @param blockSize neurons per merged block: the unit tasks' results are shuffled, merged and written in
 * @param cutoff    the last document examined and how many of its text tokens, when --max-tokens bounds the work;
 *                  null to examine every document
 */
record ExamplesPlan(CheckpointRef source, int vocab, Precision precision, DeviceMode device, ExampleSettings settings,
                    Corpus corpus, int blockSize, Cutoff cutoff) implements Serializable {

    /** The corpus order's last document examined: (file index, document), and its text tokens examined. */
    record Cutoff(int fileIndex, long document, long tokens) implements Serializable {
        /** Text tokens of this document to examine: all, some, or none (after the cutoff). */
        long limit(int file, long doc) {
            int c = file != fileIndex ? Integer.compare(file, fileIndex) : Long.compare(doc, document);
            return c < 0 ? Long.MAX_VALUE : c == 0 ? tokens : 0;
        }
    }

    /** The written blocks of a captured layer: each of its MLPs cut into blocks of blockSize neurons, in order. */
    int blocks(int layerIndex) {
        int count = 0;
        for (MlpBlock mlp : settings.mlps().get(layerIndex)) {
            count += (mlp.width() + blockSize - 1) / blockSize;
        }
        return count;
    }

    /** The written blocks of every captured layer. */
    int blocks() {
        int count = 0;
        for (int i = 0; i < settings.layers().length; i++) {
            count += blocks(i);
        }
        return count;
    }

    ExamplesPlan withCutoff(Cutoff c) {
        return new ExamplesPlan(source, vocab, precision, device, settings, corpus, blockSize, c);
    }
}

package io.neuronatlas.checkpoint.tokenizer;

import java.util.Arrays;

/** (id, piece) pairs in file order, kept in two flat arrays: vocabularies run to 100k+ entries. */
final class PieceList {
    private int[] ids = new int[1024];
    private String[] pieces = new String[1024];
    private int size;

    void add(int id, String piece) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
            pieces = Arrays.copyOf(pieces, size * 2);
        }
        ids[size] = id;
        pieces[size] = piece;
        size++;
    }

    int size() {
        return size;
    }

    int id(int index) {
        return ids[index];
    }

    String piece(int index) {
        return pieces[index];
    }
}

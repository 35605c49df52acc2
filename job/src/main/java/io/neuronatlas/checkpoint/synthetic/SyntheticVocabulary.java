package io.neuronatlas.checkpoint.synthetic;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A made-up but word-like byte-level vocabulary for synthetic checkpoints: real words in the casing and spacing
 * variants a BPE vocabulary has (" dog", "dog", " Dog", " DOG"), then generated syllable words to the size asked.
 */
public final class SyntheticVocabulary {
    static final List<String> WORDS = List.of(
            "dog", "dogs", "puppy", "puppies", "canine", "cat", "cats", "kitten", "horse", "bird", "fish",
            "California", "Texas", "Oregon", "Nevada", "London", "Paris", "Berlin", "Tokyo", "river", "mountain",
            "car", "cars", "truck", "train", "house", "home", "water", "fire", "music", "song", "book", "paper",
            "red", "green", "blue", "happy", "sad", "run", "running", "walk", "eat", "coming", "going", "king",
            "queen", "man", "woman", "child", "school", "teacher", "computer", "code", "number", "money", "bank",
            "the", "and", "of", "to", "in", "is", "that", "for", "it", "with", "as", "on", "was", "be", "at");

    private SyntheticVocabulary() {
    }

    /** size token texts (ids 0..size-1): single characters, the word variants, then generated words. */
    public static List<String> tokens(int size) {
        Set<String> tokens = new LinkedHashSet<>();
        for (char c = '!'; c <= '~' && tokens.size() < size; c++) {
            tokens.add(String.valueOf(c));
        }
        tokens.add(" ");
        tokens.add("\n");
        for (String w : WORDS) {
            tokens.add(" " + w);
            tokens.add(w);
            tokens.add(" " + Character.toUpperCase(w.charAt(0)) + w.substring(1));
            tokens.add(" " + w.toUpperCase(Locale.ROOT));
        }
        String[] consonants = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"};
        String[] vowels = {"a", "e", "i", "o", "u"};
        for (int i = 0; tokens.size() < size; i++) {
            StringBuilder word = new StringBuilder(i % 3 == 0 ? "" : " ");
            int x = i;
            do {
                word.append(consonants[x % consonants.length]).append(vowels[(x / consonants.length) % 5]);
                x /= consonants.length * vowels.length;
            } while (x > 0);
            tokens.add(word.toString());
        }
        List<String> list = new ArrayList<>(tokens);
        return list.subList(0, size);
    }
}

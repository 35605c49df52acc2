package io.neuronatlas.checkpoint.synthetic;

import io.neuronatlas.checkpoint.MlpMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Two checkpoints for the census and drift (notebook 06, demo --census): a base whose down_proj has Gurnee et al.'s
 * picture in miniature (prediction neurons from the middle on, suppression neurons crowding the last layer), and a
 * "tuned" one of the same seed, identical except for the neurons planted differently: the up_proj " dog" neuron now
 * reads " cat" (it moved most), and one suppression neuron is gone (a random column again). d_model 256 over a
 * vocabulary of 2,048 lets a one-token neuron's cosines reach a kurtosis near 28, past the census's 10.
 */
public final class CensusDemo {
    public static final String BASE = "base";
    public static final String TUNED = "tuned";
    /** The neuron that moves most: up_proj of layer 1, " dog" in the base and " cat" tuned. */
    public static final PlantedNeuron MOVED = PlantedNeuron.dog(1, 11);
    /** The suppression neuron the tuned checkpoint lacks. */
    public static final PlantedNeuron DROPPED = PlantedNeuron.suppression(3, 90, " river");

    private static final String[] WORDS = {" dog", " cat", " horse", " bird", " fish", " music", " king", " queen",
        " money", " school", " water", " fire"};

    private CensusDemo() {
    }

    private static SyntheticCheckpoint shapes() {
        return new SyntheticCheckpoint().layers(4).dModel(256).dMlp(128).vocab(2048).seed(2406);
    }

    /** Prediction neurons: 2 in layer 2, 3 in layer 3; suppression: 1 in layer 2, 5 in layer 3 (DROPPED among them). */
    static List<PlantedNeuron> census() {
        List<PlantedNeuron> planted = new ArrayList<>();
        int word = 0;
        for (int[] at : new int[][] {{2, 5}, {2, 17}, {3, 8}, {3, 40}, {3, 41}}) {
            planted.add(PlantedNeuron.prediction(at[0], at[1], WORDS[word++ % WORDS.length]));
        }
        for (int[] at : new int[][] {{2, 100}, {3, 60}, {3, 61}, {3, 62}, {3, 63}}) {
            planted.add(PlantedNeuron.suppression(at[0], at[1], WORDS[word++ % WORDS.length]));
        }
        return planted;
    }

    /** Writes dir/base and dir/tuned. */
    public static List<SyntheticCheckpoint.Written> write(Path dir) throws IOException {
        SyntheticCheckpoint base = shapes().plant(MOVED).plant(DROPPED);
        SyntheticCheckpoint tuned = shapes().plant(new PlantedNeuron(MlpMatrix.UP, MOVED.layer(), MOVED.neuron(),
                Map.of(" cat", 1.0)));
        for (PlantedNeuron p : census()) {
            base.plant(p);
            tuned.plant(p);
        }
        return List.of(base.write(dir.resolve(BASE)), tuned.write(dir.resolve(TUNED)));
    }
}

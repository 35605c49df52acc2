package io.neuronatlas.testing;

import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticFamily;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The small checkpoint every family's tests map: two layers, d_model 32, d_mlp 24; a mixture of experts has 3 experts
 * (of 16 neurons for Qwen-MoE, whose Qwen2 shared expert has 20 and whose layer 0 is dense). A " dog" neuron is
 * planted at neuron 5 of layer 1's up (expert "1" in a mixture) and an anti-" California" one at neuron 11 of layer
 * 0's down (expert "2", or Qwen2-MoE's dense layer); Qwen2-MoE's shared expert also gets a " dog" neuron at neuron 7
 * of layer 1's gate.
 */
public final class FamilyModels {
    public static final int D_MLP = 24;
    public static final int EXPERT_D_MLP = 16;
    public static final int SHARED_D_MLP = 20;
    public static final int DOG = 5;
    public static final int CALIFORNIA = 11;

    private FamilyModels() {
    }

    /** The expert the " dog" neuron is in: "1" in a mixture of experts, else null. */
    public static String dogExpert(SyntheticFamily family) {
        return family.mixtureOfExperts() ? "1" : null;
    }

    /** The expert the anti-" California" neuron is in. */
    public static String californiaExpert(SyntheticFamily family) {
        return family.mixtureOfExperts() && family != SyntheticFamily.QWEN2_MOE ? "2" : null;
    }

    /** The checkpoint, in dir/{family name}. */
    public static SyntheticCheckpoint.Written write(SyntheticFamily family, Path dir) throws IOException {
        SyntheticCheckpoint writer = new SyntheticCheckpoint().family(family).layers(2).dModel(32).dMlp(D_MLP)
                .experts(3).expertDMlp(EXPERT_D_MLP).sharedExpertDMlp(SHARED_D_MLP).vocab(300).seed(17);
        if (family == SyntheticFamily.QWEN2_MOE) {
            writer.denseLayers(0); // mlp_only_layers: a dense MLP of intermediate_size in a mixture of experts
        }
        writer.plant(PlantedNeuron.dog(1, DOG).inExpert(dogExpert(family)));
        writer.plant(PlantedNeuron.antiCalifornia(0, CALIFORNIA).inExpert(californiaExpert(family)));
        if (family == SyntheticFamily.QWEN2_MOE) {
            writer.plant(PlantedNeuron.dog(1, 7).inExpert(MlpBlock.SHARED).inMatrix(MlpMatrix.GATE));
        }
        return writer.write(dir.resolve(family.name().toLowerCase(Locale.ROOT)));
    }

    /** An expert as a SQL literal for {@code expert <=> ...}. */
    public static String sql(String expert) {
        return expert == null ? "NULL" : "'" + expert + "'";
    }
}

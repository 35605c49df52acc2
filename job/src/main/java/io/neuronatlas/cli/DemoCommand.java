package io.neuronatlas.cli;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.CensusDemo;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.query.TerminalText;
import java.io.PrintStream;
import java.nio.file.Path;
import scopt.OParser;

/** {@code demo}: a small synthetic Llama checkpoint with planted neurons, to try the map on. */
final class DemoCommand implements Command {

    static final class Args {
        String out = "neuron-atlas-demo/tiny-llama";
        boolean variant;
        boolean decoder;
        boolean census;
    }

    /**
     * The demo decoder's causal neuron: layer 2, neuron 40 fires on "?" and writes " dog". The synthetic tokenizer
     * has no merges (text is encoded character by character), so the trigger is one character a prompt ends with.
     */
    static final SyntheticDecoder.CausalNeuron DECODER_NEURON = new SyntheticDecoder.CausalNeuron(2, 40, "?",
            " dog", 1.0, 0.5);

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "write a small synthetic checkpoint with planted \" dog\" and \" California\" neurons";
    }

    @Override
    public int run(String[] argv, PrintStream raw, PrintStream err) throws Exception {
        PrintStream out = TerminalText.console(raw);
        Scopt<Args> s = new Scopt<>();
        OParser<?, Args> parser = s.parser("neuron-atlas demo",
                "Writes a 4-layer Llama-layout model folder (bf16 safetensors, byte-level BPE tokenizer.json) with "
                        + "a \" dog\"/\" puppy\" neuron in up_proj and an anti-\" California\" neuron in down_proj.",
                s.string("out", "DIR", "model folder to write (default neuron-atlas-demo/tiny-llama)",
                        (a, v) -> a.out = v),
                s.flag("variant", "write the checkpoint as if fine-tuned: the same weights except that up_proj "
                        + "neuron 170 of layer 3 now reads \" cat\", the \" dog\" neuron moved to layer 2 neuron "
                        + "99, and no \" California\" neuron (for comparing checkpoints)", a -> a.variant = true),
                s.flag("decoder", "write a whole decoder (attention, norms, rotary embeddings; f32) whose neuron "
                        + "40 of layer 2 reads \"?\" and writes \" dog\": a planted causal neuron for clamp, "
                        + "generate and validate", a -> a.decoder = true),
                s.flag("census", "write two checkpoints into DIR, base and tuned, for census and drift: planted "
                        + "prediction and suppression neurons in down_proj, and a tuned copy whose up_proj \" dog\" "
                        + "neuron 11 of layer 1 reads \" cat\" and which lacks one suppression neuron",
                        a -> a.census = true));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Path dir = Path.of(parsed.options().out);
        if (parsed.options().census) {
            for (SyntheticCheckpoint.Written w : CensusDemo.write(dir)) {
                out.printf("Wrote %s (d_model %d, vocab %d)%n", w.dir().toAbsolutePath(), w.config().dModel(),
                        w.config().vocab());
                for (PlantedNeuron p : w.planted()) {
                    out.printf("  planted: %s layer %d neuron %d -> %s%n", p.matrix().label(), p.layer(), p.neuron(),
                            p.weights());
                }
            }
            return 0;
        }
        if (parsed.options().decoder) {
            SyntheticDecoder.Written written = new SyntheticDecoder().modelType("llama").layers(4).dModel(64).dMlp(96)
                    .heads(4, 2).vocab(512).seed(7).plant(DECODER_NEURON).write(dir);
            var c = written.config();
            out.printf("Wrote a synthetic decoder to %s (llama: %d layers, d_model %d, d_mlp %d, %d heads on %d kv "
                            + "heads, vocab %d, f32)%n", dir.toAbsolutePath(), c.model().layers(), c.model().dModel(),
                    c.model().dMlp(), c.heads(), c.kvHeads(), c.model().vocab());
            out.printf("  planted: L%d.%d fires on \"%s\" and writes \"%s\"; try: neuron-atlas clamp --model %s "
                            + "--neuron L%d.%d --prompt \"What is your favourite animal?\" --target \" dog\" "
                            + "--values -100:100:21%n",
                    DECODER_NEURON.layer(), DECODER_NEURON.neuron(), DECODER_NEURON.trigger(),
                    DECODER_NEURON.target(), dir, DECODER_NEURON.layer(), DECODER_NEURON.neuron());
            return 0;
        }
        SyntheticCheckpoint checkpoint = new SyntheticCheckpoint().layers(4).dModel(128).dMlp(512).vocab(4096)
                .seed(2024);
        if (parsed.options().variant) {
            checkpoint.plant(PlantedNeuron.dog(2, 99)).plant(new PlantedNeuron(MlpMatrix.UP, 3, 170,
                    java.util.Map.of(" cat", 1.0)));
        } else {
            checkpoint.plantDogAndCalifornia();
        }
        SyntheticCheckpoint.Written written = checkpoint.write(dir);
        var c = written.config();
        out.printf("Wrote a synthetic checkpoint to %s (%s: %d layers, d_model %d, d_mlp %d, vocab %d, %s)%n",
                dir.toAbsolutePath(), c.modelType(), c.layers(), c.dModel(), c.dMlp(), c.vocab(), c.torchDtype());
        for (PlantedNeuron p : written.planted()) {
            out.printf("  planted: %s layer %d neuron %d -> %s%n", p.matrix().label(), p.layer(), p.neuron(),
                    p.weights().keySet());
        }
        return 0;
    }
}

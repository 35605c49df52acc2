package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.forward.Clamp;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.ClampSweep;
import io.neuronatlas.compute.forward.ClampSweeper;
import io.neuronatlas.compute.forward.Clamps;
import io.neuronatlas.compute.forward.DecoderModel;
import io.neuronatlas.compute.forward.Generation;
import io.neuronatlas.compute.forward.GenerationOptions;
import io.neuronatlas.compute.forward.Generator;
import io.neuronatlas.compute.forward.NeuronRef;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.compute.forward.ValueRange;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Cli.Result;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.testing.Validations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * clamp and generate as a user runs them: their columns and numbers against the API called directly, the --atlas
 * round trip through Atlas.open, and each bad input refused with a message naming the option or token and nothing
 * written to the atlas.
 */
class ForwardCommandsTest {
    static final String PROMPT = Validations.PROMPTS.get(0);

    @TempDir
    static Path dir;
    static Validations.Fixture fixture;

    @BeforeAll
    static void mapThePlantedCheckpoint() throws Exception {
        fixture = Validations.shared();
    }

    static String model() {
        return fixture.model().toString();
    }

    static List<JsonNode> jsonLines(String out) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                rows.add(json.readTree(line));
            }
        }
        return rows;
    }

    @Test
    void clampPrintsTheCurveOfTheApiAndWritesItToTheAtlas() throws Exception {
        Result r = Cli.run("clamp", "--model", model(), "--neuron", "L2.up.40", "--prompt", PROMPT, "--target",
                " dog", "--values", "-100:100:5", "--format", "json", "--atlas", fixture.atlas().toString());
        assertEquals(0, r.code(), r.err());
        List<JsonNode> rows = jsonLines(r.out());
        ClampSweep expected;
        try (DecoderModel m = DecoderModel.load(fixture.model(), Device.cpu(), Precision.FP32);
             PromptEncoder encoder = PromptEncoder.open(fixture.model(), 512)) {
            expected = new ClampSweeper(m).sweep(encoder.encode(PROMPT), List.of(new NeuronRef(2, 40)),
                    new ValueRange(-100, 100, 5).values(), encoder.targetToken(" dog"), ClampScope.ALL).get(0);
            assertEquals(5, rows.size(), r.out());
            for (int i = 0; i < rows.size(); i++) {
                JsonNode row = rows.get(i);
                var p = expected.points().get(i).stats();
                assertEquals(List.of(ClampCommand.COLUMNS), iterate(row.fieldNames()));
                assertEquals(expected.points().get(i).value(), row.get("value").asDouble());
                assertEquals(p.targetProb(), row.get("target_prob").asDouble(), 1e-9);
                assertEquals(p.targetLogit(), row.get("target_logit").asDouble(), 1e-6);
                assertEquals(p.targetRank(), row.get("target_rank").asInt());
                assertEquals(encoder.token(p.top1Id()), row.get("top1_token").asText());
                assertEquals(p.top1Prob(), row.get("top1_prob").asDouble(), 1e-9);
            }
        }
        assertEquals(" dog", rows.get(4).get("top1_token").asText(), "clamped high, the planted neuron writes dog");

        Result table = Cli.run("clamp", "--model", model(), "--neuron", "L2.40", "--prompt", PROMPT, "--target",
                " dog", "--values", "-100:100:5");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("natural activation of L2.40 at the last position"), table.out());
        assertTrue(table.out().contains(String.format(java.util.Locale.ROOT, "%.4g", expected.naturalActivation())),
                table.out());

        List<Row> written = Atlas.open(TestSpark.session(), fixture.atlas().toString()).sql("SELECT * FROM "
                + "clamp_sweeps WHERE subject LIKE 'clamp-L2.40-%' ORDER BY value").collectAsList();
        assertEquals(5, written.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(expected.points().get(i).stats().targetProb(), written.get(i).<Double>getAs("target_prob"),
                    1e-9);
            assertEquals("all", written.get(i).getAs("scope"));
            assertEquals(PROMPT, written.get(i).getAs("prompt"));
            assertEquals(expected.naturalActivation(), written.get(i).<Double>getAs("natural_activation"), 1e-9);
        }
    }

    @Test
    void generateShowsBaselineAndSteeredAsTheApiGeneratesThem() throws Exception {
        String[] args = {"generate", "--model", model(), "--prompt", PROMPT, "--clamp", "L2.40=100", "--samples",
            "2", "--max-tokens", "4", "--temperature", "0", "--format", "json"};
        Result r = Cli.run(args);
        assertEquals(0, r.code(), r.err());
        List<JsonNode> rows = jsonLines(r.out());
        try (DecoderModel m = DecoderModel.load(fixture.model(), Device.cpu(), Precision.FP32);
             PromptEncoder encoder = PromptEncoder.open(fixture.model(), 512)) {
            Generator generator = new Generator(m);
            GenerationOptions greedy = new GenerationOptions(2, 4, 0, 0.9, 1);
            List<Generation> baseline = generator.generate(encoder.encode(PROMPT), Clamps.none(), greedy);
            List<Generation> steered = generator.generate(encoder.encode(PROMPT), Clamps.of(ClampScope.ALL,
                    new Clamp(new NeuronRef(2, 40), 100)), greedy);
            assertEquals(2, rows.size());
            for (int i = 0; i < 2; i++) {
                assertEquals(List.of("sample", "baseline", "baseline_eos", "steered", "steered_eos"),
                        iterate(rows.get(i).fieldNames()));
                assertEquals(encoder.decode(baseline.get(i).tokens(), true), rows.get(i).get("baseline").asText());
                assertEquals(encoder.decode(steered.get(i).tokens(), true), rows.get(i).get("steered").asText());
            }
            assertArrayEquals(new int[] {encoder.targetToken(" dog")}, new int[] {steered.get(0).tokens()[0]},
                    "steered at 100, the first new token is the planted target");
        }

        String[] sampled = {"generate", "--model", model(), "--prompt", PROMPT, "--clamp", "L2.40=100",
            "--samples", "3", "--max-tokens", "5", "--temperature", "1.5", "--top-p", "1", "--seed", "3",
            "--format", "json", "--atlas", fixture.atlas().toString()};
        Result first = Cli.run(sampled);
        assertEquals(0, first.code(), first.err());
        assertEquals(first.out(), Cli.run(sampled).out(), "the same seed gives the same text");
        List<Row> written = Atlas.open(TestSpark.session(), fixture.atlas().toString()).sql("SELECT * FROM "
                + "generations ORDER BY clamps, sample").collectAsList();
        assertEquals(6, written.size(), written.toString());
        List<JsonNode> shown = jsonLines(first.out());
        for (int i = 0; i < 3; i++) {
            assertEquals("none", written.get(3 + i).getAs("clamps"));
            assertEquals(shown.get(i).get("baseline").asText(), written.get(3 + i).getAs("text"));
            assertEquals(shown.get(i).get("steered").asText(), written.get(i).getAs("text"));
            assertEquals(3L, written.get(i).<Long>getAs("seed"));
        }
    }

    @Test
    void demoWritesADecoderWhosePlantedNeuronSteers() throws Exception {
        Path out = dir.resolve("demo-decoder");
        Result r = Cli.run("demo", "--decoder", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("planted: L2.40 fires on \"?\" and writes \" dog\""), r.out());
        try (DecoderModel m = DecoderModel.load(out, Device.cpu(), Precision.FP32);
             PromptEncoder encoder = PromptEncoder.open(out, m.config().model().vocab())) {
            int dog = encoder.targetToken(" dog");
            ClampSweep sweep = new ClampSweeper(m).sweep(encoder.encode(PROMPT), List.of(new NeuronRef(2, 40)),
                    new double[] {-100, 100}, dog, ClampScope.ALL).get(0);
            assertTrue(sweep.naturalActivation() > 5, "the prompt's last character fires it: " + sweep);
            assertEquals(dog, sweep.points().get(1).stats().top1Id(), sweep.toString());
            assertTrue(sweep.points().get(0).stats().targetProb() < 1e-3, sweep.toString());
        }
    }

    @Test
    void badInputIsRefusedByNameAndWritesNothing() throws Exception {
        Path other = dir.resolve("qwen3-copy");
        Files.createDirectories(other);
        try (Stream<Path> files = Files.list(fixture.model())) {
            for (Path f : files.toList()) {
                Files.copy(f, other.resolve(f.getFileName()));
            }
        }
        Path config = other.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"llama\"", "\"falcon\""));
        String longPrompt = "the".repeat(1) + " the".repeat(2100);
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n \n");
        Path large = Files.write(dir.resolve("large.txt"), new byte[(int) ValidateCommand.MAX_PROMPTS_BYTES + 1]);
        String atlas = fixture.atlas().toString();
        String[][] cases = {
            {"--neuron", "L9.40", "layer 9 is out of range", "num_hidden_layers=4"},
            {"--neuron", "L2.96", "index 96 is out of range", "intermediate_size=96"},
            {"--neuron", "L2-40", "neuron 'L2-40'"},
            {"--values", "-5:5", "--values '-5:5'", "START:STOP:COUNT"},
            {"--values", "-5:5:0", "--values '-5:5:0'", "COUNT"},
            {"--target", " dogx", "target ' dogx' is not one token", "and no entry renders it", "'x'"},
            {"--prompt", longPrompt, "--prompt", "max_position_embeddings=2048"},
            {"--chat", "tokenizer_config.json", "--chat"},
            {"--model", other.toString(), "no forward pass yet for model_type 'falcon'"},
            {"--precision", "fp16", "precision fp16 is for GPUs"},
        };
        List<String> before = files(fixture.atlas());
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("clamp", "--model", model(), "--neuron", "L2.40", "--prompt",
                    PROMPT, "--target", " dog", "--values", "-1:1:3", "--atlas", atlas));
            int expectStart = override(args, c);
            Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(1, r.code(), String.join(" ", c) + ": " + r.out() + r.err());
            for (int i = expectStart; i < c.length; i++) {
                assertTrue(r.err().contains(c[i]), "'" + c[i] + "' missing from: " + r.err());
            }
        }
        if (Engines.probe().gpuCount() == 0) {
            // The device rule: a GPU asked for where the engine has no CUDA fails, never a silent CPU run.
            Result gpu = Cli.run("clamp", "--model", model(), "--neuron", "L2.40", "--prompt", PROMPT, "--target",
                    " dog", "--device", "gpu", "--atlas", atlas);
            assertTrue(gpu.err().contains("--device gpu was asked for") && gpu.err().contains("cannot use CUDA"),
                    gpu.err());
        }
        Result clamp = Cli.run("generate", "--model", model(), "--prompt", PROMPT, "--clamp", "L2.40", "--atlas",
                atlas);
        assertTrue(clamp.err().contains("--clamp 'L2.40' is not NEURON=VALUE"), clamp.err());
        String[][] prompts = {
            {dir.resolve("missing.txt").toString(), "missing.txt: not found"},
            {empty.toString(), "empty.txt: --prompts file holds no prompt"},
            {large.toString(), "large.txt", "MiB"},
        };
        for (String[] p : prompts) {
            Result r = Cli.run("validate", "--atlas", atlas, "--model", model(), "--token", " dog", "--prompts",
                    p[0]);
            assertEquals(1, r.code(), r.err());
            for (int i = 1; i < p.length; i++) {
                assertTrue(r.err().contains(p[i]), "'" + p[i] + "' missing from: " + r.err());
            }
        }
        Result target = Cli.run("validate", "--atlas", atlas, "--model", model(), "--token", " dogx", "--prompts",
                fixture.prompts().toString());
        assertTrue(target.err().contains("--token ' dogx' is not one token"), target.err());
        Result unmapped = Cli.run("validate", "--atlas", atlas, "--model", model(), "--checkpoint", "other",
                "--token", " dog", "--prompts", fixture.prompts().toString());
        assertTrue(unmapped.err().contains("--checkpoint other") && unmapped.err().contains("tiny-dog"),
                unmapped.err());
        assertEquals(before, files(fixture.atlas()), "a refused command wrote into the atlas");
    }

    /** Sets an option's value (or adds a flag) from a case; returns where the expected texts begin. */
    private static int override(List<String> args, String[] c) {
        if (c[0].equals("--chat")) {
            args.add("--chat");
            return 1;
        }
        int at = args.indexOf(c[0]);
        if (at < 0) {
            args.addAll(List.of(c[0], c[1]));
        } else {
            args.set(at + 1, c[1]);
        }
        return 2;
    }

    private static List<String> files(Path atlas) throws IOException {
        try (Stream<Path> all = Files.walk(atlas)) {
            return all.map(p -> atlas.relativize(p).toString()).sorted().toList();
        }
    }

    private static List<String> iterate(java.util.Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}

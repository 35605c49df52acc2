package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.testing.Cli.Result;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Maps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The query commands as a user runs them: options, output formats, and errors that name what is wrong. */
class QueryCommandsTest {
    @TempDir
    static Path dir;
    static SyntheticCheckpoint.Written model;
    static String atlas;

    @BeforeAll
    static void map() throws Exception {
        model = new SyntheticCheckpoint().layers(2).dModel(64).dMlp(96).vocab(600).seed(3).plantDogAndCalifornia()
                .write(dir.resolve("tiny"));
        atlas = dir.resolve("atlas").toString();
        Maps.of(model.dir(), dir.resolve("atlas")).watch(" dog").run();
    }

    @Test
    void everyQueryCommandHasHelpWithTheAtlasOption() {
        // bench-query's help is checked with the other benchmarks' (bench module, BenchMainTest).
        for (String command : List.of("sql", "find-token", "alignment", "top-neurons", "profile")) {
            Result r = Cli.run(command, "--help");
            assertEquals(0, r.code(), command + ": " + r.err());
            assertTrue(r.out().contains("neuron-atlas " + command), r.out());
            assertTrue(r.out().contains("--atlas") && r.out().contains("--format"), command + ": " + r.out());
        }
    }

    @Test
    void sqlPrintsCsvAndJsonWithTheFunctions() throws Exception {
        String query = "SELECT neuron_id(matrix, layer, neuron) AS id, token, token_norm(token) AS word "
                + "FROM neuron_tokens WHERE polarity = '+' AND rank = 1 AND matrix = 'up' AND layer = 1 "
                + "ORDER BY normalized_prob DESC LIMIT 1";
        PlantedNeuron dog = model.planted().get(0);
        Result csv = Cli.run("sql", "--atlas", atlas, "--format", "csv", query);
        assertEquals(0, csv.code(), csv.err());
        assertEquals("id,token,word\nL" + dog.layer() + ".up." + dog.neuron() + ",\" dog\",dog\n", csv.out());

        Path file = dir.resolve("q.sql");
        Files.writeString(file, query + ";\n");
        Result json = Cli.run("sql", "--atlas", atlas, "--format", "json", "-f", file.toString());
        assertEquals(0, json.code(), json.err());
        JsonNode row = new ObjectMapper().readTree(json.out().strip());
        assertEquals("L1.up." + dog.neuron(), row.get("id").asText());
        assertEquals(" dog", row.get("token").asText());
    }

    @Test
    void sqlErrorsNameTheProblem() {
        Result both = Cli.run("sql", "--atlas", atlas, "-f", "x.sql", "SELECT 1");
        assertEquals(1, both.code());
        assertTrue(both.err().contains("not both"), both.err());
        Result missing = Cli.run("sql", "--atlas", atlas, "-f", dir.resolve("nope.sql").toString());
        assertTrue(missing.err().contains("nope.sql: no such file"), missing.err());
        Result notAtlas = Cli.run("sql", "--atlas", dir.toString(), "SELECT 1");
        assertTrue(notAtlas.err().contains("not an atlas"), notAtlas.err());
        Result format = Cli.run("find-token", "--atlas", atlas, "--format", "xml", " dog");
        assertTrue(format.err().contains("--format must be table, csv or json"), format.err());
    }

    @Test
    void findTokenPrintsThePlantedNeuronFirstForAnyVariant() {
        PlantedNeuron dog = model.planted().get(0);
        for (String token : List.of(" dog", "DOG", "Dog")) {
            Result r = Cli.run("find-token", "--atlas", atlas, "--limit", "3", token);
            assertEquals(0, r.code(), r.err());
            String[] lines = r.out().split("\n");
            // header line, column names, dashes, then the best row (the CI demo check greps the same shape)
            assertTrue(lines[3].matches("^tiny +up +" + dog.layer() + " +" + dog.neuron() + " +\\+ +1 .*"),
                    r.out());
        }
    }

    @Test
    void alignmentTopNeuronsAndProfileRun() {
        Result alignment = Cli.run("alignment", "--atlas", atlas, "--format", "csv");
        assertEquals(0, alignment.code(), alignment.err());
        assertEquals(1 + 3 * 2, alignment.out().strip().split("\n").length, alignment.out());
        Result histogram = Cli.run("alignment", "--atlas", atlas, "--bins", "4", "--format", "csv");
        assertTrue(histogram.out().startsWith("checkpoint,matrix,layer,bin,lower,upper,neurons\n"),
                histogram.out());

        PlantedNeuron dog = model.planted().get(0);
        Result top = Cli.run("top-neurons", "--atlas", atlas, "--matrix", "up", "--layer", String.valueOf(dog.layer()),
                "--limit", "1", "--format", "csv");
        assertEquals(0, top.code(), top.err());
        assertTrue(top.out().contains("L" + dog.layer() + ".up." + dog.neuron() + "," + dog.neuron()), top.out());
        assertTrue(top.out().contains("\"\"\" dog\"\" \"\" puppy\"\""), top.out());
        Result badMatrix = Cli.run("top-neurons", "--atlas", atlas, "--matrix", "mlp", "--layer", "0");
        assertTrue(badMatrix.err().contains("--matrix must be gate, up or down"), badMatrix.err());

        Result profile = Cli.run("profile", "--atlas", atlas, "--limit", "1", " dog");
        assertEquals(0, profile.code(), profile.err());
        assertTrue(profile.out().contains("576 neurons"), profile.out());
        assertTrue(profile.out().contains("L" + dog.layer() + ".up." + dog.neuron()), profile.out());
        Result unwatched = Cli.run("profile", "--atlas", atlas, " cat");
        assertEquals(1, unwatched.code());
        assertTrue(unwatched.err().contains("\" cat\" was not watched"), unwatched.err());
    }

    @Test
    void mapRefusesAWatchedTokenOutsideTheVocabulary() {
        Result r = Cli.run("map", "--model", model.dir().toString(), "--out", dir.resolve("other").toString(),
                "--watch", " zebra-not-a-token");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--watch ' zebra-not-a-token' is not one token of this vocabulary"), r.err());
        assertTrue(!Files.exists(dir.resolve("other/neuron_tokens")), "nothing written");
    }
}

package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.jobs.CrashDrivers;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Cli.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unbounded inputs end in one clear line, never an OutOfMemoryError's trace: a safetensors header is parsed within
 * the driver's heap or refused up front, an OutOfMemoryError anywhere names the input and the memory setting to
 * raise, and in --models-dir one bad checkpoint never stops the others or the summary.
 */
class BoundedInputsTest {
    @TempDir
    Path dir;

    /**
     * A model folder whose model.safetensors header is legal and large: a config, and tensors
     * (small F32 vectors, one after another in the data area) named t0, t1, ....
     */
    private Path hugeHeader(int tensors) throws IOException {
        Path model = dir.resolve("huge");
        Files.createDirectories(model);
        new SyntheticCheckpoint().layers(1).dModel(16).dMlp(16).vocab(300).write(dir.resolve("small"));
        Files.copy(dir.resolve("small/config.json"), model.resolve("config.json"));
        StringBuilder header = new StringBuilder("{");
        for (int i = 0; i < tensors; i++) {
            header.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[1],"
                    + "\"data_offsets\":[").append(4L * i).append(',').append(4L * i + 4).append("]}");
        }
        byte[] json = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        Path file = model.resolve("model.safetensors");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(8 + json.length + 4L * tensors);
        }
        return model;
    }

    private List<String> inspect(Path model, String heap) throws Exception {
        Path log = dir.resolve("inspect-" + heap + ".log");
        Process p = CrashDrivers.start(List.of("-Xmx" + heap), Main.class.getName(),
                List.of("inspect", "--model", model.toString(), "--gflops", "1"), log);
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "inspect did not end");
        return Files.readAllLines(log).stream().filter(l -> !l.startsWith("WARNING: Using incubator")).toList();
    }

    @Test
    void aLargeLegalHeaderIsParsedWithinTheHeapOrRefusedUpFront() throws Exception {
        Path model = hugeHeader(300_000); // a 24 MB header
        long headerBytes = Files.size(model.resolve("model.safetensors")) - 4L * 300_000 - 8;

        List<String> small = inspect(model, "48m");
        assertEquals(1, small.size(), String.join("\n", small));
        assertTrue(small.get(0).startsWith("neuron-atlas inspect: " + model.resolve("model.safetensors")
                + ": header of " + headerBytes + " bytes: parsing it needs about "), small.get(0));
        assertTrue(small.get(0).contains("give the driver more memory: ./submit.sh --driver-memory"), small.get(0));

        // With the heap it needs, the same header parses: what fails next is the model's missing MLP tensors.
        List<String> enough = inspect(model, "384m");
        assertEquals(1, enough.size(), String.join("\n", enough));
        assertTrue(enough.get(0).contains("is missing from the safetensors files"), enough.get(0));
    }

    @Test
    void anOutOfMemoryErrorAnywhereIsOneLineNamingTheInputAndTheSetting() {
        Command greedy = new Command() {
            @Override
            public String name() {
                return "greedy";
            }

            @Override
            public String summary() {
                return "runs out of memory";
            }

            @Override
            public int run(String[] args, PrintStream out, PrintStream err) {
                throw new OutOfMemoryError("Java heap space");
            }
        };
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run("neuron-atlas", List.of(greedy), new String[] {"greedy", "--model", "/models/big"},
                new PrintStream(OutputStream.nullOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, code);
        String line = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, line.strip().split("\n").length, line);
        assertTrue(Pattern.matches("neuron-atlas greedy: greedy --model /models/big: ran out of memory \\(this JVM may "
                + "use at most [0-9,]+ MiB of heap\\); give the driver more memory: ./submit.sh --driver-memory 8g "
                + "\\.\\.\\. \\(spark.driver.memory\\), or -Xmx8g when running java yourself\\s*", line), line);
    }

    @Test
    void oneBadCheckpointInAModelsDirNeverStopsTheOthersOrTheSummary() throws IOException {
        Path models = dir.resolve("models");
        SyntheticCheckpoint shape = new SyntheticCheckpoint().layers(1).dModel(16).dMlp(16).vocab(300);
        shape.seed(1).write(models.resolve("ckpt-a"));
        Path huge = shape.seed(2).write(models.resolve("ckpt-b")).dir();
        try (RandomAccessFile f = new RandomAccessFile(huge.resolve("config.json").toFile(), "rw")) {
            f.setLength(3_000_000_000L);
        }
        shape.seed(3).write(models.resolve("007"));
        shape.seed(4).write(models.resolve("ckpt-d\u001b[2J"));
        Result r = Cli.run("map", "--models-dir", models.toString(), "--out", dir.resolve("atlas").toString(),
                "--matrices", "up", "--top-k", "3");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("1 mapped, 0 up to date, 3 failed"), r.out());
        assertTrue(Pattern.compile("(?m)^ckpt-a +mapped ").matcher(r.out()).find(), r.out());
        assertTrue(Pattern.compile("(?m)^ckpt-b +failed .*config\\.json: is 3,000,000,000 bytes").matcher(r.out())
                .find(), r.out());
        // A folder name is the checkpoint's name: the advice is to rename the folder (--checkpoint is not allowed).
        assertTrue(Pattern.compile("(?m)^007 +failed .*give it a prefix, e\\.g\\. 'ckpt-007' \\(rename the folder")
                .matcher(r.out()).find(), r.out());
        assertTrue(Pattern.compile("(?m)^ckpt-d\\\\x1b\\[2J +failed .*\\(rename the folder").matcher(r.out())
                .find(), r.out());
        assertTrue(!r.out().contains("pass --checkpoint"), r.out());
        assertTrue(!r.out().contains("\u001b"), "a folder name reached the terminal raw: " + r.out());
    }
}

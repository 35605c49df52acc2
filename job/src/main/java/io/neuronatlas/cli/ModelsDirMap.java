package io.neuronatlas.cli;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.files.InputFile;
import io.neuronatlas.jobs.MapJob;
import io.neuronatlas.jobs.MapOutcome;
import io.neuronatlas.plan.MapOptions;
import io.neuronatlas.query.TerminalText;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * {@code map --models-dir DIR}, the cron mode: every subfolder holding a config.json is a checkpoint named after
 * the folder; each is mapped if new or changed and skipped if up to date. A checkpoint that fails is reported and
 * the others still run; the exit code is 1 when any failed.
 */
final class ModelsDirMap {
    private final MapJob job;
    private final PrintStream out;

    /** What happened to one checkpoint folder. */
    enum Status {
        MAPPED("mapped"), UP_TO_DATE("up to date"), FAILED("failed");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        static Status of(MapOutcome.Status outcome) {
            return outcome == MapOutcome.Status.MAPPED ? MAPPED : UP_TO_DATE;
        }
    }

    /** One checkpoint's line of the summary. */
    record Result(String checkpoint, Status status, double seconds, String detail) {
    }

    ModelsDirMap(MapJob job, PrintStream out) {
        this.job = job;
        this.out = out;
    }

    int run(Path modelsDir, Function<Path, MapOptions> optionsFor) throws IOException {
        List<Path> folders = checkpointFolders(modelsDir);
        out.printf("[map] %s: %d checkpoint folder(s): %s%n", modelsDir, folders.size(),
                folders.stream().map(p -> p.getFileName().toString()).toList());
        List<Result> results = new ArrayList<>();
        for (Path folder : folders) {
            String name = folder.getFileName().toString();
            long t0 = System.nanoTime();
            try {
                AtlasPaths.checkCheckpointName(name, "rename the folder: with --models-dir each checkpoint is named "
                        + "after its folder");
                MapOutcome outcome = job.map(optionsFor.apply(folder));
                results.add(new Result(name, Status.of(outcome.status()), (System.nanoTime() - t0) / 1e9,
                        outcome.reason() + ", run " + outcome.entry().run()));
            } catch (Exception | OutOfMemoryError | StackOverflowError e) {
                // One checkpoint's failure, even out of memory on a huge header, never stops the others.
                String message = e instanceof OutOfMemoryError ? InputFile.outOfMemory(folder.toString())
                        : Errors.describe(e);
                out.printf("[map] %s: FAILED: %s%n", name, message);
                results.add(new Result(name, Status.FAILED, (System.nanoTime() - t0) / 1e9, message));
            }
        }
        printSummary(modelsDir, results);
        return results.stream().anyMatch(r -> r.status() == Status.FAILED) ? 1 : 0;
    }

    static List<Path> checkpointFolders(Path modelsDir) throws IOException {
        if (!Files.isDirectory(modelsDir)) {
            throw new IllegalArgumentException("--models-dir " + modelsDir + ": no such directory");
        }
        try (Stream<Path> children = Files.list(modelsDir)) {
            return children.filter(p -> Files.isRegularFile(p.resolve(Checkpoint.CONFIG))).sorted().toList();
        }
    }

    private void printSummary(Path modelsDir, List<Result> results) {
        Map<Status, Long> counts = new EnumMap<>(Status.class);
        for (Status status : Status.values()) {
            counts.put(status, results.stream().filter(r -> r.status() == status).count());
        }
        out.printf(Locale.ROOT, "%nSummary of %s: %d mapped, %d up to date, %d failed%n", modelsDir,
                counts.get(Status.MAPPED), counts.get(Status.UP_TO_DATE), counts.get(Status.FAILED));
        int width = Math.max(10, results.stream().mapToInt(r -> TerminalText.escape(r.checkpoint()).length()).max()
                .orElse(0));
        out.printf(Locale.ROOT, "%-" + width + "s  %-10s  %8s  %s%n", "checkpoint", "status", "seconds", "detail");
        for (Result r : results) {
            // Folder names are anyone's text: escaped before padding, so controls neither act nor break columns.
            out.printf(Locale.ROOT, "%-" + width + "s  %-10s  %8.1f  %s%n", TerminalText.escape(r.checkpoint()),
                    r.status().label, r.seconds(), TerminalText.escape(r.detail()));
        }
    }
}

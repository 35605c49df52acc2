package io.neuronatlas.cli;

import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.jobs.MapJob;
import io.neuronatlas.jobs.MapOutcome;
import io.neuronatlas.plan.MapOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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

    /** One checkpoint's line of the summary. */
    record Result(String checkpoint, String status, double seconds, String detail) {
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
                MapOutcome outcome = job.map(optionsFor.apply(folder));
                results.add(new Result(name, outcome.status() == MapOutcome.Status.MAPPED ? "mapped" : "up to date",
                        (System.nanoTime() - t0) / 1e9, outcome.reason() + ", run " + outcome.entry().run()));
            } catch (Exception e) {
                String message = Errors.describe(e);
                out.printf("[map] %s: FAILED: %s%n", name, message);
                results.add(new Result(name, "failed", (System.nanoTime() - t0) / 1e9, message));
            }
        }
        printSummary(modelsDir, results);
        return results.stream().anyMatch(r -> r.status().equals("failed")) ? 1 : 0;
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
        long mapped = results.stream().filter(r -> r.status().equals("mapped")).count();
        long upToDate = results.stream().filter(r -> r.status().equals("up to date")).count();
        long failed = results.stream().filter(r -> r.status().equals("failed")).count();
        out.printf(Locale.ROOT, "%nSummary of %s: %d mapped, %d up to date, %d failed%n", modelsDir, mapped, upToDate,
                failed);
        int width = Math.max(10, results.stream().mapToInt(r -> r.checkpoint().length()).max().orElse(0));
        out.printf(Locale.ROOT, "%-" + width + "s  %-10s  %8s  %s%n", "checkpoint", "status", "seconds", "detail");
        for (Result r : results) {
            out.printf(Locale.ROOT, "%-" + width + "s  %-10s  %8.1f  %s%n", r.checkpoint(), r.status(), r.seconds(),
                    r.detail());
        }
    }
}

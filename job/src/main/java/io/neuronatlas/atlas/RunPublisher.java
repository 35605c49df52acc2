package io.neuronatlas.atlas;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Publishes one run of one kind and checkpoint. The run's tasks write into folders of their own
 * ({@code TABLE/checkpoint=NAME/run=RUN/}) that no published query reads; publishing writes the run record, then
 * replaces the checkpoint's entry in the kind's catalog with one naming this run (the single atomic step), and only
 * then deletes the kind's other run folders of the checkpoint: the superseded run and whatever killed runs left. A run
 * that fails or dies before that rename leaves the previous output published and whole; its folders are deleted by
 * itself when it can, else by the next run of the kind and checkpoint. Call everything under the kind's run lock.
 */
public final class RunPublisher {
    private static final String RECORD_FILE = "run.json";
    /** In a run's records folder: the files the run committed, by relative path and size. */
    static final String FILE_LIST = "_files.json";
    /** A record lists every shard: a few MB for the largest maps. */
    private static final long MAX_RECORD_BYTES = 256L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fs;
    private final Path atlas;
    private final OutputKind kind;
    private final String checkpoint;
    private final String runId;
    private final Catalog catalog;
    private final PublishListener listener;
    private boolean published;

    public RunPublisher(Configuration conf, String atlasUri, OutputKind kind, String checkpoint, String runId,
                        PublishListener listener) throws IOException {
        this.atlas = new Path(atlasUri);
        this.fs = atlas.getFileSystem(conf);
        this.kind = kind;
        this.checkpoint = AtlasPaths.checkCheckpointName(checkpoint);
        this.runId = runId;
        this.catalog = new Catalog(conf, atlasUri, kind);
        this.listener = listener;
    }

    public String runId() {
        return runId;
    }

    /** This run's folder of one of its kind's tables (the rows of a row table, the record of the records table). */
    public Path runFolder(String table) {
        if (!kind.runTables().contains(table)) {
            throw new IllegalArgumentException(table + " is not a table of the " + kind.name() + " output");
        }
        return new Path(new Path(atlas, table), AtlasPaths.runPath(checkpoint, runId));
    }

    /**
     * Checks that every file the plan expects was committed (paths relative to the atlas), and deletes what failed
     * or killed task attempts left behind, so that a published run holds complete files only.
     */
    public void checkCommitted(List<String> expected) throws IOException {
        for (String relative : expected) {
            Path file = new Path(atlas, relative);
            if (!fs.exists(file)) {
                throw new IOException("run " + runId + " of " + checkpoint + ": a task reported success but its file "
                        + file + " is missing");
            }
        }
        for (String table : kind.tables()) {
            if (!fs.exists(runFolder(table))) {
                continue;
            }
            RemoteIterator<LocatedFileStatus> files = fs.listFiles(runFolder(table), true);
            List<Path> leftovers = new ArrayList<>();
            while (files.hasNext()) {
                Path path = files.next().getPath();
                if (TableFile.isTemporary(path.getName())) {
                    leftovers.add(path);
                }
            }
            for (Path leftover : leftovers) {
                fs.delete(leftover, false);
            }
        }
    }

    /** Writes the run record (one JSON line) into this run's folder of the kind's records table. */
    public void writeRecord(String json) throws IOException {
        try (OutputStream out = fs.create(new Path(runFolder(kind.records()), RECORD_FILE), true)) {
            out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Lists every file this run's folders hold for readers (relative to the atlas, with its size) in the run's
     * records folder, as {@value #FILE_LIST}: what an up-to-date check later confirms is still there, unchanged. The
     * list's name starts with '_', which Spark and other readers of the folder skip.
     */
    public void writeFileList() throws IOException {
        Map<String, Long> files = visibleFiles(fs, atlas, kind, checkpoint, runId);
        try (OutputStream out = fs.create(new Path(runFolder(kind.records()), FILE_LIST), true)) {
            out.write(JSON.writeValueAsBytes(Map.of("files", files)));
        }
    }

    /**
     * Null when the published run's folders hold exactly the files its list names, by name and size; else what is
     * wrong with them (a file missing, resized, or added, say by a query that wrote into the run's folders), for the
     * console, as the reason to run again.
     */
    public static String damage(Configuration conf, String atlasUri, OutputKind kind, String checkpoint, String run)
            throws IOException {
        Path atlas = new Path(atlasUri);
        FileSystem fs = atlas.getFileSystem(conf);
        Path list = new Path(new Path(new Path(atlas, kind.records()), AtlasPaths.runPath(checkpoint, run)),
                FILE_LIST);
        if (!fs.exists(list)) {
            return "published run " + run + " has no list of its files (it was written by an earlier version), so it "
                    + "cannot be confirmed whole";
        }
        Map<String, Long> listed;
        try (InputStream in = fs.open(list)) {
            listed = JSON.readValue(in, FileList.class).files();
        } catch (IOException | RuntimeException e) {
            return "published run " + run + ": its list of files " + list + " is unreadable (" + e.getMessage() + ")";
        }
        Map<String, Long> found = visibleFiles(fs, atlas, kind, checkpoint, run);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Long> file : listed.entrySet()) {
            Long size = found.get(file.getKey());
            if (size == null) {
                problems.add(file.getKey() + " is missing");
            } else if (!size.equals(file.getValue())) {
                problems.add(file.getKey() + " has " + size + " bytes, not " + file.getValue());
            }
        }
        for (String file : found.keySet()) {
            if (!listed.containsKey(file)) {
                problems.add(file + " was added");
            }
        }
        if (problems.isEmpty()) {
            return null;
        }
        return "published run " + run + " is damaged (" + String.join("; ", problems.subList(0,
                Math.min(3, problems.size()))) + (problems.size() > 3 ? "; and " + (problems.size() - 3) + " more"
                : "") + ")";
    }

    /** A run's record as its records folder holds it; empty when it is not there. */
    public static Optional<String> readRecord(Configuration conf, String atlasUri, OutputKind kind, String checkpoint,
                                              String run) throws IOException {
        Path atlas = new Path(atlasUri);
        FileSystem fs = atlas.getFileSystem(conf);
        Path file = new Path(new Path(new Path(atlas, kind.records()), AtlasPaths.runPath(checkpoint, run)),
                RECORD_FILE);
        if (!fs.exists(file) || fs.getFileStatus(file).getLen() > MAX_RECORD_BYTES) {
            return Optional.empty();
        }
        try (InputStream in = fs.open(file)) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** The run's list of files, relative path to size in bytes. */
    private record FileList(Map<String, Long> files) {
    }

    /** The files of a run that readers see (no '.' or '_' names below the run folder), relative path to size. */
    private static Map<String, Long> visibleFiles(FileSystem fs, Path atlas, OutputKind kind, String checkpoint,
                                                  String run) throws IOException {
        Map<String, Long> files = new TreeMap<>();
        String root = fs.makeQualified(atlas).toUri().getPath();
        for (String table : kind.runTables()) {
            Path folder = new Path(new Path(atlas, table), AtlasPaths.runPath(checkpoint, run));
            if (!fs.exists(folder)) {
                continue;
            }
            String base = fs.makeQualified(folder).toUri().getPath();
            RemoteIterator<LocatedFileStatus> listing = fs.listFiles(folder, true);
            while (listing.hasNext()) {
                LocatedFileStatus file = listing.next();
                String path = file.getPath().toUri().getPath();
                if (hiddenBelow(path.substring(base.length()))) {
                    continue;
                }
                files.put(path.substring(root.length() + 1), file.getLen());
            }
        }
        return files;
    }

    private static boolean hiddenBelow(String relative) {
        for (String part : relative.split("/")) {
            if (part.startsWith(".") || part.startsWith("_")) {
                return true;
            }
        }
        return false;
    }

    /** Makes this run the published one of its checkpoint and subject, then deletes the kind's unpublished runs. */
    public void publish(CatalogEntry entry) throws IOException {
        if (!entry.run().equals(runId) || !entry.checkpoint().equals(checkpoint)) {
            throw new IllegalArgumentException("entry " + entry.toJson() + " is not run " + runId + " of "
                    + checkpoint);
        }
        listener.beforePublish(entry);
        catalog.publish(entry);
        published = true;
        listener.afterPublish(entry);
        deleteUnpublished(fs, atlas, catalog, checkpoint);
    }

    /** Whether the catalog names this run: from then on its folders are the published output. */
    public boolean published() {
        return published;
    }

    /**
     * Deletes the kind's run folders of the checkpoint that no catalog entry names, and temporary catalog entries:
     * what superseded and killed runs left. Under the kind and checkpoint's run lock only.
     */
    public static void tidy(Configuration conf, String atlasUri, OutputKind kind, String checkpoint)
            throws IOException {
        Path atlas = new Path(atlasUri);
        deleteUnpublished(atlas.getFileSystem(conf), atlas, new Catalog(conf, atlasUri, kind), checkpoint);
    }

    private static void deleteUnpublished(FileSystem fs, Path atlas, Catalog catalog, String checkpoint)
            throws IOException {
        catalog.deleteTemporaries(checkpoint);
        Set<String> keep = new HashSet<>();
        for (PublishedRun published : catalog.publishedRuns()) {
            if (published.checkpoint().equals(checkpoint)) {
                keep.add("run=" + published.run());
            }
        }
        for (String table : catalog.kind().runTables()) {
            Path folder = new Path(new Path(atlas, table), "checkpoint=" + checkpoint);
            if (!fs.exists(folder)) {
                continue;
            }
            for (FileStatus child : fs.listStatus(folder)) {
                if (!keep.contains(child.getPath().getName())) {
                    fs.delete(child.getPath(), true);
                }
            }
        }
    }

    /** Forgets everything this run wrote; the published output, whichever it is, stays. */
    public void abandon() throws IOException {
        for (String table : kind.runTables()) {
            fs.delete(runFolder(table), true);
            Path folder = runFolder(table).getParent();
            if (fs.exists(folder) && fs.listStatus(folder).length == 0) {
                fs.delete(folder, false);
                if (fs.exists(folder.getParent()) && fs.listStatus(folder.getParent()).length == 0) {
                    fs.delete(folder.getParent(), false);
                }
            }
        }
    }
}

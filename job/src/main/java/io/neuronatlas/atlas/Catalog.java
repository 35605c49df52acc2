package io.neuronatlas.atlas;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * One kind's catalog, {@code atlas/CATALOG/NAME.json} (or {@code NAME~SUBJECT.json}): one small JSON file per
 * checkpoint and subject naming its published run; the map's is the checkpoints table. A run is published by
 * writing its entry to a hidden temporary file and renaming it over the old one, which on a local (POSIX) file
 * system and on HDFS replaces the file in one step: a reader sees the old entry or the new one, never neither, never
 * a torn one. Everything else a run writes lives in its own run folders, so this rename is the only moment the atlas
 * changes for readers.
 */
public final class Catalog {
    private static final String SUFFIX = ".json";
    /** '~' cannot occur in a checkpoint name, so it separates the name from a subject without ambiguity. */
    private static final char SUBJECT_SEPARATOR = '~';
    private static final Pattern SUBJECT = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** An entry is one JSON line naming a run and its parameters. */
    private static final long MAX_ENTRY_BYTES = 1 << 20;

    private final Configuration conf;
    private final FileSystem fs;
    private final Path dir;
    private final OutputKind kind;

    public Catalog(Configuration conf, String atlas, OutputKind kind) throws IOException {
        this.conf = conf;
        this.kind = kind;
        Path root = new Path(atlas);
        this.fs = root.getFileSystem(conf);
        this.dir = fs.makeQualified(new Path(root, kind.catalog()));
    }

    public OutputKind kind() {
        return kind;
    }

    public Path entryFile(String checkpoint, String subject) {
        if (!subject.isEmpty() && !SUBJECT.matcher(subject).matches()) {
            throw new IllegalArgumentException("subject '" + subject + "' must match " + SUBJECT.pattern());
        }
        return new Path(dir, checkpoint + (subject.isEmpty() ? "" : SUBJECT_SEPARATOR + subject) + SUFFIX);
    }

    /** The published entry of a checkpoint and subject ("" for kinds with one output per checkpoint). */
    public <E extends CatalogEntry> Optional<E> read(String checkpoint, String subject, Class<E> type)
            throws IOException {
        Path file = entryFile(checkpoint, subject);
        return fs.exists(file) ? Optional.of(readFile(file, type)) : Optional.empty();
    }

    /** Every published entry, by checkpoint and subject. */
    public <E extends CatalogEntry> List<E> readAll(Class<E> type) throws IOException {
        List<E> entries = readFiles(type);
        entries.sort(Comparator.comparing((E e) -> e.checkpoint()).thenComparing(CatalogEntry::subject));
        return entries;
    }

    /** Which runs are published, whatever the kind's entry record holds besides. */
    public List<PublishedRun> publishedRuns() throws IOException {
        return readFiles(PublishedRun.class);
    }

    private <E> List<E> readFiles(Class<E> type) throws IOException {
        List<E> entries = new ArrayList<>();
        if (!fs.exists(dir)) {
            return entries;
        }
        for (FileStatus status : fs.listStatus(dir)) {
            String name = status.getPath().getName();
            if (status.isFile() && name.endsWith(SUFFIX) && !name.startsWith(".") && !name.startsWith("_")) {
                entries.add(readFile(status.getPath(), type));
            }
        }
        return entries;
    }

    private <E> E readFile(Path file, Class<E> type) throws IOException {
        long length = fs.getFileStatus(file).getLen();
        if (length > MAX_ENTRY_BYTES) {
            throw new IOException(file + ": not a " + kind.catalog() + " entry: " + length + " bytes, where an entry "
                    + "is one line of a few hundred");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (InputStream in = fs.open(file)) {
            in.transferTo(bytes);
        }
        try {
            return JSON.readValue(bytes.toString(StandardCharsets.UTF_8), type);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": not a " + kind.catalog() + " entry: " + e.getMessage(), e);
        }
    }

    /** An entry as the one JSON line its file holds: every kind's entry is written, as it is read, here. */
    static String json(CatalogEntry entry) {
        try {
            return JSON.writeValueAsString(entry);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces the entry of its checkpoint and subject in one atomic rename: the commit point of a run. */
    public void publish(CatalogEntry entry) throws IOException {
        byte[] json = (entry.toJson() + "\n").getBytes(StandardCharsets.UTF_8);
        Path target = entryFile(entry.checkpoint(), entry.subject());
        Path temporary = new Path(dir, temporaryPrefix(entry.checkpoint()) + entry.run() + ".tmp");
        fs.mkdirs(dir);
        if (isLocal()) {
            // Through java.nio rather than Hadoop's LocalFileSystem, whose checksum side files would be renamed
            // in a second step: rename(2) replaces the entry atomically, and force() makes it survive a crash.
            java.nio.file.Path tmp = local(temporary);
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(ByteBuffer.wrap(json));
                out.force(true);
            }
            Files.move(tmp, local(target), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
            try (OutputStream out = fs.create(temporary, true)) {
                out.write(json);
            }
            FileContext.getFileContext(dir.toUri(), conf).rename(temporary, target, Options.Rename.OVERWRITE);
        }
    }

    /** One checkpoint's prefix never matches another's temporaries: '~' cannot occur in a checkpoint name. */
    private static String temporaryPrefix(String checkpoint) {
        return "." + checkpoint + SUBJECT_SEPARATOR;
    }

    /** Deletes temporary entries a killed run of the checkpoint left; call under the checkpoint's run lock. */
    public void deleteTemporaries(String checkpoint) throws IOException {
        if (!fs.exists(dir)) {
            return;
        }
        for (FileStatus status : fs.listStatus(dir)) {
            if (status.getPath().getName().startsWith(temporaryPrefix(checkpoint))) {
                fs.delete(status.getPath(), false);
            }
        }
    }

    /**
     * Takes the checkpoint's run lock for this kind, so that two runs of one kind and checkpoint cannot publish over
     * or delete each other's files; runs of other kinds or checkpoints go on meanwhile. On a local file system this
     * is an OS file lock, released by the kernel when the holding process dies however it dies; elsewhere there is
     * no lock, and one run per kind and checkpoint at a time is the caller's rule.
     */
    public RunLock lock(String checkpoint) throws IOException {
        if (!isLocal()) {
            return new RunLock(null, null);
        }
        java.nio.file.Path file = local(new Path(dir, "." + checkpoint + ".lock"));
        FileChannel channel;
        try {
            fs.mkdirs(dir);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("the atlas " + dir.getParent() + " cannot be written: its run lock " + file
                    + " cannot be created (" + (e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e.getMessage()) + "); the maps it holds stay as they are; map into a folder you can write", e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new CheckpointBusyException("checkpoint '" + checkpoint + "' is being " + kind.runVerb()
                    + " by another run right now (lock " + file + " is held); try again when it has finished");
        }
        return new RunLock(channel, lock);
    }

    /** Held for a whole run of one kind and checkpoint. */
    public static final class RunLock implements Closeable {
        private final FileChannel channel;
        private final FileLock lock;

        private RunLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            if (channel != null) {
                try {
                    lock.release();
                } finally {
                    channel.close();
                }
            }
        }
    }

    /** Another run of the same kind and checkpoint holds its lock. */
    public static final class CheckpointBusyException extends IOException {
        private static final long serialVersionUID = 1L;

        CheckpointBusyException(String message) {
            super(message);
        }
    }

    private boolean isLocal() {
        return "file".equals(dir.toUri().getScheme());
    }

    private static java.nio.file.Path local(Path path) {
        return java.nio.file.Path.of(path.toUri());
    }
}

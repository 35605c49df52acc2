package io.neuronatlas.atlas;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where a job may write an atlas, checked before anything is read or written. {@code --out /} (a script's unset
 * variable) would put the atlas's folders into the file system's root; {@code --out} naming the model folder would
 * mix the atlas into the checkpoint; a non-empty folder that is not an atlas is someone else's data. A folder that
 * cannot be written, or a file in the folder's place, is said so plainly rather than through the lock file's path or
 * Hadoop's "Parent path is not a directory".
 */
public final class AtlasFolder {
    /** Folders of an atlas that are not any kind's tables: what 'compare' writes. */
    private static final Set<String> OTHER_FOLDERS = Set.of("comparisons");

    private AtlasFolder() {
    }

    /**
     * Refuses an atlas folder that is a file system root, a file, the model folder or inside it, a non-empty folder
     * that is not an atlas, or one that cannot be created or written; creates the folder when it is missing.
     *
     * @param modelDir the checkpoint folder the job reads, or null
     */
    public static void check(Configuration conf, String atlas, java.nio.file.Path modelDir) throws IOException {
        Path path = new Path(atlas);
        FileSystem fs = path.getFileSystem(conf);
        Path qualified = fs.makeQualified(path);
        if (qualified.isRoot()) {
            throw new IllegalArgumentException("--out " + atlas + " is the root of a file system; give the atlas a "
                    + "folder of its own (is a variable in the command unset?)");
        }
        boolean local = "file".equals(qualified.toUri().getScheme());
        if (local && modelDir != null) {
            java.nio.file.Path out = real(java.nio.file.Path.of(qualified.toUri()));
            java.nio.file.Path model = real(modelDir);
            if (out.startsWith(model)) {
                throw new IllegalArgumentException("--out " + atlas + " is " + (out.equals(model) ? "the model "
                        + "folder" : "inside the model folder " + modelDir) + "; the atlas goes into a folder of its "
                        + "own, apart from the checkpoint");
            }
        }
        if (!fs.exists(qualified)) {
            if (local) {
                java.nio.file.Path above = java.nio.file.Path.of(qualified.toUri()).getParent();
                while (above != null && !Files.exists(above)) {
                    above = above.getParent();
                }
                if (above != null && !Files.isDirectory(above)) {
                    throw new IllegalArgumentException("--out " + atlas + ": " + above + " is a file, so no folder "
                            + "can be made under it; give the atlas a folder elsewhere");
                }
            }
            create(fs, qualified, atlas);
            return;
        }
        FileStatus status = fs.getFileStatus(qualified);
        if (!status.isDirectory()) {
            throw new IllegalArgumentException("--out " + atlas + " is a file; the atlas is a folder (give a new "
                    + "folder, or one that holds an atlas)");
        }
        List<String> foreign = new ArrayList<>();
        boolean atlasFolders = false;
        for (FileStatus child : fs.listStatus(qualified)) {
            String name = child.getPath().getName();
            if (name.startsWith(".")) {
                continue;
            }
            if (child.isDirectory() && (atlasFolderNames().contains(name) || holdsRuns(fs, child.getPath()))) {
                atlasFolders = true;
            } else if (!child.isDirectory() || fs.listStatus(child.getPath()).length > 0) {
                // An empty folder holds nothing to protect (and may be a kind's catalog a run is creating).
                foreign.add(name);
            }
        }
        foreign.sort(null);
        if (!atlasFolders && !foreign.isEmpty()) {
            throw new IllegalArgumentException("--out " + atlas + " is a folder that holds other things and no atlas "
                    + "(" + String.join(", ", foreign.subList(0, Math.min(5, foreign.size())))
                    + (foreign.size() > 5 ? ", ..." : "") + "); give a new or empty folder, or an existing atlas");
        }
        if (local) {
            java.nio.file.Path dir = java.nio.file.Path.of(qualified.toUri());
            if (!Files.isWritable(dir)) {
                throw new IOException("--out " + atlas + ": this folder cannot be written ("
                        + (Files.getFileStore(dir).isReadOnly() ? "read-only file system" : "permission denied")
                        + "); whatever it holds stays as it is; map into a folder you can write");
            }
        }
    }

    /**
     * Whether a folder is a table, records or catalog folder of some kind of output, known to this version or not:
     * it holds {@code checkpoint=NAME} folders or a run lock ({@code .NAME.lock}).
     */
    private static boolean holdsRuns(FileSystem fs, Path folder) throws IOException {
        for (FileStatus child : fs.listStatus(folder)) {
            String name = child.getPath().getName();
            if (name.startsWith("checkpoint=") || name.startsWith(".") && name.endsWith(".lock")) {
                return true;
            }
        }
        return false;
    }

    /** The top-level folders an atlas of this version's kinds may hold. */
    private static Set<String> atlasFolderNames() {
        Set<String> names = new TreeSet<>(OTHER_FOLDERS);
        for (OutputKind kind : OutputKind.ALL) {
            names.add(kind.catalog());
            names.addAll(kind.runTables());
        }
        return names;
    }

    private static void create(FileSystem fs, Path folder, String atlas) throws IOException {
        IOException cause = null;
        boolean made;
        try {
            made = fs.mkdirs(folder);
        } catch (IOException e) {
            made = false;
            cause = e;
        }
        if (!made) {
            throw new IOException("--out " + atlas + ": cannot create the atlas folder (" + (cause == null
                    ? "permission denied or read-only file system" : cause.getMessage()) + "); map into a folder "
                    + "you can write", cause);
        }
    }

    /** The path with links resolved as far as it exists, so that a link to the model folder is the model folder. */
    private static java.nio.file.Path real(java.nio.file.Path path) throws IOException {
        java.nio.file.Path absolute = path.toAbsolutePath().normalize();
        java.nio.file.Path existing = absolute;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return absolute;
        }
        return existing.toRealPath().resolve(existing.relativize(absolute));
    }
}

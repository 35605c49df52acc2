package io.neuronatlas.atlas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Cli.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --out is refused where an atlas must not go, before anything is read or written: a file system root (an unset
 * variable in a script), the model folder or a folder inside it, a non-empty folder that is not an atlas, and a file.
 */
class AtlasFolderTest {
    @TempDir
    Path dir;

    private static final Configuration CONF = new Configuration();

    private Path model() throws IOException {
        return new SyntheticCheckpoint().layers(1).dModel(16).dMlp(16).vocab(300).write(dir.resolve("model")).dir();
    }

    private static String refusal(String atlas, Path model) {
        return assertThrows(Exception.class, () -> AtlasFolder.check(CONF, atlas, model)).getMessage();
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theRootOfAFileSystemIsRefused() throws IOException {
        Path model = model();
        for (String root : List.of("/", "file:///", "/tmp/..")) {
            String message = refusal(root, model);
            assertTrue(message.contains("is the root of a file system") && message.contains("unset?"), message);
        }
    }

    @Test
    void theModelFolderAndFoldersInsideItAreRefused() throws IOException {
        Path model = model();
        List<String> before = names(model);
        assertTrue(refusal(model.toString(), model).endsWith("is the model folder; the atlas goes into a folder of "
                + "its own, apart from the checkpoint"));
        assertTrue(refusal(model.resolve("atlas").toString(), model).contains("is inside the model folder " + model));
        assertTrue(refusal(model.resolve("a/../b/atlas").toString(), model).contains("inside the model folder"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), model);
        assertTrue(refusal(link.resolve("atlas").toString(), model).contains("inside the model folder"));
        assertEquals(before, names(model), "the model folder was written");
        // A sibling whose name starts like the model's is not inside it.
        AtlasFolder.check(CONF, dir.resolve("model-atlas").toString(), model);
    }

    @Test
    void aNonEmptyFolderThatIsNotAnAtlasIsRefusedAndAnAtlasOrAnEmptyOneIsNot() throws IOException {
        Path model = model();
        Path home = Files.createDirectories(dir.resolve("home"));
        Files.writeString(home.resolve("thesis.tex"), "\\documentclass{article}");
        Files.write(Files.createDirectories(home.resolve("photos")).resolve("cat.jpg"), new byte[] {1});
        String message = refusal(home.toString(), model);
        assertTrue(message.contains("is a folder that holds other things and no atlas (photos, thesis.tex)"), message);
        assertEquals(List.of("photos", "thesis.tex"), names(home));

        // Hidden files and empty folders hold nothing an atlas could overwrite.
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve(".hidden"), "x");
        Files.createDirectories(empty.resolve("nothing-yet"));
        AtlasFolder.check(CONF, empty.toString(), model);
        Path atlas = Files.createDirectories(dir.resolve("atlas/checkpoints"));
        AtlasFolder.check(CONF, atlas.getParent().toString(), model);
        Path fresh = dir.resolve("new/atlas");
        AtlasFolder.check(CONF, fresh.toString(), model);
        assertTrue(Files.isDirectory(fresh), "a missing atlas folder is created");
    }

    @Test
    void aFolderThatCannotBeWrittenIsNamedNotItsLockFile() throws IOException {
        // Root writes whatever the permission bits say; FailureLinesTest covers root with a read-only tmpfs.
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "skipped as root: permission bits do not stop root (the read-only tmpfs test covers it)");
        Path locked = Files.createDirectories(dir.resolve("locked"));
        Files.createDirectories(locked.resolve("checkpoints"));
        locked.toFile().setWritable(false, false);
        try {
            assertTrue(refusal(locked.toString(), null).contains("this folder cannot be written (permission "
                    + "denied)"));
            assertTrue(refusal(locked.resolve("new").toString(), null).contains("cannot create the atlas folder"));
        } finally {
            locked.toFile().setWritable(true, false);
        }
    }

    @Test
    void aFileWhereTheFolderShouldBeIsNamedAsSuch() throws IOException {
        Path model = model();
        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        Result r = Cli.run("map", "--model", model.toString(), "--out", file.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--out " + file + " is a file; the atlas is a folder"), r.err());
        Result under = Cli.run("map", "--model", model.toString(), "--out", file.resolve("atlas").toString());
        assertTrue(under.err().contains(file + " is a file, so no folder can be made under it"), under.err());
        assertTrue(!under.err().contains("Parent path is not a directory"), under.err());
    }
}

package io.neuronatlas.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeMap;

/**
 * What an atlas folder holds, as a digest of every file's path, size and modification time: a session that opened
 * the atlas reopens it when the digest changes, since Spark lists a view's files once, when the view is registered,
 * and a one-off reads the folder as it is now (a map that added a checkpoint, a compare that wrote its tables). A
 * walk of the 8B-size atlas's 860 entries takes milliseconds.
 *
 * @param digest sha256 over the sorted (path, size, mtime) of every file and folder
 */
record AtlasStamp(String digest) {
    AtlasStamp {
        if (digest == null || digest.isEmpty()) {
            throw new IllegalArgumentException("an atlas stamp needs a digest");
        }
    }

    static AtlasStamp of(Path atlas) throws IOException {
        TreeMap<String, String> entries = new TreeMap<>();
        Files.walkFileTree(atlas, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                entries.put(atlas.relativize(dir) + "/", attributes.lastModifiedTime().toString());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                entries.put(atlas.relativize(file).toString(), attributes.size() + " "
                        + attributes.lastModifiedTime());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                // Removed while walked (a map replacing its files): changed all the same.
                entries.put(atlas.relativize(file).toString(), "unreadable");
                return FileVisitResult.CONTINUE;
            }
        });
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            entries.forEach((path, what) -> sha.update((path + "\t" + what + "\n").getBytes(StandardCharsets.UTF_8)));
            return new AtlasStamp(HexFormat.of().formatHex(sha.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}

package io.neuronatlas.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * Where the session serving one atlas listens ({@code serve}, and the one-offs that forward to it): a Unix domain
 * socket named for the atlas's canonical path, in a folder only this user can enter. The one rule server and client
 * share, so they always meet. JDK classes only: the client's JVM must not load Spark or Scala.
 *
 * @param dir    the user's socket folder: $XDG_RUNTIME_DIR/neuron-atlas, else ${java.io.tmpdir}/neuron-atlas-USER
 * @param atlas  the atlas's canonical path (symbolic links resolved), which names the socket
 * @param socket dir/first 16 hex digits of sha256(atlas).sock
 */
record SessionSocket(Path dir, Path atlas, Path socket) {
    /** Only the owner may enter the folder: the socket in it answers queries as this user. */
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    SessionSocket {
        if (!atlas.isAbsolute()) {
            throw new IllegalArgumentException("the atlas of a session socket must be a canonical path, found "
                    + atlas);
        }
        if (!socket.getParent().equals(dir)) {
            throw new IllegalArgumentException("the socket " + socket + " must lie in " + dir);
        }
    }

    /** The socket for an atlas folder in a socket folder; the atlas must exist (its canonical path names it). */
    static SessionSocket of(Path dir, String atlasDir) throws IOException {
        Path atlas;
        try {
            atlas = Path.of(atlasDir).toRealPath();
        } catch (java.nio.file.NoSuchFileException e) {
            // The JDK's message is the bare path.
            throw new java.nio.file.NoSuchFileException(atlasDir, null, "no such folder: not an atlas; write one "
                    + "with 'neuron-atlas map --out " + atlasDir + "'");
        }
        return new SessionSocket(dir, atlas, dir.resolve(name(atlas)));
    }

    /** The user's socket folder: $XDG_RUNTIME_DIR/neuron-atlas (a per-user tmpfs), else one in the temporary folder. */
    static Path defaultDir() {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isBlank()) {
            return Path.of(runtime, "neuron-atlas");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "neuron-atlas-" + System.getProperty("user.name"));
    }

    /** The socket's file name: a hash keeps it short (a Unix socket path has at most 107 bytes) and fixed in length. */
    static String name(Path canonicalAtlas) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonicalAtlas.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 16) + ".sock";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /**
     * Creates the socket folder with permissions 0700 if it is missing, and refuses one that another user owns, that
     * is not a plain folder, or that others may read or enter: its sockets would answer, or listen, as someone else.
     */
    void createDir() throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // Another server made it at the same moment: checked below like any existing folder.
            }
        }
        String unsafe = unsafe(dir);
        if (unsafe != null) {
            throw new IllegalStateException("the session folder " + dir + " " + unsafe);
        }
    }

    /** Whether the socket folder exists and is this user's alone, as the client requires before it connects. */
    boolean dirIsPrivate() {
        try {
            return unsafe(dir) == null;
        } catch (IOException e) {
            return false;
        }
    }

    /** Why a socket folder is not safe to use, or null when it is this user's folder with permissions 0700. */
    static String unsafe(Path dir) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        String user = System.getProperty("user.name");
        if (!attributes.isDirectory()) {
            return "is not a folder (a link or a file): remove it";
        }
        if (!attributes.owner().getName().equals(user)) {
            return "belongs to " + attributes.owner().getName() + ", not to " + user + ": remove it or set "
                    + "XDG_RUNTIME_DIR to a folder of yours";
        }
        if (!attributes.permissions().equals(OWNER_ONLY)) {
            return "has permissions " + PosixFilePermissions.toString(attributes.permissions()) + ": others may "
                    + "use its sockets; chmod 700 it";
        }
        return null;
    }
}

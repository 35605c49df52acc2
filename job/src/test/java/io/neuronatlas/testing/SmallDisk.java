package io.neuronatlas.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs mounted for one test, to fill up or make read-only: real ENOSPC and EROFS from the kernel rather than
 * simulated ones. Needs root and mount(8); where either is missing the test is skipped, saying so.
 */
public final class SmallDisk implements AutoCloseable {
    private final Path mountPoint;

    private SmallDisk(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** Mounts a tmpfs of kib KiB at dir (created), or skips the test when this machine cannot. */
    public static SmallDisk mount(Path dir, long kib) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        boolean root = "root".equals(System.getProperty("user.name"));
        Assumptions.assumeTrue(root, "skipped: mounting a small tmpfs (for a real full or read-only disk) needs root");
        int code = run("mount", "-t", "tmpfs", "-o", "size=" + kib + "k,mode=0755", "tmpfs", dir.toString());
        Assumptions.assumeTrue(code == 0, "skipped: mount -t tmpfs failed here (exit " + code + "), so no small disk");
        return new SmallDisk(dir);
    }

    public Path path() {
        return mountPoint;
    }

    /** Bytes in use on the disk. */
    public long used() throws IOException {
        return Files.getFileStore(mountPoint).getTotalSpace() - Files.getFileStore(mountPoint).getUsableSpace();
    }

    /** Shrinks (or grows) the disk to kib KiB; what it holds stays. */
    public void resize(long kib) throws IOException, InterruptedException {
        require(run("mount", "-o", "remount,size=" + kib + "k", mountPoint.toString()), "resize");
    }

    /** Makes the disk read-only, as a full or failing disk that the kernel remounted would be. */
    public void readOnly() throws IOException, InterruptedException {
        require(run("mount", "-o", "remount,ro", mountPoint.toString()), "remount read-only");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        // A stream that a failed run dropped without closing keeps the disk busy until the collector's cleaner
        // closes it (seen once in a whole-suite run after a full-disk map): collect and try again before failing.
        int code = run("umount", mountPoint.toString());
        for (int attempt = 0; code != 0 && attempt < 10; attempt++) {
            System.gc();
            Thread.sleep(300);
            code = run("umount", mountPoint.toString());
        }
        require(code, "umount");
    }

    private static void require(int code, String what) {
        if (code != 0) {
            throw new IllegalStateException(what + " of the test's tmpfs failed with exit code " + code);
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }
}

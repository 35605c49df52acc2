package io.neuronatlas.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Test inputs that live outside the repository, in a {@code shared/} folder beside the project root
 * ({@code ../shared} from it), because their licences forbid committing them.
 *
 * <p>Developers without that folder get skipped tests; CI (env {@code CI=true}) always has it, so
 * there a missing file fails the test instead of silently shrinking coverage. The system property
 * {@value #PROPERTY} points at another shared folder and, when set, is the only place looked at.
 */
public final class SharedFiles {
    public static final String PROPERTY = "neuronatlas.shared";

    private static final String LLAMA3_TOKENIZER = "tokenizers/llama3/tokenizer.json";
    private static final String GPT_NEOX_RESOURCE = "/tokenizers/gpt-neox/tokenizer.json";

    private static Path gptNeoxCopy;

    private SharedFiles() {
    }

    /** Meta's Llama-3 tokenizer.json (128,256 ids); skips or fails the calling test when absent. */
    public static Path llama3Tokenizer() {
        return require(LLAMA3_TOKENIZER, "Llama-3 tokenizer", "Llama-3", "it is not redistributable");
    }

    /** Any file under the shared folder, with the same skip-or-fail rule as {@link #llama3Tokenizer()}. */
    public static Path sharedFile(String relativePath, String description) {
        return require(relativePath, description, description, "it is kept out of the repository");
    }

    /**
     * The GPT-NeoX tokenizer.json from test resources (Apache-2.0, committed). A real file path is
     * returned even when resources sit inside a jar, since loaders take a Path.
     */
    public static synchronized Path gptNeoxTokenizer() {
        URL url = SharedFiles.class.getResource(GPT_NEOX_RESOURCE);
        if (url == null) {
            throw new IllegalStateException("test resource " + GPT_NEOX_RESOURCE + " is missing from the class path");
        }
        try {
            if ("file".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            if (gptNeoxCopy == null) {
                Path copy = Files.createTempFile("gpt-neox-tokenizer-", ".json");
                copy.toFile().deleteOnExit();
                try (InputStream in = url.openStream()) {
                    Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                }
                gptNeoxCopy = copy;
            }
            return gptNeoxCopy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Where a shared file is: under the folder named by {@code sharedProperty} when that is set, else under
     * {@code ../shared} beside the project root, and nowhere else (an unrelated {@code shared/} further up, say
     * /tmp/shared, is not ours).
     */
    public static Optional<Path> findShared(Path start, String relativePath, String sharedProperty) {
        Path candidate = expectedLocation(start, relativePath, sharedProperty);
        return Files.isRegularFile(candidate) ? Optional.of(candidate) : Optional.empty();
    }

    /** Where the file is expected: the property's folder, else ../shared beside the project root. */
    public static Path expectedLocation(Path start, String relativePath, String sharedProperty) {
        if (sharedProperty != null && !sharedProperty.isBlank()) {
            return Path.of(sharedProperty).resolve(relativePath);
        }
        Path root = null;
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pom.xml"))) {
                root = dir; // keep going: the outermost pom.xml is the project root
            }
        }
        Path base = root != null && root.getParent() != null ? root.getParent() : start.toAbsolutePath().normalize();
        return base.resolve("shared").resolve(relativePath);
    }

    private static Path require(String relativePath, String description, String testGroup, String whyNotInRepo) {
        Path start = Path.of("").toAbsolutePath();
        String property = System.getProperty(PROPERTY);
        Optional<Path> found = findShared(start, relativePath, property);
        if (found.isPresent()) {
            return found.get();
        }
        Path expected = expectedLocation(start, relativePath, property);
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            return Assertions.fail(description + " not found at " + expected
                    + "; CI=true and CI always provides ../shared (or -D" + PROPERTY + "), so this is a setup error");
        }
        return Assumptions.abort(testGroup + " tests skipped: " + description + " not found at " + expected + "; "
                + whyNotInRepo + ", so these tests run only where ../shared exists (always in CI)");
    }
}

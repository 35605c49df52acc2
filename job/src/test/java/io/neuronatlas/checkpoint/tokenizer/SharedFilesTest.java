package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.neuronatlas.testing.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the test helper finds the non-redistributable files in ../shared. */
class SharedFilesTest {
    private static final String RELATIVE = "tokenizers/llama3/tokenizer.json";

    @TempDir
    Path dir;

    @Test
    void walksUpFromTheModuleToSharedBesideTheProject() throws IOException {
        Path module = Files.createDirectories(dir.resolve("project/job"));
        Files.writeString(dir.resolve("project/pom.xml"), "<project/>");
        Files.writeString(module.resolve("pom.xml"), "<project/>");
        Path expected = dir.resolve("shared").resolve(RELATIVE);

        assertEquals(Optional.empty(), SharedFiles.findShared(module, RELATIVE, null));
        assertEquals(expected, SharedFiles.expectedLocation(module, RELATIVE, null));

        Files.createDirectories(expected.getParent());
        Files.writeString(expected, "{}");
        assertEquals(Optional.of(expected), SharedFiles.findShared(module, RELATIVE, null));
    }

    @Test
    void propertyIsTheOnlyPlaceLookedAtWhenSet() throws IOException {
        Path walkedTo = dir.resolve("shared").resolve(RELATIVE);
        Files.createDirectories(walkedTo.getParent());
        Files.writeString(walkedTo, "{}");
        Path elsewhere = dir.resolve("elsewhere");

        assertEquals(Optional.empty(), SharedFiles.findShared(dir, RELATIVE, elsewhere.toString()));
        assertEquals(elsewhere.resolve(RELATIVE), SharedFiles.expectedLocation(dir, RELATIVE, elsewhere.toString()));

        Path viaProperty = elsewhere.resolve(RELATIVE);
        Files.createDirectories(viaProperty.getParent());
        Files.writeString(viaProperty, "{}");
        assertEquals(Optional.of(viaProperty), SharedFiles.findShared(dir, RELATIVE, elsewhere.toString()));
    }

    @Test
    void gptNeoxResourceIsAReadableFile() {
        Path file = SharedFiles.gptNeoxTokenizer();
        assertEquals(true, Files.isRegularFile(file));
    }
}

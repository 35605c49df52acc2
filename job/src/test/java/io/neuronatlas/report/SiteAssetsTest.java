package io.neuronatlas.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The page's files: all copied into a site, nothing from elsewhere, no markup built from strings. */
class SiteAssetsTest {
    static final Path SITE = Path.of("src/main/resources/io/neuronatlas/report/site");

    @Test
    void everyFileOfThePageIsCopied() throws IOException {
        try (Stream<Path> files = Files.walk(SITE)) {
            List<String> present = files.filter(Files::isRegularFile).map(f -> SITE.relativize(f).toString())
                    .sorted().toList();
            assertEquals(SiteAssets.FILES.stream().sorted().toList(), present);
        }
    }

    @Test
    void nothingIsFetchedFromElsewhere() throws IOException {
        Pattern remote = Pattern.compile("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}");
        for (String file : SiteAssets.FILES) {
            String text = Files.readString(SITE.resolve(file), StandardCharsets.UTF_8);
            Matcher m = remote.matcher(text);
            while (m.find()) {
                // The SVG namespace is a name, never fetched.
                assertEquals("http://www.w3.org", m.group(), file + " refers to " + m.group());
            }
            assertFalse(text.contains("@import") || text.contains("url("), file);
        }
    }

    @Test
    void thePageNeverParsesStringsAsMarkup() throws IOException {
        for (String file : List.of("assets/app.js", "assets/core.js")) {
            String text = Files.readString(SITE.resolve(file), StandardCharsets.UTF_8);
            for (String sink : List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                    "new Function", "setAttribute('style'", "setAttribute('on", "DOMParser", "createContextualFragment",
                    "srcdoc")) {
                assertFalse(text.contains(sink), file + " uses " + sink);
            }
        }
    }
}

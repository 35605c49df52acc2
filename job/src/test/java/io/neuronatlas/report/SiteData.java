package io.neuronatlas.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads a written site's data files back: the JSON each script hands to the page. */
final class SiteData {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SiteData() {
    }

    /** The value data/KEY.js hands over, checking the file calls NeuronAtlas.put with its own key. */
    static JsonNode read(Path site, String key) {
        try {
            String text = Files.readString(site.resolve(ScriptShard.file(key)), StandardCharsets.UTF_8);
            String prefix = "NeuronAtlas.put(\"" + key + "\",";
            assertTrue(text.startsWith(prefix) && text.endsWith(");\n"), () -> key + ": " + text.substring(0,
                    Math.min(120, text.length())));
            return JSON.readTree(text.substring(prefix.length(), text.length() - 3));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The keys of the data files under data/KIND/, sorted. */
    static List<String> keys(Path site, String kind) {
        Path data = site.resolve("data");
        List<String> keys = new ArrayList<>();
        try (Stream<Path> files = Files.walk(data.resolve(kind))) {
            files.filter(Files::isRegularFile).forEach(f -> {
                String relative = data.relativize(f).toString().replace('\\', '/');
                keys.add(relative.substring(0, relative.length() - ".js".length()));
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keys.sort(null);
        return keys;
    }

    /** Every file of the site, relative and sorted (hidden files included). */
    static List<String> files(Path site) {
        List<String> files = new ArrayList<>();
        try (Stream<Path> all = Files.walk(site)) {
            all.filter(Files::isRegularFile).forEach(f -> files.add(site.relativize(f).toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.sort(null);
        return files;
    }
}

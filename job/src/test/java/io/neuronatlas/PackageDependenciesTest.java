package io.neuronatlas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documented direction of the packages of job/, checked against the sources: a main class may refer to (import,
 * or name fully qualified) classes of its own package or of a lower layer only. ARCHITECTURE.md draws this graph;
 * when this test fails, either the new reference is an upward arrow to remove, or the layers below (and
 * ARCHITECTURE.md) must change together.
 */
class PackageDependenciesTest {
    /**
     * Top-level packages under io.neuronatlas from the bottom up; "" is io.neuronatlas itself (the NeuronAtlas
     * facade), udfs is the udfs module. Packages of one layer do not refer to each other.
     */
    static final List<Set<String>> LAYERS = List.of(
            Set.of("udfs"),              // Spark SQL functions (their own module)
            Set.of("checkpoint"),        // model folders: config, safetensors, tokenizer, fingerprint, head rows
            Set.of("corpus", "compute"), // the examples' corpus files; executor-side work and the data it receives
            Set.of("atlas"),             // the atlas's format: tables, catalog, publishing
            Set.of("plan", "query"),     // the map's driver-side plan; reading a published atlas
            Set.of("jobs", "report"),    // the Spark jobs gluing them; the static site
            Set.of(""),                  // NeuronAtlas: the public entry points of the jobs
            Set.of("cli"));              // the command line

    private static final Path MAIN = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+([\\w.]+);");
    /** A reference to a class of ours: an import, a static import or a fully-qualified name in the code. */
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.neuronatlas\\.((?:[a-z]\\w*\\.)*)[A-Z]\\w*");
    private static final Pattern COMMENT = Pattern.compile("//[^\\n]*|/\\*.*?\\*/", Pattern.DOTALL);

    @Test
    void mainClassesReferOnlyToLowerLayers() throws IOException {
        List<String> violations = new ArrayList<>();
        Map<String, Set<String>> graph = new TreeMap<>();
        for (Path source : sources()) {
            String text = Files.readString(source);
            String from = topPackage(packageOf(source, text));
            for (String to : references(text)) {
                if (!to.equals(from)) {
                    graph.computeIfAbsent(from.isEmpty() ? "(io.neuronatlas)" : from, k -> new TreeSet<>()).add(to);
                }
                String problem = violation(from, to);
                if (problem != null) {
                    violations.add(MAIN.relativize(source) + " refers to io.neuronatlas." + to + ": " + problem);
                }
            }
        }
        graph.forEach((from, to) -> System.out.println("package graph: " + from + " -> " + String.join(" ", to)));
        assertTrue(violations.isEmpty(), "references against the packages' direction (PackageDependenciesTest"
                + ".LAYERS, ARCHITECTURE.md):\n" + String.join("\n", violations));
    }

    @Test
    void anUpwardReferenceIsReportedWithItsClassAndPackage() {
        String compute = "package io.neuronatlas.compute;\n// io.neuronatlas.cli.Main in a comment is no reference\n"
                + "import io.neuronatlas.checkpoint.Checkpoint;\nimport io.neuronatlas.jobs.MapJob;\n"
                + "class X { Object o = io.neuronatlas.plan.MapPlan.class; }";
        List<String> found = references(compute).stream().filter(to -> violation("compute", to) != null).toList();
        assertEquals(List.of("jobs", "plan"), found);
        assertEquals("compute (layer 2) may not refer to jobs (layer 5)", violation("compute", "jobs"));
        assertEquals("compute and corpus are one layer and do not refer to each other",
                violation("corpus", "compute"));
        assertEquals(null, violation("cli", "checkpoint"));
    }

    /** Why {@code from} may not refer to {@code to}; null when it may. */
    static String violation(String from, String to) {
        int a = layer(from);
        int b = layer(to);
        if (from.equals(to) || b < a) {
            return null;
        }
        if (a == b) {
            return String.join(" and ", new TreeSet<>(Set.of(from, to)))
                    + " are one layer and do not refer to each other";
        }
        return name(from) + " (layer " + a + ") may not refer to " + name(to) + " (layer " + b + ")";
    }

    private static String name(String pkg) {
        return pkg.isEmpty() ? "io.neuronatlas" : pkg;
    }

    private static int layer(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        throw new AssertionError("package io.neuronatlas." + pkg + " is in no layer of PackageDependenciesTest"
                + ".LAYERS: add it where it belongs (and to ARCHITECTURE.md)");
    }

    /** The top-level packages a source refers to, outside comments, sorted. */
    static Set<String> references(String source) {
        Set<String> found = new TreeSet<>();
        Matcher m = REFERENCE.matcher(COMMENT.matcher(source).replaceAll(" "));
        while (m.find()) {
            found.add(topPackage("io.neuronatlas." + m.group(1)));
        }
        return found;
    }

    /** "io.neuronatlas.compute.forward" -> "compute"; "io.neuronatlas" -> "". */
    private static String topPackage(String pkg) {
        String[] parts = pkg.split("\\.");
        return parts.length > 2 ? parts[2] : "";
    }

    private static String packageOf(Path source, String text) {
        Matcher m = PACKAGE.matcher(text);
        if (!m.find()) {
            throw new AssertionError(source + " has no package line");
        }
        return m.group(1);
    }

    private static List<Path> sources() {
        try (Stream<Path> files = Files.walk(MAIN.resolve("io/neuronatlas"))) {
            List<Path> found = files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
            assertTrue(found.size() > 100, "too few sources under " + MAIN.toAbsolutePath() + ": " + found.size());
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

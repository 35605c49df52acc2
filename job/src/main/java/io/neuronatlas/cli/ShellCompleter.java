package io.neuronatlas.cli;

import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.query.Atlas;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * Tab completion in the shell: the first word completes to a command or a SQL keyword that starts a query; later
 * words to the atlas's views, their columns, its checkpoint names, the canned commands' options and the matrices.
 * Names are read from the atlas once, at the first completion.
 */
final class ShellCompleter implements Completer {
    private static final List<String> QUERY_STARTS = List.of("SELECT", "WITH", "VALUES", "TABLE", "FROM");
    private static final List<String> OPTIONS = List.of("--limit", "--format", "--tokens", "--matrix", "--layer",
            "--examples", "--threshold", "--bins", "--help");
    private static final List<String> MATRICES = List.of("gate", "up", "down");

    private final Atlas atlas;
    private Set<String> names;

    ShellCompleter(Atlas atlas) {
        this.atlas = atlas;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        for (String word : candidates(line.words().subList(0, line.wordIndex()), line.word())) {
            candidates.add(new Candidate(word));
        }
    }

    /** What may follow the words before the cursor, starting with prefix (JLine narrows them further). */
    List<String> candidates(List<String> before, String prefix) {
        List<String> all = new ArrayList<>();
        if (before.isEmpty()) {
            all.addAll(new TreeSet<>(Shell.COMMANDS));
            all.add("\\timing");
            all.addAll(QUERY_STARTS);
        } else if (before.get(before.size() - 1).equals("--matrix")) {
            all.addAll(MATRICES);
        } else {
            if (Shell.COMMANDS.contains(before.get(0))) {
                all.addAll(OPTIONS);
            }
            all.addAll(names());
        }
        return all.stream().filter(w -> w.regionMatches(true, 0, prefix, 0, prefix.length())).toList();
    }

    /** The views, their columns and the checkpoints, sorted and each once. */
    private synchronized Set<String> names() {
        if (names == null) {
            Set<String> found = new TreeSet<>();
            List<String> views = new ArrayList<>(atlas.views());
            views.add("checkpoints");
            for (String view : views) {
                found.add(view);
                found.addAll(List.of(atlas.table(view).columns()));
            }
            for (CheckpointEntry entry : atlas.checkpoints()) {
                found.add(entry.checkpoint());
            }
            names = found;
        }
        return names;
    }
}

package io.neuronatlas.report;

import java.util.regex.Pattern;

/**
 * A data file of the site: a script that hands one JSON value to the page, {@code NeuronAtlas.put("key", {...});}.
 * Pages opened from file:// may not fetch() local files, but they may run local scripts, so data travels as
 * scripts; the same files work behind any static server.
 */
public final class ScriptShard {
    /** The function every data file calls; defined by the site's app.js. */
    public static final String CALLBACK = "NeuronAtlas.put";
    private static final Pattern KEY = Pattern.compile("[a-z]+(/[A-Za-z0-9_-]+)*");

    private ScriptShard() {
    }

    /** The file's path below the site folder: data/KEY.js. */
    public static String file(String key) {
        return "data/" + checkKey(key) + ".js";
    }

    /**
     * The script text handing json to the page. json must be a JSON value (as Jackson or Spark's to_json write
     * it); U+2028 and U+2029, legal in JSON strings but line breaks in JavaScript before ES2019, are escaped so
     * that older engines parse the file too. Markup in strings needs no escaping: the file is a script of its
     * own, never inlined in HTML.
     */
    public static String wrap(String key, String json) {
        String safe = json.indexOf('\u2028') < 0 && json.indexOf('\u2029') < 0 ? json
                : json.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
        return CALLBACK + "(\"" + checkKey(key) + "\"," + safe + ");\n";
    }

    /** Keys are paths of plain ASCII segments, so they need no quoting in a script, a URL or a file name. */
    static String checkKey(String key) {
        if (!KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("not a data key (lower-case kind, then /-separated [A-Za-z0-9_-] "
                    + "segments): \"" + key + "\"");
        }
        return key;
    }
}

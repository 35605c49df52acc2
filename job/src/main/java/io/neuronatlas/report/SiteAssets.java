package io.neuronatlas.report;

import java.util.List;

/** The page's files, copied from the jar (io/neuronatlas/report/site/) into every site as they are. */
final class SiteAssets {
    static final List<String> FILES = List.of("index.html", "assets/core.js", "assets/app.js", "assets/style.css");

    private SiteAssets() {
    }
}

/**
 * The static neuron viewer ({@code neuron-atlas report}): a site generated from an atlas by a Spark job, opened
 * from disk (file://) or from any static web server, with no server code and nothing fetched from elsewhere.
 *
 * <h2>Layout of a site</h2>
 * <pre>
 * index.html, assets/{core.js, app.js, style.css}   the page (one page; the URL hash picks the view)
 * data/atlas.js                                     the checkpoints and the site's settings (every view loads it)
 * data/alignment/c{C}.js                            the home page's plots of checkpoint number C
 * data/neurons/c{C}/L{layer}/{first}.js             neuron_indices first .. first+N-1 of a layer, every matrix
 * data/neurons/c{C}/L{layer}/E{expert}/{first}.js   the same for one expert of a mixture-of-experts layer
 *                                                   (E5: routed expert "5"; Eshared: the shared expert)
 * data/search/{bucket}.js                           the words whose FNV-1a(token_norm) % shards is bucket
 * </pre>
 * A data file is a script, {@code NeuronAtlas.put("KEY", JSON);}: browsers refuse fetch() of local files but run
 * local scripts. Views: {@code #/} home, {@code #/search/QUERY}, {@code #/CHECKPOINT/MATRIX/LAYER/NEURON}, and in
 * a mixture-of-experts layer {@code #/CHECKPOINT/MATRIX/LAYER/eEXPERT/NEURON} (routed expert EXPERT) or
 * {@code #/CHECKPOINT/MATRIX/LAYER/shared/NEURON} (the shared expert); segments are URI-encoded. No JSON
 * object in the data has keys taken from the data (words, token strings, metric names are values in lists), so
 * no string can be mistaken for anything but data; the page puts every string in the document as text.
 *
 * <h2>A neuron's record</h2>
 * A neuron shard is {@code {"checkpoint", "layer", "first", "neurons": [record, ...]}}, records in gate, up, down
 * order, then by neuron. Every record has
 * <pre>
 * {"matrix": "up", "neuron": 1442,
 *  "stats": {"norm", "max_score", "min_score", "mean_score", "std_score", "max_abs_score", "logsumexp", "entropy"},
 *  "positive": {"token_id": [...], "token": [...], "score": [...], "prob": [...], "normalized_prob": [...]},
 *  "negative": {...the same for the '-' polarity}}                 arrays in rank order, top-k long
 * </pre>
 * and, when the atlas has the table behind it, a field per section ({@link io.neuronatlas.report.NeuronSection}).
 * A field that is absent is not shown. Numbers are JSON numbers (float32 values written in their shortest form).
 * <pre>
 * "profile":    [{"token_id", "token", "score", "prob", "normalized_prob",
 *                 "layer_rank", "layer_neurons"}]                   token_profiles (map --watch)
 * "elsewhere":  [{"checkpoint", "top_token_id", "top_token", "top_normalized_prob",
 *                 "bottom_token_id", "bottom_token", "bottom_normalized_prob"}]
 *                                                                   the same neuron in same-shape checkpoints
 * </pre>
 * The sections of the tables written beside the map ({@link io.neuronatlas.report.NeuronSections}: examples,
 * validate, clamp). They are of the activation act(gate)·up at (layer, index), the input of down_proj, which the
 * tables key by checkpoint, layer, expert and neuron, not by matrix: the site puts them on one record of the index
 * (of its expert, in a mixture), the first matrix the map has in gate, up, down order, and the page shows them on the
 * gate, up and down pages of that index. A neuron in two published runs (overlapping subjects) shows the later run's
 * rows.
 * <pre>
 * "examples":    {"max": [example, ...], "min": [example, ...]}    view neuron_examples (kinds max, min)
 *                the first 5 of each sign by rank; example = {"tokens": [" the", "?", ...], "values": [0.1, 5.2, ...],
 *                "at": 8, "source": "docs.jsonl doc 120 (id a-17), token 7"}: the stored window cut to 8 tokens
 *                before the extreme token (tokens[at]) and 3 after, one activation per token rounded to 4 decimals (null
 *                for a token not routed to an expert neuron's expert: it has no activation, and is not shaded); each
 *                token is shaded by value / the largest |value| shown (orange positive, blue negative), the value
 *                on hover; source: the corpus file's name, the document's place in it (a JSON line's byte offset, a
 *                Parquet row), its id in the corpus when it has one (document_id), the token's place in the document
 * "quantiles":   [{"label": "q90-99", "lo": 1.2, "hi": 3.4, "examples": [example, ...]}]
 *                the first sample of each band (kinds q50-90, q90-99, q99-99.9; the table has up to 3), lo and hi the band's
 *                quantiles from neuron_activations (p50, p90, p99, p999)   views neuron_examples, neuron_activations
 * "activations": {"edges": [e0, ..., e50], "counts": [c1, ..., c50], "density": 0.12,
 *                 "stats": [{"name": "mean", "value": 0.3}, ...]}
 *                the 50-bin histogram over [min, max]; density: the share of positions above a tenth of the largest
 *                |activation|; stats: positions, mean, std, min, max, p50, p90, p99, p99.9 and the agreements with
 *                the map (those not null)                        view neuron_activations
 * "clamp":       {"x_label": "clamp value", "y_label": "target probability",
 *                 "curves": [{"label": " dog", "prompt": "...", "scope": "all", "x": [...], "y": [...]}]}
 *                one curve per target, prompt and scope (the first 8), the target's probability against the value
 *                                                                  view clamp_sweeps
 * "validation":  [{"target": " dog", "scope": "all", "verdict": "confirmed", "detail": "...",
 *                  "metrics": [{"name": "log_odds_swing", "value": 9.1}, {"name": "delta_log_odds", ...}, ...]}]
 *                one per validated target; swing: the target's log-odds at the highest clamp value minus at the
 *                lowest (prob_at_max_value, prob_at_min_value); verdict: "confirmed" (a monotonic curve and |swing|
 *                at least ln 10: the sweep moves the target's odds 10-fold), "weak" (|swing| at least ln 2 without
 *                both), "no effect"                                view neuron_validation
 * </pre>
 * ({@code ?}: optional.) In a mixture-of-experts layer a record has {@code "expert": "5"} (or {@code "shared"}) after
 * "matrix", as has its shard after "layer"; a shard holds one expert, and the sections are the expert's own. A dense
 * record and shard have no "expert" key (the column is null), so a dense atlas's files are as they were before
 * experts. atlas.js gives each mixture checkpoint {@code "blocks"}: its mapped layers' experts and their neurons
 * ({@link io.neuronatlas.report.ExpertBlocks}), which the page walks for previous / next / random.
 *
 * <h2>A search shard</h2>
 * <pre>
 * {"words": [{"norm": "dog",
 *             "variants": [{"c": 0, "token_id": 96, "token": " dog", "kind": "piece"?}, ...],
 *             "neurons": {"c": [...], "matrix": [...], "layer": [...], "expert": [...]?, "neuron": [...],
 *                         "polarity": [...], "rank": [...], "token_id": [...], "score": [...], "prob": [...],
 *                         "normalized_prob": [...]}?}]}
 * </pre>
 * "expert" (null for a dense neuron) is there only when one of the word's rows is an expert's. "kind" is the tokens
 * table's (piece, byte, added, unused; absent for an atlas mapped before it): the page lists a piece before a
 * byte-fallback piece or added token of the same text and labels those.
 * {@code c} is a checkpoint's number in atlas.js; neurons are find-token's first rows for the word, in its order,
 * at most the site's search limit; a word of the vocabulary that no neuron has among its top tokens has no
 * neurons.
 */
package io.neuronatlas.report;

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
 * The later tables' sections, which the page already renders (view names in {@link
 * io.neuronatlas.report.NeuronSections}); a table's issue adds a query returning these shapes:
 * <pre>
 * "examples":    [{"tokens": ["The", " dog", ...], "values": [0.1, 5.2, ...], "source": "doc 12"?}]
 *                max-activating examples, most activating first; one value per token (the activation at that
 *                token); each token is shaded by value / the largest |value| shown (orange positive, blue
 *                negative) with the value on hover              view neuron_examples
 * "quantiles":   [{"label": "0.99-0.999", "lo": 1.2, "hi": 3.4, "examples": [example, ...]}]
 *                samples from bands of the activation distribution, examples as above   view neuron_examples
 * "activations": {"edges": [e0, ..., en], "counts": [c1, ..., cn], "nonzero": 0.12?}
 *                a histogram of the neuron's activations: n bins, n + 1 edges; nonzero: the fraction of
 *                tokens where it is not zero                     view neuron_activations
 * "clamp":       {"x_label": "clamp value", "y_label": "logit change",
 *                 "curves": [{"label": " dog", "x": [...], "y": [...]}]}
 *                one line per curve                              view clamp_sweeps
 * "validation":  {"verdict": "confirmed", "detail": "..."?, "metrics": [{"name": "kl", "value": 0.02}]?}
 *                                                                  view neuron_validation
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
 *             "variants": [{"c": 0, "token_id": 96, "token": " dog"}, ...],
 *             "neurons": {"c": [...], "matrix": [...], "layer": [...], "expert": [...]?, "neuron": [...],
 *                         "polarity": [...], "rank": [...], "token_id": [...], "score": [...], "prob": [...],
 *                         "normalized_prob": [...]}?}]}
 * </pre>
 * "expert" (null for a dense neuron) is there only when one of the word's rows is an expert's.
 * {@code c} is a checkpoint's number in atlas.js; neurons are find-token's first rows for the word, in its order,
 * at most the site's search limit; a word of the vocabulary that no neuron has among its top tokens has no
 * neurons.
 */
package io.neuronatlas.report;

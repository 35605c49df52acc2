-- Vocabulary alignment per matrix and layer: the distribution of max_abs_score (max |v . U_t| over the
-- vocabulary) and the share of neurons above :threshold. Exact nearest-rank quantiles: p's is the value at 1-based
-- position ceil(p * n) of the layer's n values in ascending order (0.25 etc. are decimals: no rounding in p * n).
-- Read from layer_scores, which holds each layer's values already sorted, one small file a map run, rather than
-- from neurons: a scan of neurons opens a file per layer (96 for an 8B model; a bare count of it takes 0.6 s warm).
-- For an atlas mapped before layer_scores existed, Atlas computes the same rows from neurons.
SELECT checkpoint, matrix, layer, CAST(neurons AS BIGINT) AS neurons,
       element_at(max_abs_scores, 1) AS min,
       element_at(max_abs_scores, greatest(1, CAST(ceil(0.25 * neurons) AS INT))) AS p25,
       element_at(max_abs_scores, greatest(1, CAST(ceil(0.5 * neurons) AS INT))) AS median,
       element_at(max_abs_scores, greatest(1, CAST(ceil(0.75 * neurons) AS INT))) AS p75,
       element_at(max_abs_scores, greatest(1, CAST(ceil(0.9 * neurons) AS INT))) AS p90,
       element_at(max_abs_scores, greatest(1, CAST(ceil(0.99 * neurons) AS INT))) AS p99,
       element_at(max_abs_scores, -1) AS max,
       CAST(size(filter(max_abs_scores, x -> x > :threshold)) AS DOUBLE) / neurons AS share_above
FROM layer_scores
ORDER BY checkpoint, matrix, layer

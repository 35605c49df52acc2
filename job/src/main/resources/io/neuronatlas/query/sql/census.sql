-- Gurnee et al.'s census per checkpoint and layer: of the down_proj neurons (what a neuron writes), how many are
-- prediction neurons (kurtosis of their cosines with the unembedding rows above the map's --census-kurtosis,
-- positive skew) and suppression neurons (negative skew), their shares, and the quantiles of that kurtosis
-- (Pearson: a Gaussian's is 3). :checkpoint names one checkpoint, or '' for every one.
-- Columns: checkpoint, layer, neurons, prediction, suppression, prediction_share, suppression_share,
-- kurtosis_p50, kurtosis_p90, kurtosis_p99, kurtosis_max.
SELECT checkpoint, layer,
       count(*) AS neurons,
       CAST(sum(CASE WHEN census_class = 'prediction' THEN 1 ELSE 0 END) AS BIGINT) AS prediction,
       CAST(sum(CASE WHEN census_class = 'suppression' THEN 1 ELSE 0 END) AS BIGINT) AS suppression,
       avg(CASE WHEN census_class = 'prediction' THEN 1.0 ELSE 0.0 END) AS prediction_share,
       avg(CASE WHEN census_class = 'suppression' THEN 1.0 ELSE 0.0 END) AS suppression_share,
       percentile_approx(vocab_cos_kurtosis, 0.5, 10000) AS kurtosis_p50,
       percentile_approx(vocab_cos_kurtosis, 0.9, 10000) AS kurtosis_p90,
       percentile_approx(vocab_cos_kurtosis, 0.99, 10000) AS kurtosis_p99,
       max(vocab_cos_kurtosis) AS kurtosis_max
FROM neurons
WHERE matrix = 'down' AND (:checkpoint = '' OR checkpoint = :checkpoint)
GROUP BY checkpoint, layer
ORDER BY checkpoint, layer

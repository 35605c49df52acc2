-- Vocabulary alignment per matrix and layer: the distribution of max_abs_score (max |v . U_t| over the
-- vocabulary) and the share of neurons above :threshold.
SELECT checkpoint, matrix, layer,
       count(*) AS neurons,
       min(max_abs_score) AS min,
       percentile_approx(max_abs_score, 0.25, 10000) AS p25,
       percentile_approx(max_abs_score, 0.5, 10000) AS median,
       percentile_approx(max_abs_score, 0.75, 10000) AS p75,
       percentile_approx(max_abs_score, 0.9, 10000) AS p90,
       percentile_approx(max_abs_score, 0.99, 10000) AS p99,
       max(max_abs_score) AS max,
       avg(CASE WHEN max_abs_score > :threshold THEN 1.0 ELSE 0.0 END) AS share_above
FROM neurons
GROUP BY checkpoint, matrix, layer
ORDER BY checkpoint, matrix, layer

-- Vocabulary alignment per matrix and layer: the distribution of max_abs_score (max |v . U_t| over the
-- vocabulary) and the share of neurons above :threshold.
-- One sketch for the five quantiles: five percentile_approx calls would each build and merge their own (2.5 s warm
-- on the 8B-size atlas, against the 1 s a warm shell query has).
SELECT checkpoint, matrix, layer, neurons, min,
       quantiles[0] AS p25, quantiles[1] AS median, quantiles[2] AS p75, quantiles[3] AS p90, quantiles[4] AS p99,
       max, share_above
FROM (
    SELECT checkpoint, matrix, layer,
           count(*) AS neurons,
           min(max_abs_score) AS min,
           percentile_approx(max_abs_score, array(0.25, 0.5, 0.75, 0.9, 0.99), 10000) AS quantiles,
           max(max_abs_score) AS max,
           avg(CASE WHEN max_abs_score > :threshold THEN 1.0 ELSE 0.0 END) AS share_above
    FROM neurons
    GROUP BY checkpoint, matrix, layer
)
ORDER BY checkpoint, matrix, layer

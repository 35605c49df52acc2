-- Drift of checkpoint :checkpoint from :base per matrix and layer: neurons, the share keeping their '+' top token,
-- and the mean and 90th percentile of the Jensen–Shannon distance, the mean weight cosine and '+' top-k Jaccard.
-- Columns: matrix, layer, neurons, kept_share, mean_js_distance, p90_js_distance, mean_weight_cos, mean_jaccard_pos.
SELECT matrix, layer,
       COUNT(*) AS neurons,
       SUM(CASE WHEN top_token_kept THEN 1 ELSE 0 END) / COUNT(*) AS kept_share,
       AVG(js_distance) AS mean_js_distance,
       percentile_approx(js_distance, 0.9, 10000) AS p90_js_distance,
       AVG(weight_cos) AS mean_weight_cos,
       AVG(top_k_jaccard_pos) AS mean_jaccard_pos
FROM neuron_drift
WHERE base = :base AND checkpoint = :checkpoint
GROUP BY matrix, layer
ORDER BY matrix, layer

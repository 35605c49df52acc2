-- How far checkpoint :checkpoint moved from :base, per matrix and then over every neuron (matrix = 'all'): the share
-- of neurons that keep their '+' top token (the Flash Interpretability paper's "75.4% of up_proj neurons keep their
-- top token" is the up row's kept_share; it equals compare's agreement), and the means of the weights' cosine, the
-- Jensen–Shannon distance, both KL divergences and the top-k Jaccard indices.
-- Columns: matrix, neurons, kept_top_token, kept_share, mean_weight_cos, mean_js_distance, median_js_distance,
-- mean_kl_base_to_checkpoint, mean_kl_checkpoint_to_base, mean_jaccard_pos, mean_jaccard_neg.
SELECT matrix, neurons, kept_top_token, kept_share, mean_weight_cos, mean_js_distance, median_js_distance,
       mean_kl_base_to_checkpoint, mean_kl_checkpoint_to_base, mean_jaccard_pos, mean_jaccard_neg
FROM (
  SELECT COALESCE(matrix, 'all') AS matrix,
         COUNT(*) AS neurons,
         CAST(SUM(CASE WHEN top_token_kept THEN 1 ELSE 0 END) AS BIGINT) AS kept_top_token,
         SUM(CASE WHEN top_token_kept THEN 1 ELSE 0 END) / COUNT(*) AS kept_share,
         AVG(weight_cos) AS mean_weight_cos,
         AVG(js_distance) AS mean_js_distance,
         percentile_approx(js_distance, 0.5, 10000) AS median_js_distance,
         AVG(kl_base_to_checkpoint) AS mean_kl_base_to_checkpoint,
         AVG(kl_checkpoint_to_base) AS mean_kl_checkpoint_to_base,
         AVG(top_k_jaccard_pos) AS mean_jaccard_pos,
         AVG(top_k_jaccard_neg) AS mean_jaccard_neg,
         GROUPING(matrix) AS is_total
  FROM neuron_drift
  WHERE base = :base AND checkpoint = :checkpoint
  GROUP BY ROLLUP(matrix)
)
ORDER BY is_total, matrix

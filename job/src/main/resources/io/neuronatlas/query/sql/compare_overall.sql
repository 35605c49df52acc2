-- compare.sql summed over layers: one row per matrix, then matrix = 'all' over every neuron mapped in both :a
-- and :b. Columns: matrix, layers, neurons, same_top_token, agreement.
SELECT matrix, layers, neurons, same_top_token, agreement
FROM (
  SELECT COALESCE(a.matrix, 'all') AS matrix,
         COUNT(DISTINCT a.layer) AS layers,
         COUNT(*) AS neurons,
         CAST(SUM(CASE WHEN a.top_token_id = b.top_token_id THEN 1 ELSE 0 END) AS BIGINT) AS same_top_token,
         SUM(CASE WHEN a.top_token_id = b.top_token_id THEN 1 ELSE 0 END) / COUNT(*) AS agreement,
         GROUPING(a.matrix) AS is_total
  FROM neurons a
  JOIN neurons b
    ON a.matrix = b.matrix AND a.layer = b.layer AND a.expert <=> b.expert AND a.neuron = b.neuron
  WHERE a.checkpoint = :a AND b.checkpoint = :b
  GROUP BY ROLLUP(a.matrix)
)
ORDER BY is_total, matrix

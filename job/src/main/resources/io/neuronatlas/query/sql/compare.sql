-- Per matrix and layer: the share of neurons whose '+' top token (rank 1, the neurons table's top_token_id) is
-- the same in checkpoints :a and :b. Only neurons mapped in both count; a mixture of experts' neurons are matched
-- expert by expert (<=>: a dense model's null expert matches null) and counted together per layer.
-- Columns: matrix, layer, neurons, same_top_token, agreement (= same_top_token / neurons).
SELECT a.matrix,
       a.layer,
       COUNT(*) AS neurons,
       CAST(SUM(CASE WHEN a.top_token_id = b.top_token_id THEN 1 ELSE 0 END) AS BIGINT) AS same_top_token,
       SUM(CASE WHEN a.top_token_id = b.top_token_id THEN 1 ELSE 0 END) / COUNT(*) AS agreement
FROM neurons a
JOIN neurons b
  ON a.matrix = b.matrix AND a.layer = b.layer AND a.expert <=> b.expert AND a.neuron = b.neuron
WHERE a.checkpoint = :a AND b.checkpoint = :b
GROUP BY a.matrix, a.layer
ORDER BY a.matrix, a.layer

-- Top-token agreement of two checkpoints per matrix and layer: the share of neurons whose '+' rank-1 token id
-- is the same in checkpoint :a and checkpoint :b (neurons present in both).
WITH a AS (
  SELECT matrix, layer, neuron, token_id FROM neuron_tokens
  WHERE checkpoint = :a AND polarity = '+' AND rank = 1
),
b AS (
  SELECT matrix, layer, neuron, token_id FROM neuron_tokens
  WHERE checkpoint = :b AND polarity = '+' AND rank = 1
)
SELECT a.matrix, a.layer,
       count(*) AS neurons,
       sum(CASE WHEN a.token_id = b.token_id THEN 1 ELSE 0 END) AS same_top_token,
       sum(CASE WHEN a.token_id = b.token_id THEN 1 ELSE 0 END) / count(*) AS agreement
FROM a JOIN b ON a.matrix = b.matrix AND a.layer = b.layer AND a.neuron = b.neuron
GROUP BY a.matrix, a.layer
ORDER BY a.matrix, a.layer

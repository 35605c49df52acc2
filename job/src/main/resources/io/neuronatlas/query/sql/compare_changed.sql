-- The neurons that changed most between checkpoints :a and :b: those whose '+' top-k token sets overlap least.
-- k is the smaller of the two maps' top-k; overlap = tokens in both sets / k (1: same tokens, in any order;
-- 0: none in common). Ties: the larger change in max |score| first. Only neurons mapped in both count.
-- Columns: matrix, layer, neuron, shared_top_tokens, top_k, overlap, top_token_a, top_token_b,
-- max_abs_score_a, max_abs_score_b, expert (null for a dense model), neuron_id.
WITH k AS (
  SELECT CAST(LEAST(ca.parameters.top_k, cb.parameters.top_k) AS INT) AS k
  FROM checkpoints ca CROSS JOIN checkpoints cb
  WHERE ca.checkpoint = :a AND cb.checkpoint = :b
),
ta AS (
  SELECT t.matrix, t.layer, t.expert, t.neuron, t.token_id
  FROM neuron_tokens t CROSS JOIN k
  WHERE t.checkpoint = :a AND t.polarity = '+' AND t.rank <= k.k
),
tb AS (
  SELECT t.matrix, t.layer, t.expert, t.neuron, t.token_id
  FROM neuron_tokens t CROSS JOIN k
  WHERE t.checkpoint = :b AND t.polarity = '+' AND t.rank <= k.k
),
shared AS (
  SELECT ta.matrix, ta.layer, ta.expert, ta.neuron, COUNT(tb.token_id) AS shared_top_tokens
  FROM ta
  LEFT JOIN tb
    ON ta.matrix = tb.matrix AND ta.layer = tb.layer AND ta.expert <=> tb.expert AND ta.neuron = tb.neuron
       AND ta.token_id = tb.token_id
  GROUP BY ta.matrix, ta.layer, ta.expert, ta.neuron
)
SELECT s.matrix,
       s.layer,
       s.neuron,
       s.shared_top_tokens,
       k.k AS top_k,
       s.shared_top_tokens / k.k AS overlap,
       na.top_token AS top_token_a,
       nb.top_token AS top_token_b,
       na.max_abs_score AS max_abs_score_a,
       nb.max_abs_score AS max_abs_score_b,
       s.expert,
       neuron_id(s.matrix, s.layer, s.neuron, s.expert) AS neuron_id
FROM shared s
CROSS JOIN k
JOIN neurons na
  ON na.checkpoint = :a AND na.matrix = s.matrix AND na.layer = s.layer AND na.expert <=> s.expert
     AND na.neuron = s.neuron
JOIN neurons nb
  ON nb.checkpoint = :b AND nb.matrix = s.matrix AND nb.layer = s.layer AND nb.expert <=> s.expert
     AND nb.neuron = s.neuron
ORDER BY overlap, ABS(na.max_abs_score - nb.max_abs_score) DESC, s.matrix, s.layer, s.expert, s.neuron

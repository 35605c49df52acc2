-- The most vocabulary-aligned neurons of one matrix and layer (largest max_abs_score), with their top tokens in
-- both polarities. Both tables are read only in the (matrix, layer) partitions. In a mixture of experts the layer's
-- neurons of every expert compete; expert says whose a neuron is (null for a dense model).
WITH ranked AS (
  SELECT checkpoint, expert, neuron, max_abs_score, max_score, min_score, entropy,
         row_number() OVER (PARTITION BY checkpoint ORDER BY max_abs_score DESC, expert, neuron) AS place
  FROM neurons
  WHERE matrix = :matrix AND layer = :layer
),
ranked_tokens AS (
  SELECT checkpoint, expert, neuron,
         array_join(transform(array_sort(collect_list(CASE WHEN polarity = '+' AND rank <= :tokens
                        THEN struct(rank, token) END)), x -> concat('"', x.token, '"')), ' ') AS top_tokens,
         array_join(transform(array_sort(collect_list(CASE WHEN polarity = '-' AND rank <= :tokens
                        THEN struct(rank, token) END)), x -> concat('"', x.token, '"')), ' ') AS bottom_tokens
  FROM neuron_tokens
  WHERE matrix = :matrix AND layer = :layer AND rank <= :tokens
  GROUP BY checkpoint, expert, neuron
)
SELECT r.checkpoint, r.place, neuron_id(:matrix, :layer, r.neuron, r.expert) AS neuron_id, r.neuron, r.max_abs_score,
       r.max_score, r.min_score, t.top_tokens, t.bottom_tokens, r.expert
FROM ranked r JOIN ranked_tokens t
  ON r.checkpoint = t.checkpoint AND r.expert <=> t.expert AND r.neuron = t.neuron
WHERE r.place <= :limit
ORDER BY r.checkpoint, r.place

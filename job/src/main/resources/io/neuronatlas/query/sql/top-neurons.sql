-- The most vocabulary-aligned neurons of one matrix and layer (largest max_abs_score), :limit per checkpoint. Only
-- the (matrix, layer) partition is read. In a mixture of experts the layer's neurons of every expert compete;
-- expert says whose a neuron is (null for a dense model). top-neurons-tokens.sql adds their top tokens.
SELECT checkpoint, place, expert, neuron, max_abs_score, max_score, min_score
FROM (
  SELECT checkpoint, expert, neuron, max_abs_score, max_score, min_score,
         row_number() OVER (PARTITION BY checkpoint ORDER BY max_abs_score DESC, expert, neuron) AS place
  FROM neurons
  WHERE matrix = :matrix AND layer = :layer
)
WHERE place <= :limit

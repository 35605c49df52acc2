-- The watched tokens (map --watch) for one neuron: the token's score, prob and normalized_prob, and where the
-- neuron ranks for it among the neurons of its matrix and layer (1 = the highest normalized_prob): in a mixture of
-- experts, among every expert's neurons of that matrix and layer together, as the canned queries rank them.
WITH placed AS (
  SELECT checkpoint, matrix, layer, expert, neuron, token_id, token, score, prob, normalized_prob,
         rank() OVER (PARTITION BY checkpoint, matrix, layer, token_id ORDER BY normalized_prob DESC) AS place,
         count(*) OVER (PARTITION BY checkpoint, matrix, layer, token_id) AS of
  FROM token_profiles
  WHERE array_contains(:checkpoints, checkpoint)
)
SELECT checkpoint, matrix, layer, expert, neuron,
       array_sort(collect_list(named_struct('token_id', token_id, 'token', token, 'score', score, 'prob', prob,
                                            'normalized_prob', normalized_prob, 'layer_rank', place,
                                            'layer_neurons', of))) AS value
FROM placed
GROUP BY checkpoint, matrix, layer, expert, neuron

-- The neurons for a token across all layers and matrices, case and space variants grouped, most specific first
-- (ranked by the Flash Interpretability normalized probability).
-- token_matches is neuron_tokens restricted to the variants' token ids (find-token registers it with a
-- token_id IN (...) filter that Parquet row-group statistics and bloom filters prune on); neuron_tokens itself
-- gives the same rows, only by reading all of them. expert is null for a dense model; neuron_id includes it.
SELECT checkpoint, matrix, layer, neuron, polarity, rank, token_id, token, score, prob, normalized_prob,
       neuron_id(matrix, layer, neuron, expert) AS neuron_id, expert
FROM token_matches
WHERE token_norm(token) = token_norm(:token)
ORDER BY normalized_prob DESC, checkpoint, matrix, layer, expert, neuron, polarity, token_id
LIMIT :limit

-- The neurons that list one token id among their top tokens (find-token --token-id), across all layers and matrices,
-- most specific first: find-token's columns and order without its case and space variants, for exactness where
-- several ids render the same text (a piece and its byte-fallback twin). token_matches is neuron_tokens restricted
-- to that id (registered with a token_id filter Parquet prunes on). In each checkpoint the id is its own token.
SELECT checkpoint, matrix, layer, neuron, polarity, rank, token_id, token, score, prob, normalized_prob,
       neuron_id(matrix, layer, neuron, expert) AS neuron_id, expert
FROM token_matches
ORDER BY normalized_prob DESC, checkpoint, matrix, layer, expert, neuron, polarity, token_id
LIMIT :limit

-- A token's profile: its score, prob and normalized_prob for every neuron (the paper's Figure 2). Needs a map
-- run with --watch TOKEN; token_profiles holds only the watched tokens.
SELECT checkpoint, matrix, layer, neuron, neuron_id(matrix, layer, neuron, expert) AS neuron_id, token_id, token,
       score, prob, normalized_prob, expert
FROM token_profiles
WHERE token = :token
ORDER BY checkpoint, matrix, layer, expert, neuron

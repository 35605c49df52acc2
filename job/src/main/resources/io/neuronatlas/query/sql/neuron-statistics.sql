-- A neuron's statistics over the whole vocabulary (the neurons table), per checkpoint; the neuron as in
-- neuron-tokens.sql.
SELECT checkpoint, norm, max_score, min_score, mean_score, std_score, max_abs_score, logsumexp, entropy,
       top_token, top_normalized_prob, bottom_token, bottom_normalized_prob
FROM neurons
WHERE matrix = :matrix AND layer = :layer AND coalesce(expert, '') = :expert AND neuron = :neuron
ORDER BY checkpoint
-- :rows is the number of checkpoints: with a LIMIT, Spark sorts in one step, not with a shuffle.
LIMIT :rows

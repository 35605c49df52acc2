-- A neuron's top tokens in both polarities ('+': the tokens it writes or reads most, '-': least), :tokens of each,
-- per checkpoint. The neuron is (:matrix, :layer, :expert, :neuron); :expert is '' for a dense MLP, whose expert
-- column is null. matrix and layer are partition columns, so only that folder is read.
SELECT checkpoint, polarity, rank, token_id, token, score, prob, normalized_prob
FROM neuron_tokens
WHERE matrix = :matrix AND layer = :layer AND coalesce(expert, '') = :expert AND neuron = :neuron
  AND rank <= :tokens
ORDER BY checkpoint, polarity, rank
-- :rows is every row (:tokens per polarity and checkpoint): with a LIMIT, Spark sorts them in one step, not with a
-- shuffle.
LIMIT :rows

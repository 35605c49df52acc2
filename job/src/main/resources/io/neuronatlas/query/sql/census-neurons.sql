-- The down_proj neurons of one census class (:class: 'prediction' or 'suppression'), the most heavy-tailed first:
-- by the kurtosis of their cosines with the unembedding rows, then by |skew|. :checkpoint names one checkpoint,
-- or '' for every one. A prediction neuron's tokens are its '+' top tokens, a suppression neuron's its '-' ones.
-- Columns: checkpoint, layer, neuron, expert, census_class, vocab_cos_kurtosis, vocab_cos_skew, score_kurtosis,
-- score_skew, top_token, bottom_token, neuron_id.
SELECT checkpoint, layer, neuron, expert, census_class, vocab_cos_kurtosis, vocab_cos_skew, score_kurtosis,
       score_skew, top_token, bottom_token,
       neuron_id(matrix, layer, neuron, expert) AS neuron_id
FROM neurons
WHERE matrix = 'down' AND census_class = :class AND (:checkpoint = '' OR checkpoint = :checkpoint)
ORDER BY vocab_cos_kurtosis DESC, abs(vocab_cos_skew) DESC, checkpoint, layer, expert, neuron

-- One row per neuron of the site's checkpoints (:checkpoints): its statistics (with the census's moments and class,
-- null in runs from before the census), and its top tokens in each
-- polarity as arrays in rank order, one array per column (the page's JSON: names once, not once per token).
-- A neuron is (checkpoint, matrix, layer, expert, neuron); expert is null for a dense MLP, hence <=> in the join.
WITH top AS (
  SELECT checkpoint, matrix, layer, expert, neuron,
         array_sort(collect_list(struct(rank, token_id, token, score, prob, normalized_prob))
                    FILTER (WHERE polarity = '+')) AS pos,
         array_sort(collect_list(struct(rank, token_id, token, score, prob, normalized_prob))
                    FILTER (WHERE polarity = '-')) AS neg
  FROM neuron_tokens
  WHERE array_contains(:checkpoints, checkpoint)
  GROUP BY checkpoint, matrix, layer, expert, neuron
)
SELECT n.checkpoint, n.matrix, n.layer, n.expert, n.neuron,
       named_struct('norm', n.norm, 'max_score', n.max_score, 'min_score', n.min_score, 'mean_score', n.mean_score,
                    'std_score', n.std_score, 'max_abs_score', n.max_abs_score, 'logsumexp', n.logsumexp,
                    'entropy', n.entropy, 'vocab_cos_kurtosis', n.vocab_cos_kurtosis,
                    'vocab_cos_skew', n.vocab_cos_skew, 'score_kurtosis', n.score_kurtosis,
                    'score_skew', n.score_skew, 'census_class', n.census_class) AS stats,
       named_struct('token_id', transform(t.pos, x -> x.token_id), 'token', transform(t.pos, x -> x.token),
                    'score', transform(t.pos, x -> x.score), 'prob', transform(t.pos, x -> x.prob),
                    'normalized_prob', transform(t.pos, x -> x.normalized_prob)) AS positive,
       named_struct('token_id', transform(t.neg, x -> x.token_id), 'token', transform(t.neg, x -> x.token),
                    'score', transform(t.neg, x -> x.score), 'prob', transform(t.neg, x -> x.prob),
                    'normalized_prob', transform(t.neg, x -> x.normalized_prob)) AS negative
FROM neurons n
JOIN top t ON n.checkpoint = t.checkpoint AND n.matrix = t.matrix AND n.layer = t.layer AND n.expert <=> t.expert
            AND n.neuron = t.neuron
WHERE array_contains(:checkpoints, n.checkpoint)

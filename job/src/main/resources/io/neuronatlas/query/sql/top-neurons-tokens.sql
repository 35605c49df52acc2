-- top-neurons.sql's neurons (the view top_neurons) with their first :tokens tokens in both polarities.
-- top_neuron_tokens is neuron_tokens restricted to those neurons' indices (Atlas.topNeurons registers it with a
-- neuron IN (...) filter), so only their rows are grouped: grouping the tokens of every neuron of the layer
-- (14,336 in Llama-3.1-8B) and joining afterwards made this the slowest canned query.
WITH top_tokens AS (
  SELECT checkpoint, expert, neuron,
         array_join(transform(array_sort(collect_list(CASE WHEN polarity = '+'
                        THEN struct(rank, token) END)), x -> concat('"', x.token, '"')), ' ') AS top_tokens,
         array_join(transform(array_sort(collect_list(CASE WHEN polarity = '-'
                        THEN struct(rank, token) END)), x -> concat('"', x.token, '"')), ' ') AS bottom_tokens
  FROM top_neuron_tokens
  WHERE matrix = :matrix AND layer = :layer AND rank <= :tokens
  GROUP BY checkpoint, expert, neuron
)
SELECT r.checkpoint, r.place, neuron_id(:matrix, :layer, r.neuron, r.expert) AS neuron_id, r.neuron, r.max_abs_score,
       r.max_score, r.min_score, t.top_tokens, t.bottom_tokens, r.expert
FROM top_neurons r JOIN top_tokens t
  ON r.checkpoint = t.checkpoint AND r.expert <=> t.expert AND r.neuron = t.neuron
ORDER BY r.checkpoint, r.place
-- :rows is every row (:limit per checkpoint): with a LIMIT, Spark sorts the few rows in one step, not with a shuffle.
LIMIT :rows

-- The token index: for every word of the site's vocabularies (token_norm, the tokens table's norm column), its
-- variants per checkpoint and the :limit neurons find-token would list first for it (same matches: any variant
-- among a neuron's top tokens in either polarity; same order: normalized_prob descending, then checkpoint,
-- matrix, layer, expert, neuron, polarity, token_id). Words are spread over :buckets shards by search_bucket(norm);
-- one search loads one shard. Neuron rows are arrays per column; c is the checkpoint's number in the site. The
-- expert column is there only when a row has an expert (a mixture of experts): a dense atlas's rows have none.
WITH site AS (
  SELECT checkpoint, ci FROM report_checkpoints
),
ranked AS (
  SELECT t.norm, s.ci, n.checkpoint, n.matrix, n.layer, n.expert, n.neuron, n.polarity, n.rank, n.token_id,
         n.score, n.prob, n.normalized_prob,
         row_number() OVER (PARTITION BY t.norm ORDER BY n.normalized_prob DESC, n.checkpoint, n.matrix, n.layer,
                                                        n.expert, n.neuron, n.polarity, n.token_id) AS place
  FROM neuron_tokens n
  JOIN site s ON n.checkpoint = s.checkpoint
  JOIN tokens t ON t.checkpoint = n.checkpoint AND t.token_id = n.token_id
  WHERE array_contains(:checkpoints, n.checkpoint) AND array_contains(:checkpoints, t.checkpoint)
),
hits AS (
  SELECT norm, array_sort(collect_list(struct(place, ci, matrix, layer, expert, neuron, polarity, rank, token_id,
                                              score, prob, normalized_prob))) AS h
  FROM ranked
  WHERE place <= :limit
  GROUP BY norm
),
variants AS (
  SELECT t.norm, array_sort(collect_list(named_struct('c', s.ci, 'token_id', t.token_id, 'token', t.token,
                                                   'kind', t.kind))) AS v
  FROM tokens t
  JOIN site s ON t.checkpoint = s.checkpoint
  WHERE array_contains(:checkpoints, t.checkpoint)
  GROUP BY t.norm
),
entries AS (
  SELECT search_bucket(v.norm, :buckets) AS bucket,
         named_struct(
           'norm', v.norm,
           'variants', v.v,
           'neurons', IF(h.h IS NULL, NULL, named_struct(
             'c', transform(h.h, x -> x.ci), 'matrix', transform(h.h, x -> x.matrix),
             'layer', transform(h.h, x -> x.layer),
             'expert', IF(exists(h.h, x -> x.expert IS NOT NULL), transform(h.h, x -> x.expert), NULL),
             'neuron', transform(h.h, x -> x.neuron),
             'polarity', transform(h.h, x -> x.polarity), 'rank', transform(h.h, x -> x.rank),
             'token_id', transform(h.h, x -> x.token_id), 'score', transform(h.h, x -> x.score),
             'prob', transform(h.h, x -> x.prob), 'normalized_prob', transform(h.h, x -> x.normalized_prob)))) AS entry
  FROM variants v
  LEFT JOIN hits h ON v.norm = h.norm
)
-- A shard is {"words": [...]}, a list rather than an object keyed by word, so that no word ("__proto__") can be
-- taken for anything but data. Every shard is written, empty when no word falls in it: a missing file is an error.
SELECT search_shard_key(CAST(b.id AS INT)) AS key, to_json(named_struct('words', collect_list(e.entry))) AS json
FROM range(0, :buckets) b
LEFT JOIN entries e ON e.bucket = b.id
GROUP BY b.id

-- Every example of neuron_examples as the page shows it, for the sections examples and quantiles: the stored
-- window cut to :before tokens before the extreme token and :after after it (the site's budget: a neuron shard
-- holds 16 indices), activations rounded to 4 decimals (shading only needs their ratios; null where an expert's
-- window token was not routed to it, stored NaN), the extreme token's place
-- (at) and the source (the corpus file's name, the document's place in it, the corpus's own id of the document
-- when it has one, the token's place in the document). A
-- neuron examined in two published runs (overlapping layer selections) keeps the later run's examples only.
WITH latest AS (
  SELECT checkpoint, layer, expert, neuron, max(run) AS run
  FROM neuron_examples
  WHERE array_contains(:checkpoints, checkpoint)
  GROUP BY checkpoint, layer, expert, neuron
),
picked AS (
  SELECT e.checkpoint, e.run, e.layer, e.expert, e.neuron, e.kind, e.rank,
         greatest(1, e.position - e.window_start + 1 - :before) AS first,
         e.position - e.window_start + 1 AS at,
         e.tokens, e.activations, e.file, e.document, e.document_id, e.doc_position
  FROM neuron_examples e
  JOIN latest l ON e.checkpoint = l.checkpoint AND e.layer = l.layer AND e.expert <=> l.expert
                AND e.neuron = l.neuron AND e.run = l.run
)
SELECT checkpoint, run, layer, expert, neuron, kind, rank,
       named_struct('tokens', slice(tokens, first, at - first + 1 + :after),
                    'values', transform(slice(activations, first, at - first + 1 + :after),
                                        v -> IF(isnan(v), NULL, round(v, 4))),
                    'at', at - first,
                    'source', concat(regexp_extract(file, '[^/]*$', 0), ' doc ', document,
                                     coalesce(concat(' (id ', document_id, ')'), ''), ', token ',
                                     doc_position)) AS example
FROM picked

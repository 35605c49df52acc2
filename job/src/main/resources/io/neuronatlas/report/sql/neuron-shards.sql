-- The neuron shards: report_records (one row per neuron: checkpoint, matrix, layer, expert, neuron, record)
-- grouped into runs of :per_shard neuron indices of one layer and expert, every matrix together, records in gate,
-- up, down then neuron order. report_checkpoints numbers the site's checkpoints (ci) for the file names. A dense
-- MLP's expert is null, which to_json leaves out: a dense shard has no "expert" key.
SELECT neuron_shard_key(c.ci, r.layer, r.expert, r.neuron - r.neuron % :per_shard) AS key,
       to_json(named_struct(
         'checkpoint', r.checkpoint, 'layer', r.layer, 'expert', r.expert, 'first', r.neuron - r.neuron % :per_shard,
         'neurons', transform(
           array_sort(collect_list(named_struct('m', CASE r.matrix WHEN 'gate' THEN 0 WHEN 'up' THEN 1 ELSE 2 END,
                                                'n', r.neuron, 'record', r.record)),
                      (a, b) -> CASE WHEN a.m <> b.m THEN a.m - b.m
                                     WHEN a.n < b.n THEN -1 WHEN a.n > b.n THEN 1 ELSE 0 END),
           x -> x.record))) AS json
FROM report_records r
JOIN report_checkpoints c ON r.checkpoint = c.checkpoint
GROUP BY c.ci, r.checkpoint, r.layer, r.expert, r.neuron - r.neuron % :per_shard

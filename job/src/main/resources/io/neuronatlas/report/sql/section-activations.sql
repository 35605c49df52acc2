-- A neuron's activation statistics (neuron_activations): the 50-bin histogram over [min, max] as edges (float32,
-- as min and max are: half the bytes of doubles) and counts, density, and the statistics and map agreement as a list of {name, value} (null agreements left out),
-- on the record report_home picks (see section-examples.sql); the later run when two published runs have it. An
-- expert's neuron that no token of the corpus was routed to (count 0: no statistics) has no section.
WITH latest AS (
  SELECT checkpoint, layer, expert, neuron, max(run) AS run
  FROM neuron_activations
  WHERE array_contains(:checkpoints, checkpoint)
  GROUP BY checkpoint, layer, expert, neuron
)
SELECT a.checkpoint, h.matrix, a.layer, a.expert, a.neuron,
       named_struct(
         'edges', transform(sequence(0, size(a.histogram)),
                            i -> CAST(a.min + (CAST(a.max AS DOUBLE) - a.min) * i / size(a.histogram) AS FLOAT)),
         'counts', a.histogram,
         'density', a.density,
         'stats', filter(array(
           named_struct('name', 'positions', 'value', CAST(a.count AS DOUBLE)),
           named_struct('name', 'mean', 'value', a.mean), named_struct('name', 'std', 'value', a.std),
           named_struct('name', 'min', 'value', CAST(a.min AS DOUBLE)),
           named_struct('name', 'max', 'value', CAST(a.max AS DOUBLE)),
           named_struct('name', 'p50', 'value', a.p50), named_struct('name', 'p90', 'value', a.p90),
           named_struct('name', 'p99', 'value', a.p99), named_struct('name', 'p99.9', 'value', a.p999),
           named_struct('name', 'read agreement (max examples)', 'value', a.read_agreement),
           named_struct('name', 'write agreement (max examples)', 'value', a.write_agreement),
           named_struct('name', 'read agreement (min examples)', 'value', a.read_agreement_min),
           named_struct('name', 'write agreement (min examples)', 'value', a.write_agreement_min)),
           s -> s.value IS NOT NULL)) AS value
FROM neuron_activations a
JOIN latest l ON a.checkpoint = l.checkpoint AND a.layer = l.layer AND a.expert <=> l.expert
               AND a.neuron = l.neuron AND a.run = l.run
JOIN report_home h ON a.checkpoint = h.checkpoint AND a.layer = h.layer AND a.expert <=> h.expert
WHERE a.count > 0

-- A neuron's quantile-band samples (report_example_windows, kinds 'q50-90', 'q90-99', 'q99-99.9'; the table keeps
-- up to 3 a band, the site the first :samples for its budget) with the band's bounds from neuron_activations' quantiles (p50, p90, p99, p999) of the same run,
-- on the record report_home picks (see section-examples.sql); bands in ascending order, empty ones left out.
WITH bands AS (
  SELECT checkpoint, run, layer, expert, neuron, kind,
         transform(array_sort(collect_list(struct(rank, example))), x -> x.example) AS examples
  FROM report_example_windows
  WHERE kind LIKE 'q%' AND rank <= :samples
  GROUP BY checkpoint, run, layer, expert, neuron, kind
)
SELECT b.checkpoint, h.matrix, b.layer, b.expert, b.neuron,
       transform(array_sort(collect_list(struct(
         CASE b.kind WHEN 'q50-90' THEN 0 WHEN 'q90-99' THEN 1 ELSE 2 END AS place,
         named_struct('label', b.kind,
                      'lo', CASE b.kind WHEN 'q50-90' THEN a.p50 WHEN 'q90-99' THEN a.p90 ELSE a.p99 END,
                      'hi', CASE b.kind WHEN 'q50-90' THEN a.p90 WHEN 'q90-99' THEN a.p99 ELSE a.p999 END,
                      'examples', b.examples) AS band))), x -> x.band) AS value
FROM bands b
JOIN report_home h ON b.checkpoint = h.checkpoint AND b.layer = h.layer AND b.expert <=> h.expert
LEFT JOIN neuron_activations a ON a.checkpoint = b.checkpoint AND a.run = b.run AND a.layer = b.layer
                               AND a.expert <=> b.expert AND a.neuron = b.neuron
GROUP BY b.checkpoint, h.matrix, b.layer, b.expert, b.neuron

-- A neuron's max-activating examples in both signs (report_example_windows, kinds 'max' and 'min', cut as
-- example-windows.sql says): the first :examples of each sign by rank. The activation is act(gate)·up at index N,
-- the input of down_proj: one value per (layer, index), not per matrix, so it goes on one record of the index, the
-- first matrix the map has (gate, up, down order; report_home), and the page shows it on all three. An expert's
-- neuron is keyed by its expert (its examples are tokens routed to it; window tokens that were not have null).
SELECT s.checkpoint, h.matrix, s.layer, s.expert, s.neuron,
       named_struct('max', transform(array_sort(collect_list(struct(s.rank, s.example)) FILTER (WHERE s.kind = 'max')),
                                     x -> x.example),
                    'min', transform(array_sort(collect_list(struct(s.rank, s.example)) FILTER (WHERE s.kind = 'min')),
                                     x -> x.example)) AS value
FROM report_example_windows s
JOIN report_home h ON s.checkpoint = h.checkpoint AND s.layer = h.layer AND s.expert <=> h.expert
WHERE s.kind IN ('max', 'min') AND s.rank <= :examples
GROUP BY s.checkpoint, h.matrix, s.layer, s.expert, s.neuron

-- Per checkpoint, layer and MLP of the site (:checkpoints; expert null for a dense MLP, else a mixture's expert),
-- the matrix whose record carries the sections of an activation (examples, quantiles, activations, clamp,
-- validation): the first the map has in gate, up, down order. The sections join it on expert with <=>.
SELECT checkpoint, layer, expert,
       min_by(matrix, CASE matrix WHEN 'gate' THEN 0 WHEN 'up' THEN 1 ELSE 2 END) AS matrix
FROM neurons
WHERE array_contains(:checkpoints, checkpoint)
GROUP BY checkpoint, layer, expert

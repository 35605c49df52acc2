-- Per checkpoint and dense layer of the site (:checkpoints), the matrix whose record carries the sections of an
-- activation (examples, quantiles, activations, clamp, validation): the first the map has in gate, up, down order.
SELECT checkpoint, layer,
       min_by(matrix, CASE matrix WHEN 'gate' THEN 0 WHEN 'up' THEN 1 ELSE 2 END) AS matrix
FROM neurons
WHERE array_contains(:checkpoints, checkpoint) AND expert IS NULL
GROUP BY checkpoint, layer

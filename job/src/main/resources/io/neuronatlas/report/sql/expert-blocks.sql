-- The MLPs of each mapped layer of the site's mixture-of-experts checkpoints (:checkpoints) as the atlas holds
-- them: one row per layer and expert (null: a dense layer) with its neurons, for the page's navigation.
SELECT checkpoint, layer, expert, max(neuron) + 1 AS width
FROM neurons
WHERE array_contains(:checkpoints, checkpoint)
GROUP BY checkpoint, layer, expert

-- The paper's claim per layer: how often a neuron's top examples agree with its vocabulary map. read: the share
-- of its max examples whose firing token is among its gate/up top tokens; write: the share whose next token is among
-- its down '+' top tokens (and the same over its min examples with down '-'). Averaged over the layer's neurons that
-- were mapped (agreement is null where the atlas has no map of the same weights).
SELECT checkpoint, CAST(layer AS INT) AS layer, count(*) AS neurons,
       avg(read_agreement) AS read_agreement, avg(write_agreement) AS write_agreement,
       avg(read_agreement_min) AS read_agreement_min, avg(write_agreement_min) AS write_agreement_min,
       avg(CASE WHEN read_agreement >= 0.5 THEN 1.0 ELSE 0.0 END) AS share_reading_their_examples
FROM neuron_activations
WHERE read_agreement IS NOT NULL
GROUP BY checkpoint, CAST(layer AS INT)
ORDER BY checkpoint, layer

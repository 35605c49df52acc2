-- The neurons of :checkpoint that moved most from :base: by the Jensen–Shannon distance of their vocabulary
-- distributions, then by how little their weights still point the same way. With their top tokens before and after.
-- Columns: matrix, layer, neuron, js_distance, kl_base_to_checkpoint, kl_checkpoint_to_base, weight_cos,
-- top_token_kept, top_k_jaccard_pos, top_k_jaccard_neg, top_token_base, top_token, bottom_token_base, bottom_token,
-- neuron_id.
SELECT matrix, layer, neuron, js_distance, kl_base_to_checkpoint, kl_checkpoint_to_base, weight_cos,
       top_token_kept, top_k_jaccard_pos, top_k_jaccard_neg, top_token_base, top_token, bottom_token_base,
       bottom_token,
       neuron_id(matrix, layer, neuron, CAST(NULL AS STRING)) AS neuron_id
FROM neuron_drift
WHERE base = :base AND checkpoint = :checkpoint
ORDER BY js_distance DESC, weight_cos, matrix, layer, neuron

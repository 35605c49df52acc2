-- The same neuron (matrix, layer, expert, index) in the site's other checkpoints of the same shapes (report_pairs:
-- one row per checkpoint and other): its top and bottom token there, to see what fine-tuning or training moved.
SELECT a.checkpoint, a.matrix, a.layer, a.expert, a.neuron,
       array_sort(collect_list(named_struct('checkpoint', b.checkpoint, 'top_token_id', b.top_token_id,
                                            'top_token', b.top_token, 'top_normalized_prob', b.top_normalized_prob,
                                            'bottom_token_id', b.bottom_token_id, 'bottom_token', b.bottom_token,
                                            'bottom_normalized_prob', b.bottom_normalized_prob))) AS value
FROM neurons a
JOIN report_pairs p ON a.checkpoint = p.checkpoint
JOIN neurons b ON b.checkpoint = p.other AND a.matrix = b.matrix AND a.layer = b.layer AND a.expert <=> b.expert
                AND a.neuron = b.neuron
WHERE array_contains(:checkpoints, a.checkpoint) AND array_contains(:checkpoints, b.checkpoint)
GROUP BY a.checkpoint, a.matrix, a.layer, a.expert, a.neuron

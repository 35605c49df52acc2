-- A neuron's validations (the validate command: one row per target token it was a candidate for, and scope),
-- newest run first. Validation is per (layer, expert, index): the same for the neuron's gate, up and down; :expert
-- is '' for a dense MLP (expert null).
SELECT checkpoint, target, scope, causal_rank, atlas_rank, delta_log_odds, monotonic, baseline_prob, best_value,
       prob_at_best, prompts, run
FROM neuron_validation
WHERE layer = :layer AND coalesce(expert, '') = :expert AND neuron = :neuron
ORDER BY checkpoint, target, scope, run DESC

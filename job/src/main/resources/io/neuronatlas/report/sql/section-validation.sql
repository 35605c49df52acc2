-- A neuron's validations (neuron_validation: one row per target token it was a candidate for, from validate), the
-- latest published run of each target and scope, with a verdict derived from the columns. The swing is the
-- target's log-odds at the most positive clamp value minus at the most negative one (mean curve, p held within
-- [1e-12, 1 - 1e-12] as delta_log_odds has it): how far the neuron moves the target over the sweep, which
-- delta_log_odds alone misses when the prompt already drives the neuron (the baseline is near the best).
--   confirmed      the curve is monotonic and the swing is at least ln 10 either way (odds × 10 or ÷ 10)
--   weak           a swing of at least ln 2 without both of the above
--   no effect      a smaller swing
-- and the columns behind it as metrics. On the record report_home picks (see section-examples.sql).
WITH latest AS (
  SELECT *, row_number() OVER (PARTITION BY checkpoint, layer, expert, neuron, target_id, scope ORDER BY run DESC)
           AS version,
         ln(least(greatest(prob_at_max_value, 1e-12), 1 - 1e-12) / (1 - least(greatest(prob_at_max_value, 1e-12),
            1 - 1e-12)))
         - ln(least(greatest(prob_at_min_value, 1e-12), 1 - 1e-12) / (1 - least(greatest(prob_at_min_value, 1e-12),
            1 - 1e-12))) AS swing
  FROM neuron_validation
  WHERE array_contains(:checkpoints, checkpoint)
)
SELECT v.checkpoint, h.matrix, v.layer, v.expert, v.neuron,
       transform(array_sort(collect_list(struct(v.target, v.target_id, v.scope, named_struct(
         'target', v.target, 'scope', v.scope,
         'verdict', CASE WHEN v.monotonic AND abs(v.swing) >= ln(10) THEN 'confirmed'
                         WHEN abs(v.swing) >= ln(2) THEN 'weak' ELSE 'no effect' END,
         'detail', format_string('P(target) is %.4g at the lowest clamp value and %.4g at the highest; clamped to '
                                 || '%s it goes from %.4g to %.4g (mean over %d prompts); the curve is %s; causal '
                                 || 'rank %d of the candidates (atlas rank %d, %s)',
                                 v.prob_at_min_value, v.prob_at_max_value, CAST(v.best_value AS STRING),
                                 v.baseline_prob, v.prob_at_best, v.prompts,
                                 IF(v.monotonic, 'monotonic', 'not monotonic'), v.causal_rank, v.atlas_rank,
                                 v.matrices),
         'metrics', array(
           named_struct('name', 'log_odds_swing', 'value', v.swing),
           named_struct('name', 'delta_log_odds', 'value', v.delta_log_odds),
           named_struct('name', 'baseline_prob', 'value', v.baseline_prob),
           named_struct('name', 'best_value', 'value', v.best_value),
           named_struct('name', 'prob_at_best', 'value', v.prob_at_best),
           named_struct('name', 'rank_at_best', 'value', CAST(v.rank_at_best AS DOUBLE)),
           named_struct('name', 'prob_at_max_value', 'value', v.prob_at_max_value),
           named_struct('name', 'prob_at_min_value', 'value', v.prob_at_min_value),
           named_struct('name', 'causal_rank', 'value', CAST(v.causal_rank AS DOUBLE)),
           named_struct('name', 'atlas_rank', 'value', CAST(v.atlas_rank AS DOUBLE)),
           named_struct('name', 'normalized_prob', 'value', v.normalized_prob))) AS entry))),
         x -> x.entry) AS value
FROM latest v
JOIN report_home h ON v.checkpoint = h.checkpoint AND v.layer = h.layer AND v.expert <=> h.expert
WHERE v.version = 1
GROUP BY v.checkpoint, h.matrix, v.layer, v.expert, v.neuron

-- A neuron's clamp curves (clamp_sweeps, written by clamp and validate): one curve per target, prompt and scope,
-- the target's probability against the clamp value, from the latest published run that swept it (a clamp and a
-- validation of the same prompt draw one curve); the first :curves curves by target, scope and prompt. Clamping
-- sets the activation at (layer, index), the input of down_proj: the curves go on the record report_home picks
-- (see section-examples.sql), and the page shows them on all three matrices.
WITH curves AS (
  SELECT checkpoint, run, layer, expert, neuron, target_id, target, prompt, prompt_index, scope,
         array_sort(collect_list(struct(value, target_prob))) AS points
  FROM clamp_sweeps
  WHERE array_contains(:checkpoints, checkpoint)
  GROUP BY checkpoint, run, layer, expert, neuron, target_id, target, prompt, prompt_index, scope
),
latest AS (
  SELECT *, row_number() OVER (PARTITION BY checkpoint, layer, expert, neuron, target_id, prompt, scope
                               ORDER BY run DESC) AS version
  FROM curves
),
kept AS (
  SELECT *, row_number() OVER (PARTITION BY checkpoint, layer, expert, neuron
                               ORDER BY target, target_id, scope, prompt_index, prompt) AS place
  FROM latest
  WHERE version = 1
)
SELECT k.checkpoint, h.matrix, k.layer, k.expert, k.neuron,
       named_struct('x_label', 'clamp value', 'y_label', 'target probability',
                    'curves', transform(array_sort(collect_list(struct(k.place, named_struct(
                      'label', k.target, 'prompt', k.prompt, 'scope', k.scope,
                      'x', transform(k.points, p -> p.value), 'y', transform(k.points, p -> p.target_prob)) AS c))),
                      x -> x.c)) AS value
FROM kept k
JOIN report_home h ON k.checkpoint = h.checkpoint AND k.layer = h.layer AND k.expert <=> h.expert
WHERE k.place <= :curves
GROUP BY k.checkpoint, h.matrix, k.layer, k.expert, k.neuron

-- Histogram of max_abs_score per matrix and layer: :bins equal-width bins from 0 to the checkpoint's largest
-- value, the same edges for every layer so the layers compare.
WITH bounds AS (
  SELECT checkpoint, max(max_abs_score) AS top FROM neurons GROUP BY checkpoint
)
SELECT n.checkpoint, n.matrix, n.layer,
       least(width_bucket(n.max_abs_score, 0, b.top, :bins), :bins) AS bin,
       (least(width_bucket(n.max_abs_score, 0, b.top, :bins), :bins) - 1) * b.top / :bins AS lower,
       least(width_bucket(n.max_abs_score, 0, b.top, :bins), :bins) * b.top / :bins AS upper,
       count(*) AS neurons
FROM neurons n JOIN bounds b ON n.checkpoint = b.checkpoint
GROUP BY n.checkpoint, n.matrix, n.layer, b.top, least(width_bucket(n.max_abs_score, 0, b.top, :bins), :bins)
ORDER BY n.checkpoint, n.matrix, n.layer, bin

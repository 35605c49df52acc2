-- How big the token index will be, to size its shards before they are written: the words of the site's
-- vocabularies (distinct token_norm), and the neuron rows kept for them (per word, find-token's matches capped at
-- :limit). Reads only the tokens table and neuron_tokens' token ids.
WITH matches AS (
  SELECT t.norm, count(*) AS matches
  FROM neuron_tokens n
  JOIN tokens t ON t.checkpoint = n.checkpoint AND t.token_id = n.token_id
  WHERE array_contains(:checkpoints, n.checkpoint) AND array_contains(:checkpoints, t.checkpoint)
  GROUP BY t.norm
)
SELECT (SELECT count(DISTINCT norm) FROM tokens WHERE array_contains(:checkpoints, checkpoint)) AS words,
       (SELECT coalesce(sum(least(matches, :limit)), 0) FROM matches) AS rows

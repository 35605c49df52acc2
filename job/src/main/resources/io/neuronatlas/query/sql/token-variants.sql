-- The vocabulary entries that are the same word as :token once trimmed, NFKC-normalized and case-folded
-- (' dog', 'dog', ' Dog', ' DOG'), per checkpoint. Reads the small tokens table, never neuron_tokens; its norm
-- column is token_norm(token), stored sorted so that this filter reads one row group. kind tells a piece from a
-- byte-fallback piece or an added token that renders the same text (null in atlases written before it).
SELECT checkpoint, token_id, token, kind
FROM tokens
WHERE norm = token_norm(:token)

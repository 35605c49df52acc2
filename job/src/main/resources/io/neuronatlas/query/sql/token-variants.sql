-- The vocabulary entries that are the same word as :token once trimmed, NFKC-normalized and case-folded
-- (' dog', 'dog', ' Dog', ' DOG'), per checkpoint. Reads the small tokens table, never neuron_tokens.
SELECT checkpoint, token_id, token
FROM tokens
WHERE token_norm(token) = token_norm(:token)
ORDER BY checkpoint, token_id

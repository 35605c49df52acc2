-- The vocabulary entries that are the same word as :token once trimmed, NFKC-normalized and case-folded
-- (' dog', 'dog', ' Dog', ' DOG'), per checkpoint. Reads the small tokens table, never neuron_tokens; its norm
-- column is token_norm(token), stored sorted so that this filter reads one row group.
SELECT checkpoint, token_id, token
FROM tokens
WHERE norm = token_norm(:token)

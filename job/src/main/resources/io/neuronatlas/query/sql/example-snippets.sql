-- Each neuron's top example (kind 'max', rank 1) as a short snippet: up to 8 tokens before the token that fires it
-- most, that token in [brackets], up to 4 after, and the id of its corpus document when it has one
-- (document_id: "… (id a-17)"). find-token, top-neurons and profile add it as an 'example' column
-- when the atlas has examples (the examples command); joined on (checkpoint, layer, expert, neuron), expert null-safe.
SELECT checkpoint, CAST(layer AS INT) AS layer, expert, neuron,
       concat(array_join(slice(tokens, greatest(1, position - window_start - 7),
                               least(8, position - window_start)), ''),
              '[', token, ']',
              array_join(slice(tokens, position - window_start + 2, 4), ''),
              coalesce(concat(' (id ', document_id, ')'), '')) AS example
FROM neuron_examples
WHERE kind = 'max' AND rank = 1

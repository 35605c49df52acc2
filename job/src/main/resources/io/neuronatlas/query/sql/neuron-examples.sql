-- A neuron's top examples from the examples command, :examples of each kind ('max': the documents that fire it
-- most, 'min': most negatively), each as example-snippets.sql cuts it: up to 8 tokens before the firing token, the
-- token in [brackets], up to 4 after. Examples are per (layer, expert, index): the same for the neuron's gate, up and
-- down; :expert is '' for a dense MLP (expert null), and an expert's examples are tokens routed to it.
SELECT checkpoint, kind, rank, activation,
       concat(array_join(slice(tokens, greatest(1, position - window_start - 7),
                               least(8, position - window_start)), ''),
              '[', token, ']',
              array_join(slice(tokens, position - window_start + 2, 4), '')) AS example,
       file, document
FROM neuron_examples
WHERE CAST(layer AS INT) = :layer AND coalesce(expert, '') = :expert AND neuron = :neuron AND rank <= :examples
ORDER BY checkpoint, kind, rank

package io.neuronatlas.compute;

/**
 * How far one neuron moved from the base checkpoint to the other ({@code neuron_drift}'s row, less base and the
 * partition columns).
 *
 * @param weightCos       cosine of the two weight vectors (1 for a zero vector in both)
 * @param topKJaccardPos  |A∩B| / |A∪B| of the '+' top-k token sets
 * @param topKJaccardNeg  the same of the '−' sets
 */
public record NeuronDrift(int neuron, double weightCos, float normBase, float norm, double kl, double klReverse,
                          double jsDistance, boolean topTokenKept, double topKJaccardPos, double topKJaccardNeg,
                          int topTokenIdBase, int topTokenId, int bottomTokenIdBase, int bottomTokenId) {
}

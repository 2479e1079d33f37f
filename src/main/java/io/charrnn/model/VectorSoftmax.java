package io.charrnn.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SoftmaxCrossEntropy}'s exponentials with the vector API and {@link VectorLstmKernel#exp} (the same bits in
 * a cold and a warm JVM): at 6,000 symbols a batch of 32 x 50 takes ten million of them. Loaded only when the
 * {@code jdk.incubator.vector} module is present ({@link LstmKernel#VECTOR_AVAILABLE}).
 */
final class VectorSoftmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorSoftmax() {
    }

    /** row[j] = exp(row[j] - max) over [from, to); returns their sum. */
    static float exponentiate(float[] row, int from, int to, float max) {
        FloatVector shift = FloatVector.broadcast(S, max);
        FloatVector sums = FloatVector.zero(S);
        int j = from;
        for (; j + S.length() <= to; j += S.length()) {
            FloatVector e = VectorLstmKernel.exp(FloatVector.fromArray(S, row, j).sub(shift));
            e.intoArray(row, j);
            sums = sums.add(e);
        }
        if (j < to) {
            var lanes = S.indexInRange(j, to);
            FloatVector e = VectorLstmKernel.exp(FloatVector.fromArray(S, row, j, lanes).sub(shift));
            e.intoArray(row, j, lanes);
            sums = sums.add(e, lanes);
        }
        // Lane by lane in a fixed order: reduceLanes(ADD) leaves the order of a float sum to the implementation.
        float sum = 0;
        for (int i = 0; i < S.length(); i++) {
            sum += sums.lane(i);
        }
        return sum;
    }
}

package io.charrnn.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The softmax's row loops with the JDK's vector API, for {@link SoftmaxRows}: at 6,000 symbols the
 * scalar exp loop ran ~18 ns an element and took a third of a training step, the bias and scaling loops a sixth.
 * Loaded only where the {@code jdk.incubator.vector} module is present ({@link LstmKernel#VECTOR_AVAILABLE}).
 *
 * <p>The exp is {@link FloatExp#exp}'s computation lane by lane, written out in the loop rather than called:
 * calling {@link VectorLstmKernel#exp} from here as well made the JIT stop inlining it into the LSTM's gate loops,
 * which then ran the vector API's Java fallbacks (8% slower in all). The lanes' sums are added in a fixed order,
 * not by the vector API's reduction, whose order may differ between the JIT and its fallback.
 */
final class VectorSoftmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorSoftmax() {
    }

    /** row[from + j] += bias[j] for every symbol j; returns the largest (a maximum is exact in any order). */
    static float addBias(float[] row, int from, float[] bias) {
        FloatVector maxes = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (int end = S.loopBound(bias.length); j < end; j += S.length()) {
            FloatVector v = FloatVector.fromArray(S, row, from + j).add(FloatVector.fromArray(S, bias, j));
            v.intoArray(row, from + j);
            maxes = maxes.max(v);
        }
        float max = maxes.reduceLanes(VectorOperators.MAX);
        for (; j < bias.length; j++) {
            float v = row[from + j] + bias[j];
            row[from + j] = v;
            max = Math.max(max, v);
        }
        return max;
    }

    /** row[from + j] *= scale for every symbol j, each result added to sums[j]. */
    static void scaleInto(float[] row, int from, float scale, float[] sums) {
        int j = 0;
        for (int end = S.loopBound(sums.length); j < end; j += S.length()) {
            FloatVector p = FloatVector.fromArray(S, row, from + j).mul(scale);
            p.intoArray(row, from + j);
            FloatVector.fromArray(S, sums, j).add(p).intoArray(sums, j);
        }
        for (; j < sums.length; j++) {
            float p = row[from + j] * scale;
            row[from + j] = p;
            sums[j] += p;
        }
    }

    /** row[j] = exp(row[j] - max) over [from, to); returns their sum. */
    static float exponentiate(float[] row, int from, int to, float max) {
        FloatVector shift = FloatVector.broadcast(S, max);
        FloatVector sums = FloatVector.zero(S);
        int j = from;
        for (int end = from + S.loopBound(to - from); j < end; j += S.length()) {
            FloatVector e = VectorLstmKernel.exp(FloatVector.fromArray(S, row, j).sub(shift));
            e.intoArray(row, j);
            sums = sums.add(e);
        }
        // Lane by lane, not toArray(): that allocated an array a row (the 6,000-symbol run's softmax rows made ~3%
        // of its samples and of its garbage there); lane(i) is an extract the JIT intrinsifies.
        float sum = 0;
        for (int lane = 0; lane < S.length(); lane++) {
            sum += sums.lane(lane);
        }
        for (; j < to; j++) {
            float e = FloatExp.exp(row[j] - max);
            row[j] = e;
            sum += e;
        }
        return sum;
    }
}

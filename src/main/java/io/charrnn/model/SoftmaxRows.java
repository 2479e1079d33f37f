package io.charrnn.model;

/**
 * Softmax cross-entropy of rows of float logits on the heap, one row at a time, for the float training and scoring
 * passes ({@link SoftmaxCrossEntropy}, {@link AdaptiveCrossEntropy}): the bias added, the largest subtracted, exp
 * and sum, the loss and the gradient in place, with the vector loops of {@link VectorSoftmax} where the module is
 * present. A row is {@code row[from, from + bias.length)}.
 */
final class SoftmaxRows {
    private SoftmaxRows() {
    }

    /**
     * Logits in, p - onehot(target) out (the gradient of the loss with respect to the logits), its sum added to
     * {@code biasGradient}; returns the row's loss, -log p(target), unclamped.
     */
    static double gradient(float[] row, int from, float[] bias, int target, float[] biasGradient) {
        int to = from + bias.length;
        float max = addBias(row, from, bias);
        float targetLogit = row[from + target] - max;
        float sum = exponentiate(row, from, to, max);
        scaleInto(row, from, 1f / sum, biasGradient);
        row[from + target] -= 1f;
        biasGradient[target] -= 1f;
        return Math.log(sum) - targetLogit;
    }

    /** The row's loss, -log p(target), unclamped; the row is left as exp(logit - max). */
    static double loss(float[] row, int from, float[] bias, int target) {
        float max = addBias(row, from, bias);
        float targetLogit = row[from + target] - max;
        return Math.log(exponentiate(row, from, from + bias.length, max)) - targetLogit;
    }

    /** row[from + j] += bias[j] for every symbol j; returns the largest. */
    private static float addBias(float[] row, int from, float[] bias) {
        if (LstmKernel.VECTOR_AVAILABLE) {
            return VectorSoftmax.addBias(row, from, bias);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < bias.length; j++) {
            float v = row[from + j] + bias[j];
            row[from + j] = v;
            max = Math.max(max, v);
        }
        return max;
    }

    /** row[from + j] *= scale for every symbol j, each result added to sums[j]. */
    private static void scaleInto(float[] row, int from, float scale, float[] sums) {
        if (LstmKernel.VECTOR_AVAILABLE) {
            VectorSoftmax.scaleInto(row, from, scale, sums);
            return;
        }
        for (int j = 0; j < sums.length; j++) {
            float p = row[from + j] * scale;
            row[from + j] = p;
            sums[j] += p;
        }
    }

    /** row[j] = exp(row[j] - max) over [from, to); returns their sum. */
    private static float exponentiate(float[] row, int from, int to, float max) {
        if (LstmKernel.VECTOR_AVAILABLE) {
            return VectorSoftmax.exponentiate(row, from, to, max);
        }
        float sum = 0;
        for (int j = from; j < to; j++) {
            float e = FloatExp.exp(row[j] - max);
            row[j] = e;
            sum += e;
        }
        return sum;
    }
}

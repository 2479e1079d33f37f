package io.charrnn.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How fast this machine's matrix products run, on this thread, at a model's shapes, and the characters per second
 * they alone would allow: the ceiling for training that model here, whatever the rest costs. Each product is timed
 * as the LSTM kernel calls it ({@link Blas}, the same layouts), its median over several repeats.
 *
 * <p>Floating-point operations per character, for L layers of H units, V symbols and symbol-id input (layer 0's
 * input product is a gather): per step, sequential, with the batch as the only rows (m = batch), the recurrent
 * product forward and its input gradient backward, 2 x 8 H^2 per layer; over a whole segment at once (m = batch x
 * steps), the input product of layers above 0 and its two gradients (3 x 8 H^2), every layer's recurrent weight
 * gradient (8 H^2), and the output layer's product and two gradients (3 x 2 H V).
 */
public final class ProductCeiling {
    private static final int REPEATS = 7;

    private ProductCeiling() {
    }

    /** The measured rates (GFLOP/s), the FLOP per character and the ceiling in characters per second. */
    public static Map<String, Object> measure(int layers, int hidden, int batch, int steps, int vocabulary) {
        int rows = batch * steps;
        long g = 4L * hidden;
        INDArray h = Nd4j.rand(DataType.FLOAT, rows, hidden);
        INDArray z = Nd4j.rand(DataType.FLOAT, rows, g);
        // Weights as DL4J lays out parameters: column-major views.
        INDArray r = Nd4j.rand(DataType.FLOAT, 'f', hidden, g);
        INDArray gradient = Nd4j.create(DataType.FLOAT, new long[]{hidden, g}, 'f');
        INDArray scratch = Nd4j.create(DataType.FLOAT, hidden, g);
        INDArray dh = Nd4j.create(DataType.FLOAT, rows, hidden);
        INDArray out = Nd4j.rand(DataType.FLOAT, 'f', hidden, vocabulary);
        INDArray logits = Nd4j.create(DataType.FLOAT, rows, vocabulary);
        INDArray hStep = h.get(NDArrayIndex.interval(0, batch), NDArrayIndex.all());
        INDArray zStep = z.get(NDArrayIndex.interval(batch, 2 * batch), NDArrayIndex.all());
        INDArray dhStep = dh.get(NDArrayIndex.interval(0, batch), NDArrayIndex.all());
        double stepFlop = 2.0 * batch * hidden * g;
        double wholeFlop = 2.0 * rows * hidden * g;
        double outputFlop = 2.0 * rows * hidden * vocabulary;

        double stepForward = rate(stepFlop, () -> Blas.gemm(hStep, r, zStep, false, false, 1.0, 1.0));
        double stepBackward = rate(stepFlop, () -> Blas.gemm(zStep, r, dhStep, false, true, 1.0, 0.0));
        double wholeForward = rate(wholeFlop, () -> Blas.gemm(h, r, z, false, false, 1.0, 0.0));
        double wholeGradient = rate(wholeFlop, () -> Blas.gemmViaRowMajor(h, z, gradient, true, false, scratch));
        double wholeInputGradient = rate(wholeFlop, () -> Blas.gemm(z, r, dh, false, true, 1.0, 0.0));
        double output = rate(outputFlop, () -> Blas.gemm(h, out, logits, false, false, 1.0, 0.0));
        INDArray square = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        INDArray squareOut = Nd4j.create(DataType.FLOAT, 1024, 1024);
        double peak = rate(2.0 * 1024 * 1024 * 1024, () -> Blas.gemm(square, square, squareOut, false, false, 1, 0));

        Flop f = Flop.perCharacter(layers, hidden, vocabulary);
        double secondsPerChar = f.stepForward / (stepForward * 1e9) + f.stepBackward / (stepBackward * 1e9)
                + f.segmentForward / (wholeForward * 1e9) + f.segmentWeightGradient / (wholeGradient * 1e9)
                + f.segmentInputGradient / (wholeInputGradient * 1e9) + f.output / (output * 1e9);
        double flopPerChar = f.total();
        double perStep = f.stepForward + f.stepBackward;

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("chars_per_sec_ceiling", Math.round(1 / secondsPerChar));
        m.put("flop_per_char", Math.round(flopPerChar));
        m.put("per_step_share_of_flop", perStep / flopPerChar);
        Map<String, Object> gflops = new LinkedHashMap<>();
        gflops.put("per_step_forward", stepForward);
        gflops.put("per_step_backward", stepBackward);
        gflops.put("segment_forward", wholeForward);
        gflops.put("segment_weight_gradient", wholeGradient);
        gflops.put("segment_input_gradient", wholeInputGradient);
        gflops.put("output_layer", output);
        gflops.put("sgemm_1024", peak);
        m.put("gflops", gflops);
        m.put("shapes", Map.of("layers", layers, "hidden", hidden, "batch", batch, "steps", steps,
                "vocabulary", vocabulary));
        return m;
    }

    /** Floating-point operations per character of each kind of product (see the class comment). */
    record Flop(double stepForward, double stepBackward, double segmentForward, double segmentWeightGradient,
                double segmentInputGradient, double output) {
        static Flop perCharacter(int layers, int hidden, int vocabulary) {
            double h2 = 8.0 * hidden * hidden;
            return new Flop(layers * h2, layers * h2, (layers - 1) * h2, (layers - 1) * h2 + layers * h2,
                    (layers - 1) * h2, 3 * 2.0 * hidden * vocabulary);
        }

        double total() {
            return stepForward + stepBackward + segmentForward + segmentWeightGradient + segmentInputGradient
                    + output;
        }
    }

    /** GFLOP/s of a product of the given size: the median of {@link #REPEATS} timings of about 0.1 s each (at 50 GFLOP/s). */
    private static double rate(double flop, Runnable product) {
        int calls = (int) Math.max(3, Math.min(10_000, 1e10 / flop / 2));
        for (int i = 0; i < calls; i++) {
            product.run();
        }
        List<Double> rates = new ArrayList<>();
        for (int repeat = 0; repeat < REPEATS; repeat++) {
            long start = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                product.run();
            }
            rates.add(flop * calls / (System.nanoTime() - start));
        }
        Collections.sort(rates);
        return rates.get(REPEATS / 2);
    }
}

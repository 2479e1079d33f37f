// java -cp <charrnn's classpath>:<Intel MKL's JavaCPP jars> submit/PackedProducts.java [STEPS]: the LSTM's per-step
// recurrent products on this thread, at the shapes the kernel calls them (h [B, H] times the recurrent weights
// [H, 4H] forward, gate gradients [B, 4H] times their transpose backward), through OpenBLAS (what the project runs),
// MKL's sgemm, MKL's packed sgemm (the weights packed once a segment of STEPS steps, default 50, that packing's
// time shared among the segment's calls) and MKL's bf16 products with fp32 sums (weights packed once a segment as
// for fp32, each step's rows rounded to bf16 inside the timing). Prints GFLOP/s, the median of 7 timings of about
// 0.1 s each, and the bf16 products' largest error relative to the largest fp32 result. Issue 35's question: does a
// product path other than OpenBLAS pay on this CPU? submit/bench-packed-products.sh fetches MKL and runs this.
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.mkl.global.mkl_rt;
import org.bytedeco.openblas.global.openblas;

import java.util.Arrays;
import java.util.Random;

public class PackedProducts {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    private static final int PACKED = 151;
    private static final int B_MATRIX = 162;

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        openblas.blas_set_num_threads(1);
        mkl_rt.MKL_Set_Num_Threads(1);
        byte[] version = new byte[256];
        mkl_rt.MKL_Get_Version_String(version, version.length);
        System.out.println("# " + new String(version).trim() + "; " + openblas.OPENBLAS_VERSION.trim()
                + "; one thread each; segment of " + steps + " steps");
        System.out.println("| H | B | forward: OpenBLAS | MKL | MKL packed | MKL bf16 packed | backward: OpenBLAS | MKL"
                + " | MKL packed | MKL bf16 packed | bf16 error |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Random random = new Random(1);
        for (int hidden : new int[]{128, 256, 512}) {
            int g = 4 * hidden;
            // The recurrent weights as DL4J lays them out: [H, 4H] column-major, i.e. [4H, H] row-major.
            float[] weights = uniform(random, g * hidden);
            FloatPointer r = new FloatPointer(weights);
            ShortPointer rBf16 = new ShortPointer(bf16(weights));
            for (int batch : new int[]{4, 8, 16, 32, 64}) {
                Shapes s = new Shapes(hidden, batch, random);
                // Forward: z [B, 4H] += h [B, H] times r^T; backward: dh [B, H] = dz [B, 4H] times r.
                double[] forward = rates(batch, g, hidden, TRANS, s.h, s.hBf16, 1f, s.z, r, rBf16, steps, s);
                double[] backward = rates(batch, hidden, g, NO_TRANS, s.dz, s.dzBf16, 0f, s.dh, r, rBf16, steps, s);
                double error = s.bf16Error(r, rBf16, g);
                StringBuilder line = new StringBuilder("| " + hidden + " | " + batch + " |");
                for (double[] direction : new double[][]{forward, backward}) {
                    for (double v : direction) {
                        line.append(String.format(" %.1f |", v));
                    }
                }
                System.out.println(line.append(String.format(" %.1e |", error)));
            }
        }
    }

    /**
     * GFLOP/s of c [m, n] = a [m, k] times op(r) + beta c through OpenBLAS, MKL, MKL packed and MKL bf16 packed, where
     * r is the recurrent weights [4H, H] row-major (leading dimension H either way) and op(r) r^T or r.
     */
    private static double[] rates(int m, int n, int k, int transR, FloatPointer a, ShortPointer aBf16, float beta,
                                  FloatPointer c, FloatPointer r, ShortPointer rBf16, int steps, Shapes s) {
        int ldr = s.hidden;
        double flop = 2.0 * m * n * k;
        double openBlas = rate(flop, () -> openblas.cblas_sgemm(ROW_MAJOR, NO_TRANS, transR, m, n, k, 1f, a, k, r,
                ldr, beta, c, n));
        double mkl = rate(flop, () -> mkl_rt.cblas_sgemm(ROW_MAJOR, NO_TRANS, transR, m, n, k, 1f, a, k, r, ldr,
                beta, c, n));
        FloatPointer packed = new FloatPointer(mkl_rt.cblas_sgemm_pack_get_size(B_MATRIX, m, n, k) / 4);
        double mklPacked = rate(flop, steps,
                () -> mkl_rt.cblas_sgemm_pack(ROW_MAJOR, B_MATRIX, transR, m, n, k, 1f, r, ldr, packed),
                () -> mkl_rt.cblas_sgemm_compute(ROW_MAJOR, NO_TRANS, PACKED, m, n, k, a, k, packed, ldr, beta, c, n));
        ShortPointer packedBf16 = packBf16(m, n, k, transR, rBf16, ldr);
        double bf16 = rate(flop, steps, () -> packBf16(m, n, k, transR, rBf16, ldr, packedBf16), () -> {
            s.roundRows(a, aBf16, m * k);
            mkl_rt.cblas_gemm_bf16bf16f32_compute(ROW_MAJOR, NO_TRANS, PACKED, m, n, k, 1f, aBf16, k, packedBf16, ldr,
                    beta, c, n);
        });
        return new double[]{openBlas, mkl, mklPacked, bf16};
    }

    /** A buffer for r packed as MKL's bf16 products take it, filled. */
    private static ShortPointer packBf16(int m, int n, int k, int transR, ShortPointer rBf16, int ldr) {
        ShortPointer packed = new ShortPointer(mkl_rt.cblas_gemm_bf16bf16f32_pack_get_size(B_MATRIX, m, n, k) / 2);
        packBf16(m, n, k, transR, rBf16, ldr, packed);
        return packed;
    }

    private static void packBf16(int m, int n, int k, int transR, ShortPointer rBf16, int ldr, ShortPointer packed) {
        mkl_rt.cblas_gemm_bf16bf16f32_pack(ROW_MAJOR, B_MATRIX, transR, m, n, k, rBf16, ldr, packed);
    }

    /** One shape's activations: step rows h and gate gradients dz (fp32 and a bf16 copy), and the outputs. */
    private static final class Shapes {
        final int hidden;
        final int batch;
        final FloatPointer h;
        final FloatPointer z;
        final FloatPointer dz;
        final FloatPointer dh;
        final ShortPointer hBf16;
        final ShortPointer dzBf16;
        private float[] heap = new float[0];
        private short[] heapBf16 = new short[0];

        Shapes(int hidden, int batch, Random random) {
            this.hidden = hidden;
            this.batch = batch;
            h = new FloatPointer(uniform(random, batch * hidden));
            z = new FloatPointer(uniform(random, batch * 4 * hidden));
            dz = new FloatPointer(uniform(random, batch * 4 * hidden));
            dh = new FloatPointer((long) batch * hidden);
            hBf16 = new ShortPointer((long) batch * hidden);
            dzBf16 = new ShortPointer((long) batch * 4 * hidden);
        }

        /** Rounds {@code n} floats to bf16 as a kernel would each step: through the heap, in bulk both ways. */
        void roundRows(FloatPointer from, ShortPointer to, int n) {
            if (heap.length < n) {
                heap = new float[n];
                heapBf16 = new short[n];
            }
            from.get(heap, 0, n);
            for (int i = 0; i < n; i++) {
                heapBf16[i] = bf16(heap[i]);
            }
            to.put(heapBf16, 0, n);
        }

        /** Largest |bf16 - fp32| of the forward product over the largest |fp32| element. */
        double bf16Error(FloatPointer r, ShortPointer rBf16, int g) {
            int n = batch * g;
            ShortPointer packedBf16 = packBf16(batch, g, hidden, TRANS, rBf16, hidden);
            FloatPointer exact = new FloatPointer((long) n);
            FloatPointer approx = new FloatPointer((long) n);
            openblas.cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, batch, g, hidden, 1f, h, hidden, r, hidden, 0f, exact, g);
            roundRows(h, hBf16, batch * hidden);
            mkl_rt.cblas_gemm_bf16bf16f32_compute(ROW_MAJOR, NO_TRANS, PACKED, batch, g, hidden, 1f, hBf16, hidden,
                    packedBf16, hidden, 0f, approx, g);
            float[] e = new float[n];
            float[] a = new float[n];
            exact.get(e);
            approx.get(a);
            double worst = 0;
            double scale = 0;
            for (int i = 0; i < n; i++) {
                worst = Math.max(worst, Math.abs(a[i] - e[i]));
                scale = Math.max(scale, Math.abs(e[i]));
            }
            return worst / scale;
        }
    }

    private static float[] uniform(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextFloat() - 0.5f;
        }
        return x;
    }

    private static short[] bf16(float[] x) {
        short[] y = new short[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = bf16(x[i]);
        }
        return y;
    }

    /** Round to nearest even, as AVX512-BF16's conversions do (no NaNs here). */
    private static short bf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    private static double rate(double flop, Runnable product) {
        return rate(flop, 0, () -> { }, product);
    }

    /**
     * GFLOP/s of {@code product}, the median of 7 timings; with {@code steps > 0}, {@code pack} runs before every
     * {@code steps} products inside the timing, as a kernel would pack the weights once a segment.
     */
    private static double rate(double flop, int steps, Runnable pack, Runnable product) {
        int enough = (int) Math.max(3, Math.min(20_000, 5e9 / flop));
        // Whole segments when packing is timed.
        int calls = steps > 0 ? Math.max(steps, enough / steps * steps) : enough;
        Runnable timed = () -> {
            for (int i = 0; i < calls; i++) {
                if (steps > 0 && i % steps == 0) {
                    pack.run();
                }
                product.run();
            }
        };
        timed.run();
        double[] rates = new double[7];
        for (int repeat = 0; repeat < rates.length; repeat++) {
            long start = System.nanoTime();
            timed.run();
            rates[repeat] = flop * calls / (System.nanoTime() - start);
        }
        Arrays.sort(rates);
        return rates[rates.length / 2];
    }
}

package io.charrnn.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The gate arithmetic for float networks with the JDK's vector API, 8 or 16 lanes at a time (the scalar
 * {@code Math.exp} loop took a third of a training step). Loaded only when the {@code jdk.incubator.vector} module
 * is present (see {@link LstmKernel#create}).
 *
 * <p>exp, and tanh and the sigmoid through it, are computed here from additions, multiplications, fused
 * multiply-adds and exponent bits, never with the vector API's own EXP and TANH: those run the JIT's math library
 * once a method is compiled and a Java fallback before, which differ in the last bit, so a resumed job (a fresh,
 * cold JVM) trained to other bits than the uninterrupted one. Basic IEEE operations round alike in both.
 */
final class VectorLstmKernel extends LstmKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector: layers with fewer units take the scalar kernel (the cell update's vectors are whole). */
    static final int LANES = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector MINUS_TWO = FloatVector.broadcast(S, -2f);

    private FloatBuffer zBuf;
    private FloatBuffer hBuf;
    private FloatBuffer dhBuf;
    private FloatBuffer epsBuf;
    private FloatBuffer biasBuf;

    private float[] gates;
    private float[] cells;
    private float[] tanhCells;
    private float[] zt;
    private float[] ht;
    private float[] dhRec;
    private float[] dcNext;
    private float[] dz;
    private float[] eps;
    private float[] db;

    /**
     * Minibatches of at most this many rows take the per-step recurrent products here ({@link FewRowProducts}),
     * whatever the layer's size; up to {@link #CACHED_ROWS} rows too while the recurrent weights fit in
     * {@link #CACHED_FLOATS}. Larger ones take OpenBLAS's. Measured one after another on one core (1-minute runs,
     * 2026-12-06, Zen 5, BENCHMARKS.md "Small minibatches"): here against OpenBLAS, 4 rows x 128 units 26.0k against
     * 16.1k chars/s, 8 x 256 9.9k against 7.2k, 4 x 512 1.59k against 1.21k; 32 x 128 44.5k against 37.2k,
     * 64 x 128 50.4k against 46.5k; but 32 x 256 (1 MB of weights) 11.5k against 12.5k. With the weights packed
     * (2026-12-08, AVX2 EPYC, pairs one after the other): 16 x 256 7.2k and 6.9k against 5.7k and 6.2k, 16 x 512
     * 1.82k and 1.79k against 1.66k and 1.58k; 32 x 256 8.3k against 9.2k, 32 x 512 2.6k, 2.2k and 2.0k against
     * 2.4k, 2.2k and 2.2k.
     */
    static final int FEW_ROWS = 16;
    static final int CACHED_ROWS = 64;
    static final int CACHED_FLOATS = 64 * 1024;
    /** The recurrent weights [hidden][4 hidden], and transposed, packed for the products taken here. */
    private float[] recurrent;
    private float[] recurrentTransposed;
    private INDArray recurrentRowMajor;
    /** The recurrent weights row-major, on the heap: what is packed. */
    private float[] rowMajor;
    private boolean recurrentHere;
    private boolean recurrentHereKept;

    VectorLstmKernel(int nIn, int hidden, boolean idInput) {
        super(nIn, hidden, DataType.FLOAT, idInput);
    }

    @Override
    protected void allocate(int chunk) {
        int bh = batch * hidden;
        zBuf = z.data().asNioFloat();
        hBuf = hRows.data().asNioFloat();
        gates = new float[stepSlots(chunk) * bh * 4];
        tanhCells = new float[stepSlots(chunk) * bh];
        cells = new float[cellSlots(chunk) * bh];
        zt = new float[bh * 4];
        ht = new float[bh];
        if (keeping) {
            dhBuf = dhRecurrent.data().asNioFloat();
            epsBuf = epsRows.data().asNioFloat();
            biasBuf = biasGradient.data().asNioFloat();
            dhRec = new float[bh];
            dcNext = new float[bh];
            dz = new float[bh * 4];
            eps = new float[chunk * bh];
            db = new float[4 * hidden];
        }
    }

    @Override
    protected boolean takeRecurrentProducts(INDArray r, int time, boolean keep) {
        int g = 4 * hidden;
        boolean few = batch <= FEW_ROWS || (batch <= CACHED_ROWS && (long) hidden * g <= CACHED_FLOATS);
        recurrentHere = few && time > 1 && FewRowProducts.fits(g)
                && (!keep || FewRowProducts.fits(hidden));
        if (keep) {
            recurrentHereKept = recurrentHere;
        }
        if (!recurrentHere) {
            return false;
        }
        if (recurrentRowMajor == null) {
            recurrentRowMajor = org.nd4j.linalg.factory.Nd4j.create(DataType.FLOAT, hidden, g);
            rowMajor = new float[hidden * g];
            recurrent = new float[hidden * g];
            recurrentTransposed = new float[hidden * g];
        }
        recurrentRowMajor.assign(r);
        recurrentRowMajor.data().asNioFloat().get(0, rowMajor, 0, rowMajor.length);
        FewRowProducts.pack(rowMajor, hidden, g, recurrent);
        if (keep) {
            FewRowProducts.packTransposed(rowMajor, hidden, g, recurrentTransposed);
        }
        return true;
    }

    @Override
    protected boolean recurrentProductsTaken() {
        return recurrentHereKept;
    }

    @Override
    protected void setInitialCell(INDArray c0) {
        int bh = batch * hidden;
        if (c0 == null) {
            Arrays.fill(cells, 0, bh, 0f);
        } else {
            contiguous(c0).data().asNioFloat().get(0, cells, 0, bh);
        }
    }

    @Override
    protected void forwardStep(int s, int t) {
        int h = hidden;
        int bh = batch * h;
        int prevCell = previousCellSlot(t) * bh;
        int curCell = cellSlot(t) * bh;
        int gateBase = stepSlot(t) * bh * 4;
        int tanhBase = stepSlot(t) * bh;
        // The gate functions and the cell update in methods of their own, each one compilation (conf/jvm-options
        // keeps C2 from inlining them here): with all six exps in one loop body C2 stopped inlining at its
        // node-count cutoff, and every vector passed to the calls it left was boxed on the heap (~30 GB a minute
        // at 2 x 128).
        zBuf.get(s * bh * 4, gates, gateBase, bh * 4);
        if (recurrentHere && s > 0) {
            // ht still holds step s - 1's outputs.
            FewRowProducts.addProduct(ht, 0, batch, h, recurrent, 4 * h, gates, gateBase);
        }
        for (int e = 0; e < batch; e++) {
            int zb = gateBase + e * 4 * h;
            tanhInPlace(gates, zb, zb + h);
            sigmoidInPlace(gates, zb + h, zb + 4 * h);
        }
        cellUpdate(gateBase, prevCell, curCell, tanhBase);
        hBuf.put(s * bh, ht, 0, bh);
    }

    /** The cells, their tanh and the outputs of a step from its gates (in their slot from {@code gateBase}). */
    private void cellUpdate(int gateBase, int prevCell, int curCell, int tanhBase) {
        int h = hidden;
        int lanes = S.length();
        for (int e = 0; e < batch; e++) {
            int zb = gateBase + e * 4 * h;
            int cb = e * h;
            for (int j0 = 0; j0 < h; j0 += lanes) {
                // Whole vectors, the last one overlapping the one before when h is no multiple of the lanes: a
                // unit's update reads nothing another writes, so overlapped units get the same values twice.
                int j = Math.min(j0, h - lanes);
                FloatVector a = FloatVector.fromArray(S, gates, zb + j);
                FloatVector f = FloatVector.fromArray(S, gates, zb + h + j);
                FloatVector o = FloatVector.fromArray(S, gates, zb + 2 * h + j);
                FloatVector g = FloatVector.fromArray(S, gates, zb + 3 * h + j);
                FloatVector c = f.mul(FloatVector.fromArray(S, cells, prevCell + cb + j)).add(g.mul(a));
                FloatVector tc = tanh(c);
                c.intoArray(cells, curCell + cb + j);
                tc.intoArray(tanhCells, tanhBase + cb + j);
                o.mul(tc).intoArray(ht, cb + j);
            }
        }
    }

    /** x[i] = tanh(x[i]) over [from, to): whole vectors, then the scalar tanh of the same bits. */
    private static void tanhInPlace(float[] x, int from, int to) {
        int i = from;
        for (; i + LANES <= to; i += LANES) {
            tanh(FloatVector.fromArray(S, x, i)).intoArray(x, i);
        }
        for (; i < to; i++) {
            x[i] = FloatExp.tanh(x[i]);
        }
    }

    /** x[i] = sigmoid(x[i]) over [from, to), as {@link #tanhInPlace}. */
    private static void sigmoidInPlace(float[] x, int from, int to) {
        int i = from;
        for (; i + LANES <= to; i += LANES) {
            sigmoid(FloatVector.fromArray(S, x, i)).intoArray(x, i);
        }
        for (; i < to; i++) {
            x[i] = FloatExp.sigmoid(x[i]);
        }
    }

    @Override
    protected void startBackward(int time) {
        epsBuf.get(0, eps, 0, time * batch * hidden);
        Arrays.fill(dcNext, 0f);
        Arrays.fill(dhRec, 0f);
        Arrays.fill(db, 0f);
    }

    @Override
    protected void backwardStep(int t, boolean addRecurrent) {
        int h = hidden;
        int bh = batch * h;
        if (addRecurrent && !recurrentHereKept) {
            dhBuf.get(0, dhRec, 0, bh);
        }
        int gateBase = t * bh * 4;
        int stepBase = t * bh;
        // Whole vectors, then a scalar tail of the same operations in the same order (the same bits): masked
        // loads and stores have no intrinsic on AVX2, and their fallback boxed every vector of the loop on the heap.
        int whole = h - h % LANES;
        for (int e = 0; e < batch; e++) {
            int zb = e * 4 * h;
            int cb = e * h;
            for (int j = 0; j < whole; j += LANES) {
                int i = cb + j;
                int gi = gateBase + zb + j;
                FloatVector a = FloatVector.fromArray(S, gates, gi);
                FloatVector f = FloatVector.fromArray(S, gates, gi + h);
                FloatVector o = FloatVector.fromArray(S, gates, gi + 2 * h);
                FloatVector g = FloatVector.fromArray(S, gates, gi + 3 * h);
                FloatVector tc = FloatVector.fromArray(S, tanhCells, stepBase + i);
                FloatVector previousCell = FloatVector.fromArray(S, cells, stepBase + i);
                FloatVector dh = FloatVector.fromArray(S, eps, stepBase + i).add(FloatVector.fromArray(S, dhRec, i));
                FloatVector dc = FloatVector.fromArray(S, dcNext, i).add(dh.mul(o).mul(ONE.sub(tc.mul(tc))));
                dc.mul(f).intoArray(dcNext, i);
                FloatVector dzA = dc.mul(g).mul(ONE.sub(a.mul(a)));
                FloatVector dzF = dc.mul(previousCell).mul(f).mul(ONE.sub(f));
                FloatVector dzO = dh.mul(tc).mul(o).mul(ONE.sub(o));
                FloatVector dzG = dc.mul(a).mul(g).mul(ONE.sub(g));
                dzA.intoArray(dz, zb + j);
                dzF.intoArray(dz, zb + h + j);
                dzO.intoArray(dz, zb + 2 * h + j);
                dzG.intoArray(dz, zb + 3 * h + j);
                FloatVector.fromArray(S, db, j).add(dzA).intoArray(db, j);
                FloatVector.fromArray(S, db, h + j).add(dzF).intoArray(db, h + j);
                FloatVector.fromArray(S, db, 2 * h + j).add(dzO).intoArray(db, 2 * h + j);
                FloatVector.fromArray(S, db, 3 * h + j).add(dzG).intoArray(db, 3 * h + j);
            }
            for (int j = whole; j < h; j++) {
                int i = cb + j;
                int gi = gateBase + zb + j;
                float a = gates[gi];
                float f = gates[gi + h];
                float o = gates[gi + 2 * h];
                float g = gates[gi + 3 * h];
                float tc = tanhCells[stepBase + i];
                float dh = eps[stepBase + i] + dhRec[i];
                float dc = dcNext[i] + dh * o * (1f - tc * tc);
                dcNext[i] = dc * f;
                float dzA = dc * g * (1f - a * a);
                float dzF = dc * cells[stepBase + i] * f * (1f - f);
                float dzO = dh * tc * o * (1f - o);
                float dzG = dc * a * g * (1f - g);
                dz[zb + j] = dzA;
                dz[zb + h + j] = dzF;
                dz[zb + 2 * h + j] = dzO;
                dz[zb + 3 * h + j] = dzG;
                db[j] += dzA;
                db[h + j] += dzF;
                db[2 * h + j] += dzO;
                db[3 * h + j] += dzG;
            }
        }
        zBuf.put(t * bh * 4, dz, 0, bh * 4);
        if (recurrentHereKept) {
            // The recurrent gradient for step t - 1 (the step before the first one is not asked for it).
            Arrays.fill(dhRec, 0, bh, 0f);
            FewRowProducts.addProduct(dz, 0, batch, 4 * h, recurrentTransposed, h, dhRec, 0);
        }
    }

    @Override
    protected void finishBackward() {
        biasBuf.put(0, db, 0, 4 * hidden);
    }

    @Override
    protected void lastState(INDArray output, INDArray cell) {
        int bh = batch * hidden;
        output.data().asNioFloat().put(0, ht, 0, bh);
        cell.data().asNioFloat().put(0, cells, cellSlot(lastTime - 1) * bh, bh);
    }

    static FloatVector sigmoid(FloatVector x) {
        return ONE.div(exp(x.neg()).add(ONE));
    }

    /**
     * tanh(x): (1 - e) / (1 + e) with e = exp(-2|x|), which cannot overflow, and the sign of x; below |x| = 0.3,
     * where 1 - e would cancel, its Taylor series to x^11 (error under 1e-9 there).
     */
    static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector e = exp(a.mul(MINUS_TWO));
        FloatVector far = ONE.sub(e).div(ONE.add(e));
        far = far.blend(far.neg(), x.compare(VectorOperators.LT, 0f));
        FloatVector x2 = x.mul(x);
        FloatVector p = FloatVector.broadcast(S, -1382f / 155925f)
                .fma(x2, FloatVector.broadcast(S, 62f / 2835f))
                .fma(x2, FloatVector.broadcast(S, -17f / 315f))
                .fma(x2, FloatVector.broadcast(S, 2f / 15f))
                .fma(x2, FloatVector.broadcast(S, -1f / 3f));
        FloatVector near = x.mul(x2).fma(p, x);
        return far.blend(near, a.compare(VectorOperators.LT, 0.3f));
    }

    /** exp(x), {@link FloatExp#exp} lane by lane. */
    static FloatVector exp(FloatVector x) {
        FloatVector v = x.max(FloatExp.LOWEST).min(FloatExp.HIGHEST);
        FloatVector rounded = v.fma(FloatVector.broadcast(S, FloatExp.LOG2E),
                FloatVector.broadcast(S, FloatExp.ROUNDER));
        FloatVector n = rounded.sub(FloatExp.ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(S, -FloatExp.LN2_HI), v);
        r = n.fma(FloatVector.broadcast(S, -FloatExp.LN2_LO), r);
        FloatVector p = FloatVector.broadcast(S, FloatExp.P0)
                .fma(r, FloatVector.broadcast(S, FloatExp.P1))
                .fma(r, FloatVector.broadcast(S, FloatExp.P2))
                .fma(r, FloatVector.broadcast(S, FloatExp.P3))
                .fma(r, FloatVector.broadcast(S, FloatExp.P4))
                .fma(r, FloatVector.broadcast(S, FloatExp.P5));
        FloatVector er = p.mul(r.mul(r)).add(r).add(ONE);
        // 2^n from the bits of n + 1.5 * 2^23, whose low mantissa bits hold n: the same integer as converting n,
        // but JDK 17 runs the vector API's float-to-int conversion in Java (a fifth of a training step).
        IntVector bits = rounded.reinterpretAsInts().sub(FloatExp.ROUNDER_BITS - 127)
                .lanewise(VectorOperators.LSHL, 23);
        return er.mul(bits.reinterpretAsFloats());
    }
}

package io.charrnn.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The gate arithmetic in plain Java doubles: for double networks (the gradient checks), and for float networks
 * where the JDK's vector module is not available. Float buffers are widened on the way in.
 */
final class ScalarLstmKernel extends LstmKernel {
    private Transfer zIo;
    private Transfer hIo;
    private Transfer dhIo;
    private Transfer epsIo;
    private Transfer biasIo;

    private double[] gates;
    private double[] cells;
    private double[] tanhCells;
    private double[] zt;
    private double[] ht;
    private double[] dhRec;
    private double[] dcNext;
    private double[] dz;
    private double[] eps;
    private double[] db;

    ScalarLstmKernel(int nIn, int hidden, DataType type, boolean idInput) {
        super(nIn, hidden, type, idInput);
    }

    @Override
    protected void allocate(int chunk) {
        int bh = batch * hidden;
        zIo = Transfer.of(z);
        hIo = Transfer.of(hRows);
        gates = new double[stepSlots(chunk) * bh * 4];
        tanhCells = new double[stepSlots(chunk) * bh];
        cells = new double[cellSlots(chunk) * bh];
        zt = new double[bh * 4];
        ht = new double[bh];
        if (keeping) {
            dhIo = Transfer.of(dhRecurrent);
            epsIo = Transfer.of(epsRows);
            biasIo = Transfer.of(biasGradient);
            dhRec = new double[bh];
            dcNext = new double[bh];
            dz = new double[bh * 4];
            eps = new double[chunk * bh];
            db = new double[4 * hidden];
        }
    }

    @Override
    protected void setInitialCell(INDArray c0) {
        int bh = batch * hidden;
        if (c0 == null) {
            Arrays.fill(cells, 0, bh, 0.0);
        } else {
            Transfer.of(contiguous(c0)).read(0, cells, 0, bh);
        }
    }

    @Override
    protected void forwardStep(int s, int t) {
        int h = hidden;
        int bh = batch * h;
        zIo.read(s * bh * 4, zt, 0, bh * 4);
        int prevCell = previousCellSlot(t) * bh;
        int curCell = cellSlot(t) * bh;
        int gateBase = stepSlot(t) * bh * 4;
        int tanhBase = stepSlot(t) * bh;
        for (int e = 0; e < batch; e++) {
            int zb = e * 4 * h;
            int cb = e * h;
            for (int j = 0; j < h; j++) {
                double a = tanh(zt[zb + j]);
                double f = sigmoid(zt[zb + h + j]);
                double o = sigmoid(zt[zb + 2 * h + j]);
                double g = sigmoid(zt[zb + 3 * h + j]);
                double c = f * cells[prevCell + cb + j] + g * a;
                double tc = tanh(c);
                int gi = gateBase + zb + j;
                gates[gi] = a;
                gates[gi + h] = f;
                gates[gi + 2 * h] = o;
                gates[gi + 3 * h] = g;
                cells[curCell + cb + j] = c;
                tanhCells[tanhBase + cb + j] = tc;
                ht[cb + j] = o * tc;
            }
        }
        hIo.write(ht, 0, s * bh, bh);
    }

    @Override
    protected void startBackward(int time) {
        epsIo.read(0, eps, 0, time * batch * hidden);
        Arrays.fill(dcNext, 0.0);
        Arrays.fill(dhRec, 0.0);
        Arrays.fill(db, 0.0);
    }

    @Override
    protected void backwardStep(int t, boolean addRecurrent) {
        int h = hidden;
        int bh = batch * h;
        if (addRecurrent) {
            dhIo.read(0, dhRec, 0, bh);
        }
        int gateBase = t * bh * 4;
        for (int e = 0; e < batch; e++) {
            int zb = e * 4 * h;
            int cb = e * h;
            for (int j = 0; j < h; j++) {
                int i = cb + j;
                int gi = gateBase + zb + j;
                double a = gates[gi];
                double f = gates[gi + h];
                double o = gates[gi + 2 * h];
                double g = gates[gi + 3 * h];
                double tc = tanhCells[t * bh + i];
                double previousCell = cells[t * bh + i];
                double dh = eps[t * bh + i] + dhRec[i];
                double dc = dcNext[i] + dh * o * (1 - tc * tc);
                dcNext[i] = dc * f;
                double dzA = dc * g * (1 - a * a);
                double dzF = dc * previousCell * f * (1 - f);
                double dzO = dh * tc * o * (1 - o);
                double dzG = dc * a * g * (1 - g);
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
        zIo.write(dz, 0, t * bh * 4, bh * 4);
    }

    @Override
    protected void finishBackward() {
        biasIo.write(db, 0, 0, 4 * hidden);
    }

    @Override
    protected void lastState(INDArray output, INDArray cell) {
        int bh = batch * hidden;
        Transfer.of(output).write(ht, 0, 0, bh);
        Transfer.of(cell).write(cells, cellSlot(lastTime - 1) * bh, 0, bh);
    }

    private static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    private static double tanh(double x) {
        return 1.0 - 2.0 / (Math.exp(2.0 * x) + 1.0);
    }

    /** Bulk copies between a contiguous native array (offset 0, row-major) and Java doubles. */
    private abstract static class Transfer {
        abstract void read(int from, double[] dst, int off, int n);

        abstract void write(double[] src, int off, int to, int n);

        static Transfer of(INDArray a) {
            if (a.dataType() == DataType.FLOAT) {
                return new FloatTransfer(a.data().asNioFloat());
            }
            return new DoubleTransfer(a.data().asNioDouble());
        }
    }

    private static final class FloatTransfer extends Transfer {
        private final FloatBuffer buffer;
        private float[] scratch = new float[0];

        FloatTransfer(FloatBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        void read(int from, double[] dst, int off, int n) {
            float[] s = scratch(n);
            buffer.get(from, s, 0, n);
            for (int i = 0; i < n; i++) {
                dst[off + i] = s[i];
            }
        }

        @Override
        void write(double[] src, int off, int to, int n) {
            float[] s = scratch(n);
            for (int i = 0; i < n; i++) {
                s[i] = (float) src[off + i];
            }
            buffer.put(to, s, 0, n);
        }

        private float[] scratch(int n) {
            if (scratch.length < n) {
                scratch = new float[n];
            }
            return scratch;
        }
    }

    private static final class DoubleTransfer extends Transfer {
        private final DoubleBuffer buffer;

        DoubleTransfer(DoubleBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        void read(int from, double[] dst, int off, int n) {
            buffer.get(from, dst, off, n);
        }

        @Override
        void write(double[] src, int off, int to, int n) {
            buffer.put(to, src, off, n);
        }
    }
}

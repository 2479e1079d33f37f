package io.charrnn.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * The arithmetic of one LSTM layer over a minibatch, time-major: row {@code t * batch + b} of every buffer is example
 * b at step t. Matrix products run natively; the gate functions, cell update and their derivatives run here, in
 * double precision, over Java copies of one time step. Buffers live outside DL4J's workspaces and are reused while
 * the batch shape stays the same.
 *
 * <p>Gate blocks of a 4H row, in DL4J's order: a (block input, tanh), f (forget), o (output), g (input gate);
 * c(t) = f c(t-1) + g a, h(t) = o tanh(c(t)).
 */
final class LstmKernel {
    /** Steps per pass when nothing is kept for backprop, so evaluating long windows needs bounded memory. */
    private static final int INFERENCE_CHUNK = 64;

    private final int nIn;
    private final int hidden;
    private final DataType type;

    private int batch = -1;
    private int capacity = -1;
    private boolean keeping;

    private INDArray xRows;
    private INDArray z;
    private INDArray hRows;
    private INDArray hInit;
    private INDArray dhRecurrent;
    private INDArray epsRows;
    private INDArray dxRows;
    private INDArray biasGradient;
    private INDArray[] zStep;
    private INDArray[] hStep;
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

    /** Shape of the kept forward pass. */
    private int keptTime;
    private boolean keptInitialState;
    private int lastTime;

    LstmKernel(int nIn, int hidden, DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("FusedLstm computes in FLOAT or DOUBLE, not " + type);
        }
        this.nIn = nIn;
        this.hidden = hidden;
        this.type = type;
    }

    /**
     * Runs the layer over x ([batch, nIn, time], or [batch, nIn] for one step) from the given state (null: zeros)
     * into out ([batch, hidden, time] or [batch, hidden]); with keep, holds what {@link #backward} needs.
     */
    void forward(INDArray x, INDArray w, INDArray r, INDArray b, INDArray h0, INDArray c0, boolean keep,
                 INDArray out) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            boolean oneStep = x.rank() == 2;
            int bsz = (int) x.size(0);
            int time = oneStep ? 1 : (int) x.size(2);
            int chunk = keep ? time : Math.min(time, INFERENCE_CHUNK);
            ensure(bsz, chunk, keep);
            int bh = bsz * hidden;
            boolean hasPrevious = h0 != null;
            if (hasPrevious) {
                hInit.assign(h0);
                read(c0, cells, 0, bh);
            } else {
                java.util.Arrays.fill(cells, 0, bh, 0.0);
            }
            keptInitialState = hasPrevious;
            for (int t0 = 0; t0 < time; t0 += chunk) {
                int len = Math.min(chunk, time - t0);
                INDArray xr = rows(xRows, len);
                if (oneStep) {
                    xr.assign(x);
                } else {
                    xr.reshape('c', len, bsz, nIn).assign(
                            x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(t0, t0 + len))
                                    .permute(2, 0, 1));
                }
                INDArray zr = rows(z, len);
                Nd4j.gemm(xr, w, zr, false, false, 1.0, 0.0);
                zr.addiRowVector(b);
                for (int s = 0; s < len; s++) {
                    if (s > 0) {
                        Nd4j.gemm(hStep[s - 1], r, zStep[s], false, false, 1.0, 1.0);
                    } else if (hasPrevious) {
                        Nd4j.gemm(hInit, r, zStep[0], false, false, 1.0, 1.0);
                    }
                    zIo.read(s * bh * 4, zt, 0, bh * 4);
                    step(t0 + s, keep ? s : 0);
                    hIo.write(ht, 0, s * bh, bh);
                }
                INDArray hr = rows(hRows, len);
                if (oneStep) {
                    out.assign(hr);
                } else {
                    out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(t0, t0 + len))
                            .assign(hr.reshape('c', len, bsz, hidden).permute(1, 2, 0));
                }
                if (t0 + len < time) {
                    hInit.assign(hStep[len - 1]);
                    hasPrevious = true;
                }
            }
            keptTime = keep ? time : -1;
            lastTime = time;
        }
    }

    /** Gates, cell and output of one step from the pre-activations in {@code zt}; t is global, slot local. */
    private void step(int t, int slot) {
        int h = hidden;
        int bh = batch * h;
        int prevCell = keeping ? slot * bh : (t & 1) * bh;
        int curCell = keeping ? (slot + 1) * bh : ((t + 1) & 1) * bh;
        int gateBase = slot * bh * 4;
        int tanhBase = slot * bh;
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
    }

    /** Puts the output and cell of the last step of the latest forward pass into a state map, detached. */
    void lastState(Map<String, INDArray> state, String outputKey, String cellKey) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            int bh = batch * hidden;
            int t = lastTime - 1;
            int cell = keeping ? (t + 1) * bh : ((t + 1) & 1) * bh;
            state.put(outputKey, array(ht, 0, bh));
            state.put(cellKey, array(cells, cell, bh));
        }
    }

    /**
     * Gradients of the kept forward pass for the loss gradient eps w.r.t. its output: writes dL/dW, dL/dR, dL/db
     * into the given views and dL/dx into epsOut. With backwardLength > 0 only that many last steps propagate back
     * (truncated BPTT).
     */
    void backward(INDArray epsilon, INDArray w, INDArray r, int backwardLength, INDArray gW, INDArray gR,
                  INDArray gB, INDArray epsOut) {
        if (keptTime < 0) {
            throw new IllegalStateException("backward without a kept forward pass");
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            int time = keptTime;
            int bh = batch * hidden;
            int start = backwardLength > 0 ? Math.max(0, time - backwardLength) : 0;
            INDArray er = rows(epsRows, time);
            if (epsilon.rank() == 2) {
                er.assign(epsilon);
            } else {
                er.reshape('c', time, batch, hidden).assign(epsilon.permute(2, 0, 1));
            }
            epsIo.read(0, eps, 0, time * bh);
            java.util.Arrays.fill(dcNext, 0.0);
            java.util.Arrays.fill(dhRec, 0.0);
            java.util.Arrays.fill(db, 0.0);
            for (int t = time - 1; t >= start; t--) {
                if (t < time - 1) {
                    dhIo.read(0, dhRec, 0, bh);
                }
                stepBack(t);
                zIo.write(dz, 0, t * bh * 4, bh * 4);
                if (t > start) {
                    Nd4j.gemm(zStep[t], r, dhRecurrent, false, true, 1.0, 0.0);
                }
            }
            if (start > 0) {
                rows(z, start).assign(0);
            }
            INDArray zr = rows(z, time);
            Nd4j.gemm(rows(xRows, time), zr, gW, true, false, 1.0, 0.0);
            if (time > 1) {
                Nd4j.gemm(rows(hRows, time - 1), zr.get(NDArrayIndex.interval(batch, time * batch), NDArrayIndex.all()),
                        gR, true, false, 1.0, 0.0);
            }
            if (keptInitialState) {
                Nd4j.gemm(hInit, zStep[0], gR, true, false, 1.0, time > 1 ? 1.0 : 0.0);
            } else if (time == 1) {
                gR.assign(0);
            }
            biasIo.write(db, 0, 0, 4 * hidden);
            gB.assign(biasGradient);
            INDArray dx = rows(dxRows, time);
            Nd4j.gemm(zr, w, dx, false, true, 1.0, 0.0);
            if (epsOut.rank() == 2) {
                epsOut.assign(dx);
            } else {
                epsOut.assign(dx.reshape('c', time, batch, nIn).permute(1, 2, 0));
            }
            keptTime = -1;
        }
    }

    /** Pre-activation gradients of step t into {@code dz}, from the output gradient and the carried cell gradient. */
    private void stepBack(int t) {
        int h = hidden;
        int bh = batch * h;
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
    }

    private void ensure(int bsz, int chunk, boolean keep) {
        if (bsz == batch && chunk == capacity && keep == keeping) {
            return;
        }
        batch = bsz;
        capacity = chunk;
        keeping = keep;
        int stepRows = bsz;
        int allRows = chunk * bsz;
        xRows = Nd4j.create(type, allRows, nIn);
        z = Nd4j.create(type, allRows, 4L * hidden);
        hRows = Nd4j.create(type, allRows, hidden);
        hInit = Nd4j.create(type, stepRows, hidden);
        zStep = new INDArray[chunk];
        hStep = new INDArray[chunk];
        for (int s = 0; s < chunk; s++) {
            zStep[s] = z.get(NDArrayIndex.interval(s * bsz, (s + 1) * bsz), NDArrayIndex.all());
            hStep[s] = hRows.get(NDArrayIndex.interval(s * bsz, (s + 1) * bsz), NDArrayIndex.all());
        }
        zIo = Transfer.of(z);
        hIo = Transfer.of(hRows);
        int bh = bsz * hidden;
        int slots = keep ? chunk : 1;
        gates = new double[slots * bh * 4];
        tanhCells = new double[slots * bh];
        cells = new double[(keep ? chunk + 1 : 2) * bh];
        zt = new double[bh * 4];
        ht = new double[bh];
        if (keep) {
            dhRecurrent = Nd4j.create(type, stepRows, hidden);
            epsRows = Nd4j.create(type, allRows, hidden);
            dxRows = Nd4j.create(type, allRows, nIn);
            biasGradient = Nd4j.create(type, 1, 4L * hidden);
            dhIo = Transfer.of(dhRecurrent);
            epsIo = Transfer.of(epsRows);
            biasIo = Transfer.of(biasGradient);
            dhRec = new double[bh];
            dcNext = new double[bh];
            dz = new double[bh * 4];
            eps = new double[chunk * bh];
            db = new double[4 * hidden];
        } else {
            dhRecurrent = epsRows = dxRows = biasGradient = null;
            dhIo = epsIo = biasIo = null;
            dhRec = dcNext = dz = eps = db = null;
        }
    }

    /** The rows of the first {@code steps} time steps of a time-major buffer. */
    private INDArray rows(INDArray buffer, int steps) {
        long n = (long) steps * batch;
        return n == buffer.size(0) ? buffer : buffer.get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
    }

    private INDArray array(double[] values, int from, int n) {
        INDArray a = Nd4j.create(type, batch, hidden);
        Transfer.of(a).write(values, from, 0, n);
        return a;
    }

    private void read(INDArray source, double[] dst, int off, int n) {
        INDArray c = Nd4j.create(type, source.shape());
        c.assign(source);
        Transfer.of(c).read(0, dst, off, n);
    }

    static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    static double tanh(double x) {
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

package io.charrnn.model;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * The arithmetic of one LSTM layer over a minibatch, time-major: row {@code t * batch + b} of every buffer is example
 * b at step t. Matrix products run natively, here; the gate functions, cell update and their derivatives run in
 * Java over one time step at a time, in a subclass ({@link VectorLstmKernel} for float networks where the JDK's
 * vector module is present, {@link ScalarLstmKernel} otherwise). Buffers live outside DL4J's workspaces and are
 * reused while the batch shape stays the same.
 *
 * <p>Gate blocks of a 4H row, in DL4J's order: a (block input, tanh), f (forget), o (output), g (input gate);
 * c(t) = f c(t-1) + g a, h(t) = o tanh(c(t)).
 *
 * <p>With symbol ids as input ([batch, 1, time], each value a row of W), the input product is a gather of W's rows and
 * its weight gradient a scatter-add into them: the same numbers as with one-hot input, but memory and time per step
 * no longer grow with the vocabulary (one-hot rows of a 6,000-symbol corpus took 24 KB per character). A pass asks
 * its {@link InputRows} for the distinct rows it touches only, and hands back their gradients only: copying the
 * whole table each pass (12 MB at 6,000 symbols x 4 x 128) cost a fifth of a 6,000-symbol run's time.
 */
abstract class LstmKernel {
    /** Steps per pass when nothing is kept for backprop, so evaluating long windows needs bounded memory. */
    private static final int INFERENCE_CHUNK = 64;
    /** Whether float networks use the vector kernel: the module is present and not switched off. */
    static final boolean VECTOR_AVAILABLE = !"false".equals(System.getProperty("charrnn.lstm.vector"))
            && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    static {
        // The kernels read ND4J's buffers through FloatBuffer, whose only subclass loaded when C2 first compiles them
        // is DirectFloatBufferU; C2 then inlines its methods unguarded and makes the code depend on that. The first
        // other kind loaded later (a checkpoint's little-endian view of its bytes, in training) throws all of that code
        // away, and until C2 has compiled it again C1's code boxes every vector (JFR counted 1.1 GB of boxed vectors
        // in the ten seconds after one such event). With the other kinds loaded first C2 guards on the class it saw
        // instead, which costs a compare.
        FloatBuffer.allocate(1);
        ByteBuffer.allocate(Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        ByteBuffer.allocate(Float.BYTES).order(ByteOrder.BIG_ENDIAN).asFloatBuffer();
    }

    protected final int nIn;
    protected final int hidden;
    protected final DataType type;
    /** Whether the input holds symbol ids (rows of W) rather than nIn features per step. */
    private final boolean idInput;

    protected int batch = -1;
    private int capacity = -1;
    protected boolean keeping;

    private INDArray xRows;
    /** With id input: the symbol of each time-major row of the current pass. */
    private int[] ids;
    /** With id input: the pass's distinct symbols, ascending ({@link #touchedCount} of them)... */
    private int[] touched;
    private int touchedCount;
    /** ... each row's index among them ... */
    private int[] slots;
    /** ... (by symbol: its index during a pass, else -1) ... */
    private int[] slotOf;
    /** ... and their input rows, then their gradients: [touched, 4H], C order. */
    private INDArray touchedRows;
    /** Heap copies of pre-activation rows and of the touched rows, for the id input's gather and scatter. */
    private float[] rowScratch;
    private float[] touchedScratch;
    /** Pre-activations in the forward pass; their gradients in the backward pass. */
    protected INDArray z;
    protected INDArray hRows;
    private INDArray hInit;
    protected INDArray dhRecurrent;
    protected INDArray epsRows;
    private INDArray dxRows;
    protected INDArray biasGradient;
    /** Row-major scratch for the weight gradients, see {@link Blas#gemmViaRowMajor}. */
    private INDArray inputGradientRows;
    private INDArray recurrentGradientRows;
    private INDArray[] zStep;
    private INDArray[] hStep;

    /** Steps of the kept forward pass, or -1 when there is none. */
    private int keptTime = -1;
    private boolean keptInitialState;
    protected int lastTime;

    protected LstmKernel(int nIn, int hidden, DataType type, boolean idInput) {
        this.nIn = nIn;
        this.hidden = hidden;
        this.type = type;
        this.idInput = idInput;
    }

    static LstmKernel create(int nIn, int hidden, DataType type, boolean allowVector, boolean idInput) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("FusedLstm computes in FLOAT or DOUBLE, not " + type);
        }
        if (type == DataType.FLOAT && allowVector && VECTOR_AVAILABLE && hidden >= VectorLstmKernel.LANES) {
            return new VectorLstmKernel(nIn, hidden, idInput);
        }
        return new ScalarLstmKernel(nIn, hidden, type, idInput);
    }

    /** Sizes the Java-side storage for the current batch; {@code chunk} steps are kept when keeping. */
    protected abstract void allocate(int chunk);

    /** Sets the cell state before step 0 (slot 0 of the cells) from c0, or to zeros when c0 is null. */
    protected abstract void setInitialCell(INDArray c0);

    /** Step t (global) from the pre-activations in z rows of local step s; writes h into hRows at step s. */
    protected abstract void forwardStep(int s, int t);

    /** Reads the output gradient from epsRows and clears the carried gradients. */
    protected abstract void startBackward(int time);

    /** Pre-activation gradients of step t into z rows of step t; adds the recurrent gradient when asked. */
    protected abstract void backwardStep(int t, boolean addRecurrent);

    /**
     * Whether this kernel computes the per-step recurrent products of the coming forward pass itself (adding
     * {@code h(s-1) r} into step s's pre-activations in {@link #forwardStep} for s > 0, and, when keeping, the
     * recurrent gradient for the step before in {@link #backwardStep}); if so it takes what it needs of r now.
     * Otherwise they are OpenBLAS products into the z and dhRecurrent rows.
     */
    protected boolean takeRecurrentProducts(INDArray r, int time, boolean keep) {
        return false;
    }

    /** Whether the kept forward pass's recurrent products, and so its backward ones, are the kernel's own. */
    protected boolean recurrentProductsTaken() {
        return false;
    }

    /** Writes the summed bias gradient into {@link #biasGradient}. */
    protected abstract void finishBackward();

    /** Copies the output and the cell of the last step of the latest forward pass into [batch, hidden] arrays. */
    protected abstract void lastState(INDArray output, INDArray cell);

    /** Slot of the Java cell array holding c(t - 1) for step t: kept steps each have one, otherwise two alternate. */
    protected final int previousCellSlot(int t) {
        return keeping ? t : (t & 1);
    }

    protected final int cellSlot(int t) {
        return keeping ? t + 1 : ((t + 1) & 1);
    }

    /** Slot of a step's gates and cell tanh: its own when kept, else one shared slot. */
    protected final int stepSlot(int t) {
        return keeping ? t : 0;
    }

    protected final int cellSlots(int chunk) {
        return keeping ? chunk + 1 : 2;
    }

    protected final int stepSlots(int chunk) {
        return keeping ? chunk : 1;
    }

    /**
     * Runs the layer over x ([batch, nIn, time], or [batch, nIn] for one step; with id input [batch, 1, time] or
     * [batch, 1]) from the given state (null: zeros) into out ([batch, hidden, time] or [batch, hidden]); with keep,
     * holds what {@link #backward} needs. The input weights are w for features, {@code inputRows} for ids (the
     * other one null).
     */
    final void forward(INDArray x, INDArray w, InputRows inputRows, INDArray r, INDArray b, INDArray h0, INDArray c0,
                       boolean keep, INDArray out) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            boolean oneStep = x.rank() == 2;
            int bsz = (int) x.size(0);
            int time = oneStep ? 1 : (int) x.size(2);
            int chunk = keep ? time : Math.min(time, INFERENCE_CHUNK);
            ensure(bsz, chunk, keep);
            boolean hasPrevious = h0 != null;
            if (hasPrevious) {
                hInit.assign(h0);
            }
            setInitialCell(hasPrevious ? c0 : null);
            keptInitialState = hasPrevious;
            float[] symbols = idInput ? symbolsOf(x) : null;
            boolean heapRecurrent = takeRecurrentProducts(r, time, keep);
            for (int t0 = 0; t0 < time; t0 += chunk) {
                int len = Math.min(chunk, time - t0);
                INDArray zr = rows(z, len);
                if (idInput) {
                    for (int s = 0; s < len; s++) {
                        for (int e = 0; e < bsz; e++) {
                            ids[s * bsz + e] = (int) symbols[e * time + t0 + s];
                        }
                    }
                    gatherInputRows(inputRows, b, len);
                } else {
                    INDArray xr = rows(xRows, len);
                    if (oneStep) {
                        xr.assign(x);
                    } else {
                        xr.reshape('c', len, bsz, nIn).assign(
                                x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(t0, t0 + len))
                                        .permute(2, 0, 1));
                    }
                    Blas.gemm(xr, w, zr, false, false, 1.0, 0.0);
                    zr.addiRowVector(b);
                }
                for (int s = 0; s < len; s++) {
                    if (s > 0) {
                        if (!heapRecurrent) {
                            Blas.gemm(hStep[s - 1], r, zStep[s], false, false, 1.0, 1.0);
                        }
                    } else if (hasPrevious) {
                        Blas.gemm(hInit, r, zStep[0], false, false, 1.0, 1.0);
                    }
                    forwardStep(s, t0 + s);
                }
                INDArray hr = rows(hRows, len);
                if (oneStep) {
                    out.assign(hr);
                } else {
                    // The target permuted, not the source: for FusedLstmLayer's time-major outputs both sides are
                    // then contiguous and alike, a straight copy (a strided permute cost ~10 ns per float).
                    out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(t0, t0 + len))
                            .permute(2, 0, 1).assign(hr.reshape('c', len, bsz, hidden));
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

    /** Whether the kernel keeps a forward pass, for {@link #backward}, of an input of x's shape. */
    final boolean holdsForwardOf(INDArray x) {
        return keptTime >= 0 && x.size(0) == batch && keptTime == (x.rank() == 2 ? 1 : x.size(2));
    }

    /** Puts the output and cell of the last step of the latest forward pass into a state map, detached. */
    final void lastState(Map<String, INDArray> state, String outputKey, String cellKey) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray output = Nd4j.create(type, batch, hidden);
            INDArray cell = Nd4j.create(type, batch, hidden);
            lastState(output, cell);
            state.put(outputKey, output);
            state.put(cellKey, cell);
        }
    }

    /**
     * Gradients of the kept forward pass for the loss gradient eps w.r.t. its output: writes dL/dW, dL/dR, dL/db
     * into the given views (dL/dW through {@code inputRows} with id input, gW and w then null) and dL/dx into
     * epsOut. With backwardLength > 0 only that many last steps propagate back (truncated BPTT).
     */
    final void backward(INDArray epsilon, INDArray w, InputRows inputRows, INDArray r, int backwardLength,
                        INDArray gW, INDArray gR, INDArray gB, INDArray epsOut) {
        if (keptTime < 0) {
            throw new IllegalStateException("backward without a kept forward pass");
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            int time = keptTime;
            int start = backwardLength > 0 ? Math.max(0, time - backwardLength) : 0;
            INDArray er = rows(epsRows, time);
            if (epsilon.rank() == 2) {
                er.assign(epsilon);
            } else {
                er.reshape('c', time, batch, hidden).assign(epsilon.permute(2, 0, 1));
            }
            startBackward(time);
            for (int t = time - 1; t >= start; t--) {
                backwardStep(t, t < time - 1);
                if (t > start && !recurrentProductsTaken()) {
                    Blas.gemm(zStep[t], r, dhRecurrent, false, true, 1.0, 0.0);
                }
            }
            if (start > 0) {
                rows(z, start).assign(0);
            }
            INDArray zr = rows(z, time);
            if (idInput) {
                scatterInputGradient(inputRows, time);
            } else {
                Blas.gemmViaRowMajor(rows(xRows, time), zr, gW, true, false, inputGradientRows);
            }
            if (time > 1) {
                Blas.gemmViaRowMajor(rows(hRows, time - 1),
                        zr.get(NDArrayIndex.interval(batch, time * batch), NDArrayIndex.all()), gR, true, false,
                        recurrentGradientRows);
            }
            if (keptInitialState) {
                Blas.gemm(hInit, zStep[0], gR, true, false, 1.0, time > 1 ? 1.0 : 0.0);
            } else if (time == 1) {
                gR.assign(0);
            }
            finishBackward();
            gB.assign(biasGradient);
            if (idInput) {
                // Ids have no gradient; the network's first layer hands this to no one.
                epsOut.assign(0);
                keptTime = -1;
                return;
            }
            INDArray dx = rows(dxRows, time);
            Blas.gemm(zr, w, dx, false, true, 1.0, 0.0);
            if (epsOut.rank() == 2) {
                epsOut.assign(dx);
            } else {
                epsOut.permute(2, 0, 1).assign(dx.reshape('c', time, batch, nIn));
            }
            keptTime = -1;
        }
    }

    private void ensure(int bsz, int chunk, boolean keep) {
        if (bsz == batch && chunk == capacity && keep == keeping) {
            return;
        }
        batch = bsz;
        capacity = chunk;
        keeping = keep;
        int allRows = chunk * bsz;
        if (idInput) {
            ids = new int[allRows];
            slots = new int[allRows];
            touched = new int[allRows];
            if (slotOf == null) {
                slotOf = new int[nIn];
                java.util.Arrays.fill(slotOf, -1);
            }
            touchedRows = Nd4j.create(type, Math.min(allRows, nIn), 4L * hidden);
            xRows = null;
        } else {
            xRows = Nd4j.create(type, allRows, nIn);
        }
        z = Nd4j.create(type, allRows, 4L * hidden);
        hRows = Nd4j.create(type, allRows, hidden);
        hInit = Nd4j.create(type, bsz, hidden);
        zStep = new INDArray[chunk];
        hStep = new INDArray[chunk];
        for (int s = 0; s < chunk; s++) {
            zStep[s] = z.get(NDArrayIndex.interval(s * bsz, (s + 1) * bsz), NDArrayIndex.all());
            hStep[s] = hRows.get(NDArrayIndex.interval(s * bsz, (s + 1) * bsz), NDArrayIndex.all());
        }
        if (keep) {
            dhRecurrent = Nd4j.create(type, bsz, hidden);
            epsRows = Nd4j.create(type, allRows, hidden);
            dxRows = idInput ? null : Nd4j.create(type, allRows, nIn);
            biasGradient = Nd4j.create(type, 1, 4L * hidden);
            inputGradientRows = idInput ? null : Nd4j.create(type, nIn, 4L * hidden);
            recurrentGradientRows = Nd4j.create(type, hidden, 4L * hidden);
        } else {
            dhRecurrent = epsRows = dxRows = biasGradient = inputGradientRows = recurrentGradientRows = null;
        }
        allocate(chunk);
    }

    /** The ids of x ([batch, 1, time] or [batch, 1]) in [batch][time] order, checked against the vocabulary. */
    private float[] symbolsOf(INDArray x) {
        if (x.size(1) != 1) {
            throw new IllegalArgumentException("FusedLstm with id input takes [batch, 1, time], got "
                    + java.util.Arrays.toString(x.shape()));
        }
        float[] symbols = x.dup('c').data().asFloat();
        for (float v : symbols) {
            if (!(v >= 0 && v < nIn) || v != (int) v) {
                throw new IllegalArgumentException("symbol id " + v + " is not one of the " + nIn + " of the layer");
            }
        }
        return symbols;
    }

    /**
     * The distinct symbols of the first n rows in {@link #touched}, ascending, and each row's index among them in
     * {@link #slots}; returns their count.
     */
    private int touch(int n) {
        int count = 0;
        for (int r = 0; r < n; r++) {
            if (slotOf[ids[r]] < 0) {
                slotOf[ids[r]] = 0;
                touched[count++] = ids[r];
            }
        }
        java.util.Arrays.sort(touched, 0, count);
        for (int k = 0; k < count; k++) {
            slotOf[touched[k]] = k;
        }
        for (int r = 0; r < n; r++) {
            slots[r] = slotOf[ids[r]];
        }
        for (int k = 0; k < count; k++) {
            slotOf[touched[k]] = -1;
        }
        return count;
    }

    /**
     * z rows of the first {@code steps} steps = W[id] + b: exactly what the one-hot product and the bias add give
     * (a product with a one-hot row sums zeros and one weight). W's rows come from {@code inputRows}, the pass's
     * distinct ones only. Reads b through its strides, as DL4J hands views of the flat parameter vector. In ND4J a
     * view's NIO buffer starts at its base buffer, so the float path adds {@code offset()}; its DataBuffer indexer
     * starts at the view, so the double path does not.
     */
    private void gatherInputRows(InputRows inputRows, INDArray b, int steps) {
        int n = steps * batch;
        int g = 4 * hidden;
        touchedCount = touch(n);
        INDArray table = touchedRows();
        inputRows.gather(touched, touchedCount, table);
        long b1 = b.stride(b.rank() - 1);
        if (type == DataType.FLOAT) {
            FloatBuffer bb = b.data().asNioFloat();
            long bo = b.offset();
            float[] bias = new float[g];
            for (int j = 0; j < g; j++) {
                bias[j] = bb.get((int) (bo + j * b1));
            }
            float[] weights = touchedScratch = atLeast(touchedScratch, touchedCount * g);
            table.data().asNioFloat().get(0, weights, 0, touchedCount * g);
            float[] rows = rowScratch = atLeast(rowScratch, n * g);
            for (int r = 0; r < n; r++) {
                int row = slots[r] * g;
                int zr = r * g;
                for (int j = 0; j < g; j++) {
                    rows[zr + j] = weights[row + j] + bias[j];
                }
            }
            z.data().asNioFloat().put(0, rows, 0, n * g);
        } else {
            DataBuffer tb = table.data();
            DataBuffer bb = b.data();
            DataBuffer zb = z.data();
            for (int r = 0; r < n; r++) {
                long row = (long) slots[r] * g;
                for (int j = 0; j < g; j++) {
                    zb.put((long) r * g + j, tb.getDouble(row + j) + bb.getDouble(j * b1));
                }
            }
        }
    }

    /** dL/dW for id input: each row's pre-activation gradient (in z) added to the row of its symbol. */
    private void scatterInputGradient(InputRows inputRows, int steps) {
        int n = steps * batch;
        int g = 4 * hidden;
        INDArray table = touchedRows();
        if (type == DataType.FLOAT) {
            float[] gradient = touchedScratch = atLeast(touchedScratch, touchedCount * g);
            java.util.Arrays.fill(gradient, 0, touchedCount * g, 0f);
            float[] rows = rowScratch = atLeast(rowScratch, n * g);
            z.data().asNioFloat().get(0, rows, 0, n * g);
            for (int r = 0; r < n; r++) {
                int row = slots[r] * g;
                int zr = r * g;
                for (int j = 0; j < g; j++) {
                    gradient[row + j] += rows[zr + j];
                }
            }
            table.data().asNioFloat().put(0, gradient, 0, touchedCount * g);
        } else {
            table.assign(0);
            DataBuffer tb = table.data();
            DataBuffer zb = z.data();
            for (int r = 0; r < n; r++) {
                long row = (long) slots[r] * g;
                for (int j = 0; j < g; j++) {
                    tb.put(row + j, tb.getDouble(row + j) + zb.getDouble((long) r * g + j));
                }
            }
        }
        inputRows.scatter(touched, touchedCount, table);
    }

    /** The first {@link #touchedCount} rows of {@link #touchedRows}: a view from its start, offset 0. */
    private INDArray touchedRows() {
        return touchedCount == touchedRows.size(0) ? touchedRows
                : touchedRows.get(NDArrayIndex.interval(0, touchedCount), NDArrayIndex.all());
    }

    /** {@code array}, or a new one when it is missing or shorter than {@code length}: scratch kept across passes. */
    private static float[] atLeast(float[] array, int length) {
        return array != null && array.length >= length ? array : new float[length];
    }

    /** The rows of the first {@code steps} time steps of a time-major buffer. */
    private INDArray rows(INDArray buffer, int steps) {
        long n = (long) steps * batch;
        return n == buffer.size(0) ? buffer : buffer.get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
    }

    /** A contiguous copy of an array with this kernel's type, for reading it as a buffer. */
    protected final INDArray contiguous(INDArray source) {
        INDArray c = Nd4j.create(type, source.shape());
        c.assign(source);
        return c;
    }
}

package io.charrnn.training;

import io.charrnn.corpus.EncodedWindow;
import io.charrnn.model.CharLstm;
import io.charrnn.model.FusedLstm;
import io.charrnn.model.LstmImplementation;
import io.charrnn.model.ModelConfig;
import io.charrnn.model.Minibatches;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.util.Iterator;
import java.util.List;

/**
 * One worker's share of a round: start from the round's state, train on its windows minibatch by minibatch as
 * they stream in, and report the end state with the mean loss of every truncated-BPTT segment it trained on.
 *
 * <p>The network is built once per thread and reused for every round (building one costs more than a small
 * round's compute); everything that training reads from it is replaced from the round's start state first.
 */
public final class RoundWorker {
    private static final ThreadLocal<RoundWorker> PER_THREAD = new ThreadLocal<>();

    private final ModelConfig model;
    private final int vocabularySize;
    private final MultiLayerNetwork net;
    private final SegmentLoss loss = new SegmentLoss();

    private RoundWorker(ModelConfig model, int vocabularySize) {
        this.model = model;
        this.vocabularySize = vocabularySize;
        this.net = CharLstm.create(model, vocabularySize);
        net.addListeners(loss);
    }

    /** This thread's worker for a network shape, built on first use. */
    public static RoundWorker forThread(ModelConfig model, int vocabularySize) {
        RoundWorker w = PER_THREAD.get();
        if (w == null || !w.model.equals(model) || w.vocabularySize != vocabularySize) {
            w = new RoundWorker(model, vocabularySize);
            PER_THREAD.set(w);
        }
        return w;
    }

    public static WorkerResult train(int index, RoundStart start, Iterator<EncodedWindow> windows) {
        return forThread(start.model(), start.vocabularySize()).run(index, start, windows);
    }

    WorkerResult run(int index, RoundStart start, Iterator<EncodedWindow> windows) {
        if (!windows.hasNext()) {
            return WorkerResult.of(index, start.state(), 0, 0, 0, 0, 0);
        }
        long started = System.nanoTime();
        start.applyTo(net);
        // Dropout draws its masks from ND4J's generator of this thread: seeded from the round (the optimizer step it
        // starts at) and the worker, the masks are the same whichever thread or job trains the share, resumed or not.
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(new java.util.SplittableRandom(model.seed()
                ^ ((long) start.state().iteration() << 20) ^ index).nextLong());
        loss.reset();
        long count = 0;
        Iterator<List<EncodedWindow>> batches = Minibatches.group(windows, start.batchSize());
        while (batches.hasNext()) {
            List<EncodedWindow> batch = batches.next();
            loss.beginMinibatch(batch.size(), batch.get(0).length(), model.seqLength());
            net.fit(Minibatches.toDataSet(batch));
            count += batch.size();
        }
        int steps = net.getIterationCount() - start.state().iteration();
        WorkerResult result = WorkerResult.of(index, ModelState.of(net), steps, loss.nats, loss.chars, count,
                (System.nanoTime() - started) / 1e9).withChangeFrom(start.state());
        return model.lstm() == LstmImplementation.FUSED && !FusedLstm.vectorKernel() ? result.ranScalarKernel()
                : result;
    }

    /**
     * Sums the loss of every optimizer step. DL4J scores a step as the segment's summed cross-entropy over the
     * minibatch size, and takes one step per truncated-BPTT segment, the last one of a window perhaps shorter.
     */
    static final class SegmentLoss extends BaseTrainingListener {
        double nats;
        long chars;
        private int batch;
        private int time;
        private int seqLength;
        private int segment;

        void reset() {
            nats = 0;
            chars = 0;
        }

        void beginMinibatch(int batch, int time, int seqLength) {
            this.batch = batch;
            this.time = time;
            this.seqLength = seqLength;
            this.segment = 0;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            int length = Math.min(seqLength, time - segment * seqLength);
            nats += model.score() * batch;
            chars += (long) length * batch;
            segment++;
        }
    }
}

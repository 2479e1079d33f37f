package io.charrnn.training;

import io.charrnn.corpus.EncodedWindow;
import io.charrnn.corpus.LocalCorpus;
import io.charrnn.corpus.UserError;
import io.charrnn.corpus.ValidationSplit;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.corpus.WindowCutter;
import io.charrnn.model.CharLstm;
import io.charrnn.model.LossMeter;
import io.charrnn.model.OneHotBatches;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.List;

/**
 * Trains the same network as the Spark job in this one thread, with no Spark and no parameter averaging: windows of
 * one in-memory text, shuffled per epoch, one minibatch after another. It is the single-core baseline that the
 * benchmark compares Spark runs with; it writes no checkpoints.
 */
public final class SingleProcessTrainer {
    /** What one run measured. */
    public record Result(long charsTrained, double trainSeconds, double epochs, double valLoss, int vocabularySize) {
    }

    private SingleProcessTrainer() {
    }

    public static Result train(TrainConfig config, LocalCorpus corpus) {
        Vocabulary vocabulary = corpus.vocabulary();
        List<EncodedWindow> training = new ArrayList<>();
        List<EncodedWindow> validation = new ArrayList<>();
        new WindowCutter(corpus.runs().iterator(), config.window())
                .forEachRemaining(w -> (w.isValidation() ? validation : training).add(w));
        if (training.isEmpty() || validation.isEmpty()) {
            throw new UserError("the corpus is too small for one training and one validation window of "
                    + config.window() + " characters; lower --window or give a larger corpus");
        }
        MultiLayerNetwork net = CharLstm.create(config.model(), vocabulary.size());
        double budget = config.maxMinutes() * 60;
        long chars = 0;
        long started = System.nanoTime();
        double seconds = 0;
        int epoch = 0;
        long batches = 0;
        long batchesPerEpoch = (training.size() + config.batchSize() - 1) / config.batchSize();
        outer:
        while (epoch < config.epochs()) {
            net.setLearningRate(config.learningRateAt(epoch));
            List<EncodedWindow> order = shuffled(training, config.model().seed(), epoch);
            for (int from = 0; from < order.size(); from += config.batchSize()) {
                List<EncodedWindow> batch = order.subList(from, Math.min(order.size(), from + config.batchSize()));
                net.fit(OneHotBatches.toDataSet(batch, vocabulary.size()));
                chars += (long) batch.size() * config.window();
                batches++;
                seconds = (System.nanoTime() - started) / 1e9;
                if (budget > 0 && seconds >= budget) {
                    break outer;
                }
            }
            epoch++;
        }
        LossMeter loss = new LossMeter();
        long stride = ValidationSplit.subsetStride(validation.size(), config.valMaxChars(), config.window());
        List<EncodedWindow> subset = new ArrayList<>();
        for (int i = 0; i < validation.size(); i += stride) {
            subset.add(validation.get(i));
        }
        for (int from = 0; from < subset.size(); from += config.batchSize()) {
            loss.add(net, subset.subList(from, Math.min(subset.size(), from + config.batchSize())), vocabulary.size());
        }
        return new Result(chars, seconds, (double) batches / batchesPerEpoch, loss.natsPerChar(), vocabulary.size());
    }

    /** The training windows in this epoch's order (the same permutation the Spark job deals windows by). */
    private static List<EncodedWindow> shuffled(List<EncodedWindow> windows, long seed, int epoch) {
        EpochOrder order = new EpochOrder(windows.size(), seed, epoch);
        EncodedWindow[] out = new EncodedWindow[windows.size()];
        for (int i = 0; i < windows.size(); i++) {
            out[(int) order.positionOf(i)] = windows.get(i);
        }
        return List.of(out);
    }
}

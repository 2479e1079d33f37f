package io.charrnn.training;

import io.charrnn.corpus.EncodedWindow;
import io.charrnn.corpus.LocalCorpus;
import io.charrnn.corpus.SymbolRun;
import io.charrnn.corpus.ValidationSplit;
import io.charrnn.corpus.Vocabulary;
import io.charrnn.corpus.WindowCutter;
import io.charrnn.model.LossMeter;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Runs every round in this thread, with no Spark: the corpus in memory, the workers one after another on one
 * network. With one worker it is plain single-process training (the benchmark's single-core baseline); with more
 * it computes exactly what that many parallel workers would, which measures how averaging learns without a
 * cluster, and lets the session be tested in seconds.
 */
public final class LocalRoundRunner implements RoundRunner {
    private final LocalCorpus corpus;
    private final int window;
    private final long valMaxChars;
    private List<EncodedWindow> training;
    private List<EncodedWindow> validation;
    private int orderedEpoch = -1;
    private EncodedWindow[] ordered;

    public LocalRoundRunner(LocalCorpus corpus, int window, long valMaxChars) {
        this.corpus = corpus;
        this.window = window;
        this.valMaxChars = valMaxChars;
    }

    @Override
    public Vocabulary corpusVocabulary() {
        return corpus.vocabulary();
    }

    @Override
    public Windows load(Vocabulary vocabulary) {
        Iterator<SymbolRun> runs = corpus.runs().iterator();
        if (!vocabulary.equals(corpus.vocabulary())) {
            runs = translated(corpus.runs(), corpus.vocabulary(), vocabulary).iterator();
        }
        training = new ArrayList<>();
        List<EncodedWindow> held = new ArrayList<>();
        new WindowCutter(runs, window).forEachRemaining(w -> (w.isValidation() ? held : training).add(w));
        ValidationSplit.Subset subset = ValidationSplit.Subset.of(held.size(), valMaxChars, window,
                LossMeter.CARRY_WINDOWS);
        validation = new ArrayList<>();
        for (int i = 0; i < held.size(); i++) {
            if (subset.keeps(i)) {
                validation.add(subset.afterAGap(i) ? held.get(i).standingAlone() : held.get(i));
            }
        }
        return new Windows(training.size(), validation.size(), subset.stride() > 1);
    }

    /** The corpus in a model's ids; the session has already refused symbols the model cannot map. */
    private static List<SymbolRun> translated(List<SymbolRun> runs, Vocabulary from, Vocabulary to) {
        int[] map = new int[from.size()];
        for (int id = 0; id < map.length; id++) {
            int exact = to.exactIdOf(from.codePointOf(id));
            map[id] = exact >= 0 ? exact : to.unknownId();
        }
        List<SymbolRun> out = new ArrayList<>(runs.size());
        for (SymbolRun r : runs) {
            short[] ids = new short[r.length()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (short) map[r.id(i)];
            }
            out.add(new SymbolRun(r.validation(), r.continues(), ids, ids.length));
        }
        return out;
    }

    @Override
    public int defaultWorkers() {
        return 1;
    }

    @Override
    public WorkerResult train(RoundPlan plan, int epoch, int round, RoundStart start) {
        EncodedWindow[] order = epochOrder(epoch, start.model().seed());
        List<WorkerResult> results = new ArrayList<>(plan.workers());
        for (int worker = 0; worker < plan.workers(); worker++) {
            List<EncodedWindow> share = new ArrayList<>();
            for (long p = plan.firstPosition(round) + worker; p < plan.endPosition(round); p += plan.workers()) {
                share.add(order[(int) p]);
            }
            results.add(RoundWorker.train(worker, start, share.iterator()));
        }
        return WorkerResult.sumAsTree(results);
    }

    /** The training windows by their position in this epoch's order (the order the Spark runner deals). */
    private EncodedWindow[] epochOrder(int epoch, long seed) {
        if (orderedEpoch != epoch) {
            EpochOrder order = new EpochOrder(training.size(), seed, epoch);
            ordered = new EncodedWindow[training.size()];
            for (int i = 0; i < training.size(); i++) {
                ordered[(int) order.positionOf(i)] = training.get(i);
            }
            orderedEpoch = epoch;
        }
        return ordered;
    }

    @Override
    public double validationLoss(MultiLayerNetwork net) {
        LossMeter loss = new LossMeter();
        loss.addAll(net, validation.iterator(), LossMeter.CARRY_LANES, (int) net.layerInputSize(0), true);
        return loss.natsPerChar();
    }

    @Override
    public String describe() {
        return "this process (no Spark), one thread";
    }

    @Override
    public void close() {
    }
}

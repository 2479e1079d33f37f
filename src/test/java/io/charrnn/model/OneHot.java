package io.charrnn.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** One-hot rows of id minibatches, as networks took them before ids: for comparing the two forms. */
final class OneHot {
    private OneHot() {
    }

    /** [batch, 1, time] ids to [batch, vocabulary, time] one-hot rows. */
    static INDArray of(INDArray ids, int vocabulary) {
        long batch = ids.size(0);
        long time = ids.size(2);
        INDArray out = Nd4j.create(ids.dataType(), batch, vocabulary, time);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                out.putScalar(b, ids.getInt(b, 0, t), t, 1.0);
            }
        }
        return out;
    }

    static DataSet of(DataSet ids, int vocabulary) {
        return new DataSet(of(ids.getFeatures(), vocabulary), of(ids.getLabels(), vocabulary));
    }
}

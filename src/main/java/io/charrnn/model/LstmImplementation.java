package io.charrnn.model;

/** Which DL4J layer computes the LSTMs; both have the same parameters, so a run can switch between them. */
public enum LstmImplementation {
    /** {@link FusedLstm}: a few large matrix products and one fused Java loop per step; the default, ~2-3x faster. */
    FUSED,
    /** DL4J's own {@code LSTM} layer, kept for comparison and as a fallback. */
    STOCK
}

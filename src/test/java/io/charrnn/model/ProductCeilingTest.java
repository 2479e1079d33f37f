package io.charrnn.model;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProductCeilingTest {
    /**
     * The FLOP count against the products of one character counted by hand: forward, layer 0's recurrent product,
     * each layer above its input and recurrent products, the output layer's; backward, layer 0's recurrent input
     * gradient and weight gradient, each layer above four (input and recurrent, each an input and a weight
     * gradient), the output layer's two. Each H x 4H product is 8 H^2 FLOP, the output's 2 H V.
     */
    @Test
    void countsEveryProductOfACharacterOnce() {
        for (int layers : new int[]{1, 2, 3}) {
            int hidden = 128;
            int vocabulary = 65;
            double h2 = 8.0 * hidden * hidden;
            double forward = h2 + (layers - 1) * 2 * h2 + 2.0 * hidden * vocabulary;
            double backward = 2 * h2 + (layers - 1) * 4 * h2 + 2 * 2.0 * hidden * vocabulary;
            ProductCeiling.Flop f = ProductCeiling.Flop.perCharacter(layers, hidden, vocabulary);
            assertEquals(forward + backward, f.total(), 1e-6, layers + " layers");
            assertEquals(2 * layers * h2, f.stepForward() + f.stepBackward(), 1e-6, "per-step products");
        }
        // 2 x 128 over 65 symbols: 1.23 MFLOP per character, as BENCHMARKS-LOG.md works it out ("Against the PyTorch reference, and against the machine's ceiling").
        assertEquals(1_229_568, ProductCeiling.Flop.perCharacter(2, 128, 65).total(), 1e-6);
    }

    @Test
    void timesEveryKindOfProduct() {
        Map<String, Object> m = ProductCeiling.measure(2, 8, 4, 3, 5);
        assertEquals(Math.round(ProductCeiling.Flop.perCharacter(2, 8, 5).total()), m.get("flop_per_char"));
        @SuppressWarnings("unchecked")
        Map<String, Object> rates = (Map<String, Object>) m.get("gflops");
        assertEquals(7, rates.size());
        rates.forEach((name, rate) -> assertTrue((double) rate > 0, name));
        assertTrue((long) m.get("chars_per_sec_ceiling") > 0);
    }
}

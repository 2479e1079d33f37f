package io.charrnn.checkpoint;

import io.charrnn.training.Metrics;
import com.fasterxml.jackson.databind.JsonNode;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A run's loss curves as a PNG (train and validation loss against characters seen and against wall time) and a
 * self-contained HTML page with the plot, the latest figures and the latest samples.
 */
public final class RunReport {
    public static final int WIDTH = 1200;
    public static final int HEIGHT = 500;
    private static final int SAMPLES_SHOWN = 5;

    private final List<JsonNode> metrics;
    private final List<JsonNode> samples;
    private final String runUri;

    public RunReport(String runUri, List<JsonNode> metrics, List<JsonNode> samples) {
        this.runUri = runUri;
        this.metrics = metrics;
        this.samples = samples;
    }

    public byte[] png() {
        NumberAxis loss = new NumberAxis("loss (nats/char)");
        loss.setAutoRangeIncludesZero(false);
        CombinedRangeXYPlot plot = new CombinedRangeXYPlot(loss);
        plot.setGap(16);
        plot.add(subplot("characters seen (millions)", Metrics.CHARS, 1e-6, true), 1);
        plot.add(subplot("wall time (minutes)", Metrics.ELAPSED_SECONDS, 1.0 / 60, false), 1);
        JFreeChart chart = new JFreeChart("charrnn " + runUri, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private XYPlot subplot(String label, String xField, double xScale, boolean inLegend) {
        XYSeries train = new XYSeries("train");
        XYSeries validation = new XYSeries("validation");
        for (JsonNode m : metrics) {
            double x = m.path(xField).asDouble() * xScale;
            if (m.path(Metrics.TRAIN_LOSS).isNumber()) {
                train.add(x, m.get(Metrics.TRAIN_LOSS).asDouble());
            }
            if (m.path(Metrics.VAL_LOSS).isNumber()) {
                validation.add(x, m.get(Metrics.VAL_LOSS).asDouble());
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(train);
        data.addSeries(validation);
        NumberAxis xAxis = new NumberAxis(label);
        xAxis.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setSeriesPaint(0, new Color(0x1f77b4));
        renderer.setSeriesPaint(1, new Color(0xd62728));
        renderer.setSeriesShapesVisible(1, true);
        renderer.setSeriesStroke(0, new BasicStroke(1.5f));
        renderer.setSeriesStroke(1, new BasicStroke(2f));
        // Both panels show the same two series: name them once.
        renderer.setSeriesVisibleInLegend(0, inLegend);
        renderer.setSeriesVisibleInLegend(1, inLegend);
        XYPlot plot = new XYPlot(data, xAxis, null, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return plot;
    }

    public String html(byte[] png) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>charrnn report</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 10px;text-align:right}")
                .append("pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}</style></head><body>\n")
                .append("<h1>charrnn run ").append(escape(runUri)).append("</h1>\n");
        if (!metrics.isEmpty()) {
            JsonNode last = metrics.get(metrics.size() - 1);
            double best = Double.NaN;
            for (JsonNode m : metrics) {
                if (m.path(Metrics.VAL_LOSS).isNumber() && !(m.get(Metrics.VAL_LOSS).asDouble() >= best)) {
                    best = m.get(Metrics.VAL_LOSS).asDouble();
                }
            }
            h.append("<table><tr><th>round</th><th>epoch</th><th>characters</th><th>train loss</th>")
                    .append("<th>best validation loss</th><th>chars/s</th></tr>\n<tr>")
                    .append(cell(last, Metrics.ROUND, "%.0f")).append(cell(last, Metrics.EPOCH, "%.2f"))
                    .append(cell(last, Metrics.CHARS, "%,.0f")).append(cell(last, Metrics.TRAIN_LOSS, "%.4f"))
                    .append(String.format(Locale.ROOT, "<td>%.4f nats (%.4f bits)</td>", best, best / Math.log(2)))
                    .append(cell(last, Metrics.CHARS_PER_SEC, "%,.0f")).append("</tr></table>\n");
        } else {
            h.append("<p>No metrics yet.</p>\n");
        }
        h.append("<p><img alt=\"loss curves\" width=\"").append(WIDTH).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\"></p>\n<h2>Latest samples</h2>\n");
        for (int i = samples.size() - 1; i >= Math.max(0, samples.size() - SAMPLES_SHOWN); i--) {
            JsonNode s = samples.get(i);
            h.append(String.format(Locale.ROOT, "<h3>%s (epoch %.2f, validation %.4f)</h3>\n",
                    escape(s.path("checkpoint").asText()), s.path("epoch").asDouble(), s.path("val_loss").asDouble()))
                    .append("<pre>").append(escape(s.path("text").asText())).append("</pre>\n");
        }
        if (samples.isEmpty()) {
            h.append("<p>No samples yet.</p>\n");
        }
        return h.append("</body></html>\n").toString();
    }

    private static String cell(JsonNode node, String field, String format) {
        return node.path(field).isNumber()
                ? "<td>" + String.format(Locale.ROOT, format, node.get(field).asDouble()) + "</td>" : "<td></td>";
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

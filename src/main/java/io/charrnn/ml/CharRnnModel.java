package io.charrnn.ml;

import io.charrnn.checkpoint.Checkpoint;
import io.charrnn.checkpoint.RunDirectory;
import io.charrnn.common.UserError;
import io.charrnn.corpus.TextTable;
import io.charrnn.model.TextScores;
import io.charrnn.training.TrainConfig;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import io.charrnn.model.Sampler;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReadable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * A trained model as a {@code spark.ml} Transformer. Scoring (the default): adds to each row the log-likelihood of
 * its text column under the model, in nats, and the text's nats and bits per character (see {@link TextScores} for
 * what is scored); rows with a null or empty text get nulls. Generation ({@code primeCol} set): adds the text the
 * model writes after each row's prime, drawn with the temperature and top-k given, from a seed per row (its
 * {@code seedCol}, or the seed param and the prime), so the same rows give the same text. The checkpoint is broadcast once per transform; each task scores its rows in
 * groups through the same kernels as training. Saved and loaded with {@code MLWritable}/{@code MLReadable}, alone or
 * inside a {@code PipelineModel}; {@link #fromCheckpoint} makes one from a training run.
 */
public final class CharRnnModel extends Model<CharRnnModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    /** The checkpoint's file inside a saved model's directory. */
    static final String CHECKPOINT_FILE = "checkpoint.zip";

    private final String uid;
    private final byte[] checkpoint;
    private transient Checkpoint loaded;

    private final Param<String> textCol;
    private final Param<String> logLikelihoodCol;
    private final Param<String> natsPerCharCol;
    private final Param<String> bitsPerCharCol;
    private final Param<String> unknownCharsCol;
    private final IntParam groupRows;
    private final Param<String> primeCol;
    private final Param<String> generatedCol;
    private final IntParam length;
    private final DoubleParam temperature;
    private final IntParam topK;
    private final Param<String> seedCol;
    private final LongParam seed;

    CharRnnModel(String uid, byte[] checkpoint) {
        this.uid = uid;
        this.checkpoint = checkpoint;
        textCol = new Param<>(uid, "textCol", "the string column scored");
        logLikelihoodCol = new Param<>(uid, "logLikelihoodCol", "output: the text's log-likelihood in nats");
        natsPerCharCol = new Param<>(uid, "natsPerCharCol", "output: nats per scored character");
        bitsPerCharCol = new Param<>(uid, "bitsPerCharCol", "output: bits per scored character");
        unknownCharsCol = new Param<>(uid, "unknownCharsCol", "output: characters without an id of their own in"
                + " the model's vocabulary (scored as its unknown symbol if it has one, else left out of the score)");
        groupRows = new IntParam(uid, "groupRows", "rows scored side by side in a task (1 or more)");
        setDefault(textCol, "text");
        setDefault(logLikelihoodCol, "log_likelihood");
        setDefault(natsPerCharCol, "nats_per_char");
        setDefault(bitsPerCharCol, "bits_per_char");
        setDefault(unknownCharsCol, "unknown_chars");
        setDefault(groupRows, 32);
        primeCol = new Param<>(uid, "primeCol", "generate instead of score: the string column each row's text"
                + " starts from (null or empty: from a line end)");
        generatedCol = new Param<>(uid, "generatedCol", "output: the text generated after the prime");
        length = new IntParam(uid, "length", "characters generated per row");
        temperature = new DoubleParam(uid, "temperature", "below 1 more conservative, above 1 more surprising");
        topK = new IntParam(uid, "topK", "draw among the k most likely characters only (0: all)");
        seedCol = new Param<>(uid, "seedCol", "a long column whose value seeds each row's draws (unset: the seed"
                + " param and the prime)");
        seed = new LongParam(uid, "seed", "seeds each row's draws with its prime, when seedCol is unset");
        setDefault(generatedCol, "generated");
        setDefault(length, 200);
        setDefault(temperature, 1.0);
        setDefault(topK, 0);
        setDefault(seed, 0L);
    }

    /** The model of a checkpoint: a {@code ckpt_*.zip}, or a run directory (its best checkpoint). */
    public static CharRnnModel fromCheckpoint(String uri, org.apache.hadoop.conf.Configuration conf) {
        String file = RunDirectory.resolveUri(uri, conf);
        Checkpoint c = RunDirectory.load(file, conf, false);
        CharRnnModel model = new CharRnnModel(Identifiable$.MODULE$.randomUID("charrnn"), c.toBytes());
        model.loaded = c;
        return model;
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> textCol() {
        return textCol;
    }

    public Param<String> logLikelihoodCol() {
        return logLikelihoodCol;
    }

    public Param<String> natsPerCharCol() {
        return natsPerCharCol;
    }

    public Param<String> bitsPerCharCol() {
        return bitsPerCharCol;
    }

    public Param<String> unknownCharsCol() {
        return unknownCharsCol;
    }

    public CharRnnModel setUnknownCharsCol(String column) {
        set(unknownCharsCol, column);
        return this;
    }

    public IntParam groupRows() {
        return groupRows;
    }

    private int groupRowsValue() {
        return (Integer) getOrDefault(groupRows); // an IntParam is a Param<Object> to Java
    }

    public Param<String> primeCol() {
        return primeCol;
    }

    public Param<String> generatedCol() {
        return generatedCol;
    }

    public IntParam length() {
        return length;
    }

    public DoubleParam temperature() {
        return temperature;
    }

    public IntParam topK() {
        return topK;
    }

    public Param<String> seedCol() {
        return seedCol;
    }

    public LongParam seed() {
        return seed;
    }

    /** Generates instead of scoring: each row's text starts from this column's. */
    public CharRnnModel setPrimeCol(String column) {
        set(primeCol, column);
        return this;
    }

    public CharRnnModel setGeneratedCol(String column) {
        set(generatedCol, column);
        return this;
    }

    public CharRnnModel setLength(int characters) {
        set(length, characters);
        return this;
    }

    public CharRnnModel setTemperature(double value) {
        set(temperature, value);
        return this;
    }

    public CharRnnModel setTopK(int k) {
        set(topK, k);
        return this;
    }

    public CharRnnModel setSeedCol(String column) {
        set(seedCol, column);
        return this;
    }

    public CharRnnModel setSeed(long value) {
        set(seed, value);
        return this;
    }

    public CharRnnModel setTextCol(String column) {
        set(textCol, column);
        return this;
    }

    public CharRnnModel setLogLikelihoodCol(String column) {
        set(logLikelihoodCol, column);
        return this;
    }

    public CharRnnModel setNatsPerCharCol(String column) {
        set(natsPerCharCol, column);
        return this;
    }

    public CharRnnModel setBitsPerCharCol(String column) {
        set(bitsPerCharCol, column);
        return this;
    }

    public CharRnnModel setGroupRows(int rows) {
        set(groupRows, rows);
        return this;
    }

    /** The checkpoint this model scores with. */
    public Checkpoint checkpoint() {
        if (loaded == null) {
            loaded = Checkpoint.fromBytes(checkpoint, "the model " + uid, false);
        }
        return loaded;
    }

    /** What ends each document: the training table's separator, or a line end for a run on text files. */
    public String separator() {
        TrainConfig train = checkpoint().meta().train();
        return train.table() != null ? train.table().separator() : "\n";
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (groupRowsValue() < 1) {
            throw new UserError("groupRows must be 1 or more, got " + groupRowsValue());
        }
        if (isDefined(primeCol)) {
            stringColumn(schema, getOrDefault(primeCol), "primeCol");
            if (isDefined(seedCol)) {
                StructField field = column(schema, getOrDefault(seedCol), "seedCol");
                if (!(field.dataType() instanceof org.apache.spark.sql.types.IntegralType)) {
                    throw new UserError("column " + field.name() + " is " + field.dataType().simpleString()
                            + ", not an integer; seedCol must be an integer column");
                }
            }
            new Sampler.Strategy((Double) getOrDefault(temperature), (Integer) getOrDefault(topK), false);
            if ((Integer) getOrDefault(length) < 1) {
                throw new UserError("length must be 1 or more, got " + getOrDefault(length));
            }
            return withNewColumns(schema, DataTypes.StringType, getOrDefault(generatedCol));
        }
        return scoredSchema(schema, getOrDefault(textCol), getOrDefault(logLikelihoodCol),
                getOrDefault(natsPerCharCol), getOrDefault(bitsPerCharCol), getOrDefault(unknownCharsCol));
    }

    private static StructField column(StructType schema, String name, String param) {
        return Arrays.stream(schema.fields()).filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new UserError("column " + name + " is not in the data; its columns are "
                        + String.join(", ", schema.fieldNames()) + "; set " + param));
    }

    private static void stringColumn(StructType schema, String name, String param) {
        StructField field = column(schema, name, param);
        if (!(field.dataType() instanceof StringType)) {
            throw new UserError("column " + name + " is " + field.dataType().simpleString() + ", not a string;"
                    + " use a string column, or cast it");
        }
    }

    private static StructType withNewColumns(StructType schema, org.apache.spark.sql.types.DataType type,
                                             String... columns) {
        StructType out = schema;
        for (String column : columns) {
            if (Arrays.asList(schema.fieldNames()).contains(column)) {
                throw new UserError("the data already has a column " + column + "; name the output columns"
                        + " otherwise (CharRnnModel's logLikelihoodCol, natsPerCharCol, bitsPerCharCol,"
                        + " unknownCharsCol, generatedCol)");
            }
            out = out.add(column, type, true);
        }
        return out;
    }

    /**
     * The schema with the score columns added (three doubles and the count of unknown characters), once the text
     * column is checked to be a string column.
     */
    static StructType scoredSchema(StructType schema, String text, String logLikelihood, String natsPerChar,
                                   String bitsPerChar, String unknownChars) {
        stringColumn(schema, text, "textCol (score: --text-column)");
        return withNewColumns(withNewColumns(schema, DataTypes.DoubleType, logLikelihood, natsPerChar, bitsPerChar),
                DataTypes.LongType, unknownChars);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> data = dataset.toDF();
        StructType out = transformSchema(data.schema());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
        Broadcast<byte[]> shipped = jsc.broadcast(checkpoint);
        JavaRDD<Row> rows;
        if (isDefined(primeCol)) {
            int prime = data.schema().fieldIndex(getOrDefault(primeCol));
            int seedColumn = isDefined(seedCol) ? data.schema().fieldIndex(getOrDefault(seedCol)) : -1;
            Generation g = new Generation(prime, seedColumn, (Integer) getOrDefault(length),
                    new Sampler.Strategy((Double) getOrDefault(temperature), (Integer) getOrDefault(topK), false),
                    (Long) getOrDefault(seed));
            rows = data.javaRDD().mapPartitions(it -> generatedRows(it, g, shipped.value()));
        } else {
            int column = data.schema().fieldIndex(getOrDefault(textCol));
            int group = groupRowsValue();
            String separator = separator();
            rows = data.javaRDD().mapPartitions(it -> scoredRows(it, column, group, separator, shipped.value()));
        }
        return data.sparkSession().createDataFrame(rows, out);
    }

    /** What a row's generation needs: its columns, and how and how much to draw. */
    private record Generation(int primeColumn, int seedColumn, int length, Sampler.Strategy strategy, long seed)
            implements java.io.Serializable {
        /** The row's seed: its seed column's value, else the seed param mixed with the prime. */
        long seedOf(Row row, String prime) {
            if (seedColumn >= 0 && !row.isNullAt(seedColumn)) {
                return ((Number) row.get(seedColumn)).longValue();
            }
            return seed * 0x9e3779b97f4a7c15L + prime.hashCode();
        }
    }

    /** Each row with the text generated after its prime (rows one at a time: a draw needs the one before). */
    private static Iterator<Row> generatedRows(Iterator<Row> rows, Generation g, byte[] checkpointBytes) {
        if (!rows.hasNext()) {
            return rows;
        }
        Checkpoint c = Checkpoint.fromBytes(checkpointBytes, "the broadcast model", false);
        Sampler sampler = new Sampler(c.network(), c.meta().vocabulary());
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row r = rows.next();
                String prime = r.isNullAt(g.primeColumn()) ? "" : r.getString(g.primeColumn());
                Object[] values = valuesWithRoom(r, 1);
                try {
                    values[r.length()] = sampler.sample(prime, g.length(), g.strategy(), g.seedOf(r, prime), s -> {
                    });
                } catch (io.charrnn.common.UserError unreadable) {
                    values[r.length()] = null; // a prime with a symbol outside a vocabulary without U+FFFD
                }
                return RowFactory.create(values);
            }
        };
    }

    /** A row's values, then {@code added} nulls for the columns a transform adds. */
    private static Object[] valuesWithRoom(Row row, int added) {
        Object[] values = new Object[row.length() + added];
        for (int j = 0; j < row.length(); j++) {
            values[j] = row.get(j);
        }
        return values;
    }

    /** Scores a task's rows a block at a time (rows of a block are grouped by length), in their order. */
    private static Iterator<Row> scoredRows(Iterator<Row> rows, int column, int group, String separator,
                                            byte[] checkpointBytes) {
        if (!rows.hasNext()) {
            return rows;
        }
        Checkpoint c = Checkpoint.fromBytes(checkpointBytes, "the broadcast model", false);
        TextScores scorer = new TextScores(c.network(), c.meta().vocabulary(), separator, group);
        int block = Math.max(256, group * 8);
        return new Iterator<>() {
            private final List<Row> ready = new ArrayList<>();
            private int next;

            @Override
            public boolean hasNext() {
                if (next == ready.size()) {
                    fill();
                }
                return next < ready.size();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return ready.get(next++);
            }

            private void fill() {
                ready.clear();
                next = 0;
                List<Row> in = new ArrayList<>(block);
                while (in.size() < block && rows.hasNext()) {
                    in.add(rows.next());
                }
                TextScores.Score[] scores = scorer.score(in.stream().map(r -> r.isNullAt(column) ? null
                        : r.getString(column)).toList());
                for (int i = 0; i < in.size(); i++) {
                    Row r = in.get(i);
                    Object[] values = valuesWithRoom(r, 4);
                    TextScores.Score s = scores[i];
                    if (s != null) {
                        values[r.length()] = s.logLikelihood();
                        values[r.length() + 1] = s.natsPerChar();
                        values[r.length() + 2] = s.bitsPerChar();
                        values[r.length() + 3] = s.unknown();
                    }
                    ready.add(RowFactory.create(values));
                }
            }
        };
    }

    @Override
    public CharRnnModel copy(ParamMap extra) {
        CharRnnModel copy = copyValues(new CharRnnModel(uid, checkpoint), extra);
        copy.loaded = loaded;
        return copy.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<CharRnnModel> read() {
        return new Reader();
    }

    public static CharRnnModel load(String path) {
        return read().load(path);
    }

    /** Spark ML's metadata (class, uid, params) and the checkpoint beside it, unchanged. */
    private static final class Writer extends MLWriter {
        private final CharRnnModel model;

        Writer(CharRnnModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
            Path file = new Path(path, CHECKPOINT_FILE);
            try {
                FileSystem fs = file.getFileSystem(sc().hadoopConfiguration());
                try (FSDataOutputStream stream = fs.create(file, false)) {
                    stream.write(model.checkpoint);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }
    }

    private static final class Reader extends MLReader<CharRnnModel> {
        @Override
        public CharRnnModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(),
                    CharRnnModel.class.getName());
            Path file = new Path(path, CHECKPOINT_FILE);
            byte[] bytes;
            try (InputStream in = file.getFileSystem(sc().hadoopConfiguration()).open(file)) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new UserError("cannot read the model's checkpoint " + file + ": " + e.getMessage());
            }
            CharRnnModel model = new CharRnnModel(metadata.uid(), bytes);
            metadata.getAndSetParams(model, Option.empty());
            return model;
        }
    }
}

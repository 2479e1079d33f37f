package io.charrnn.ml;

import io.charrnn.cli.TrainFlags;
import io.charrnn.common.UserError;
import io.charrnn.spark.SparkRoundRunner;
import io.charrnn.spark.TableCorpus;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import io.charrnn.session.NothingToDo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainer as a {@code spark.ml} Estimator: fits a DataFrame's text column (one document per row, as
 * {@code train --text-column} reads a table) in the caller's Spark application, through the same training session,
 * round loop, checkpoints and resume as {@code train}, and gives the run's best checkpoint as a
 * {@link CharRnnModel}. Its params are {@code train}'s flags in camel case ({@code --seq-length} is
 * {@code seqLength}), with the same defaults and checks ({@link TrainFlags}); {@code output}, the run directory,
 * has no default. A fit on a run directory that holds a run with the same settings continues it, as {@code train}
 * does (one that has finished gives its model without training).
 */
public final class CharRnn extends Estimator<CharRnnModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CharRnn.class);
    /** The corpus name runs fitted on a DataFrame record (and compare when one is continued). */
    public static final String CORPUS_NAME = "dataframe";

    private final String uid;
    private final Param<String> textCol;
    /** The train flag each param stands for, by param. */
    private final Map<Param<?>, TrainFlags.Flag> flags = new LinkedHashMap<>();
    private final Map<String, Param<?>> byName = new LinkedHashMap<>();

    public CharRnn() {
        this(Identifiable$.MODULE$.randomUID("charrnn"));
    }

    public CharRnn(String uid) {
        this.uid = uid;
        textCol = new Param<>(uid, "textCol", "the string column trained on, one document per row");
        setDefault(textCol, "text");
        byName.put(textCol.name(), textCol);
        for (TrainFlags.Flag f : TrainFlags.params()) {
            Param<?> p = switch (f.type()) {
                case "int" -> new IntParam(uid, f.param(), f.description());
                case "long" -> new LongParam(uid, f.param(), f.description());
                case "double" -> new DoubleParam(uid, f.param(), f.description());
                case "boolean" -> new BooleanParam(uid, f.param(), f.description());
                default -> new Param<String>(uid, f.param(), f.description());
            };
            flags.put(p, f);
            byName.put(p.name(), p);
            if (f.type().equals("boolean")) {
                setDefaultOf(p, false);
            } else if (f.defaultValue() != null) {
                setDefaultOf(p, typed(f, f.defaultValue()));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void setDefaultOf(Param<?> p, Object value) {
        setDefault((Param<Object>) p, value);
    }

    private static Object typed(TrainFlags.Flag f, String value) {
        return switch (f.type()) {
            case "int" -> Integer.parseInt(value);
            case "long" -> Long.parseLong(value);
            case "double" -> Double.parseDouble(value);
            case "boolean" -> switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException(value);
            };
            default -> value;
        };
    }

    @Override
    public String uid() {
        return uid;
    }

    /** Every param: the text column and one per train flag (found here, not by reflection: they are made). */
    @Override
    public Param<?>[] params() {
        return byName.values().toArray(new Param<?>[0]);
    }

    public Param<String> textCol() {
        return textCol;
    }

    public CharRnn setTextCol(String column) {
        set(textCol, column);
        return this;
    }

    /**
     * Sets a param by name: {@code textCol}, or a train flag in camel case, e.g. {@code setParam("hidden", 256)};
     * numbers may be given as any number or as text, as the flag would read them.
     */
    @SuppressWarnings("unchecked")
    public CharRnn setParam(String name, Object value) {
        Param<Object> p = (Param<Object>) byName.get(name);
        if (p == null) {
            throw new UserError("CharRnn has no param " + name + "; its params are " + String.join(", ",
                    byName.keySet()));
        }
        TrainFlags.Flag f = flags.get(p);
        try {
            set(p, f == null || value == null ? value : typed(f, String.valueOf(value)));
        } catch (IllegalArgumentException notOfItsType) { // NumberFormatException, or a boolean that is not one
            throw new UserError("param " + name + " (" + f.name() + ") takes " + f.type() + " values, got " + value);
        }
        return this;
    }

    /** The run directory (train's --output): where checkpoints go, and where a later fit continues. */
    public CharRnn setOutput(String uri) {
        return setParam("output", uri);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return CharRnnModel.scoredSchema(schema, getOrDefault(textCol), "log_likelihood", "nats_per_char",
                "bits_per_char", "unknown_chars");
    }

    /** The train flags the params that are set ask for ({@code --text-column} from textCol). */
    List<String> trainFlags() {
        List<String> args = new ArrayList<>(List.of("--text-column", getOrDefault(textCol)));
        for (Map.Entry<Param<?>, TrainFlags.Flag> e : flags.entrySet()) {
            if (!isSet(e.getKey())) {
                continue;
            }
            Object value = getOrDefault(e.getKey());
            if (e.getValue().type().equals("boolean")) {
                if ((Boolean) value) {
                    args.add(e.getValue().name());
                }
            } else {
                args.add(e.getValue().name());
                args.add(String.valueOf(value));
            }
        }
        return args;
    }

    @Override
    public CharRnnModel fit(Dataset<?> dataset) {
        Dataset<Row> data = dataset.toDF();
        transformSchema(data.schema());
        if (!isSet(byName.get("output"))) {
            throw new UserError("set output, the run directory (CharRnn.setOutput)");
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
        checkSerializer(jsc.getConf());
        String output = (String) getOrDefault(byName.get("output"));
        try {
            TrainFlags.fit(trainFlags(), CORPUS_NAME, jsc.hadoopConfiguration(), (config, options) ->
                    SparkRoundRunner.within(jsc, config, TableCorpus.of(jsc, data, "the DataFrame", options)));
        } catch (NothingToDo finished) {
            LOG.info("{}; the model is its best checkpoint", finished.getMessage());
        }
        CharRnnModel model = CharRnnModel.fromCheckpoint(output, jsc.hadoopConfiguration())
                .setTextCol(getOrDefault(textCol));
        model.setParent(this);
        return model;
    }

    /** Kryo without the project's registrator cannot carry the records tasks return. */
    private static void checkSerializer(SparkConf conf) {
        if (conf.get("spark.serializer", "").contains("Kryo") && !conf.get("spark.kryo.registrator", "")
                .contains(io.charrnn.spark.KryoRecords.class.getName())) {
            throw new UserError("this session serializes with Kryo: add --conf spark.kryo.registrator="
                    + io.charrnn.spark.KryoRecords.class.getName() + " (or leave Spark's Java serializer)");
        }
    }

    @Override
    public CharRnn copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public MLWriter write() {
        return new MLWriter() {
            @Override
            public void saveImpl(String path) {
                DefaultParamsWriter.saveMetadata(CharRnn.this, path, sc(), Option.empty(), Option.empty());
            }
        };
    }

    public static MLReader<CharRnn> read() {
        return new MLReader<>() {
            @Override
            public CharRnn load(String path) {
                DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(),
                        CharRnn.class.getName());
                CharRnn estimator = new CharRnn(metadata.uid());
                metadata.getAndSetParams(estimator, Option.empty());
                return estimator;
            }
        };
    }

    public static CharRnn load(String path) {
        return read().load(path);
    }
}

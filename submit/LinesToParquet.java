// java -cp <charrnn's classpath> submit/LinesToParquet.java TEXT OUT: the non-empty lines of a text file as a
// Parquet table (id bigint, text string), in their order, in one file: the table a benchmark trains and scores on
// against the text file of the same lines (submit/bench-tables.sh).
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class LinesToParquet {
    public static void main(String[] args) throws Exception {
        List<Row> rows = new ArrayList<>();
        long id = 0;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (!line.isEmpty()) {
                rows.add(RowFactory.create(id++, line));
            }
        }
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
                .getOrCreate();
        try {
            spark.createDataFrame(rows, new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType))
                    .coalesce(1).write().mode("overwrite").parquet(args[1]);
        } finally {
            spark.stop();
        }
    }
}

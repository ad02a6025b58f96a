package org.sam3j.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.trim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Text-prompted segmentation of many images on Spark, as a library:
 *
 * <pre>{@code
 * Dataset<Row> paths = Sam3Spark.imagePaths(spark, "/data/images", null);       // or any table with a "path" column
 * SegmentJobOptions opts = SegmentJobOptions.builder(ModelSpec.checkpoint("/mnt/models/sam3.pt"), "truck")
 *         .threshold(0.5f).build();
 * Sam3Spark.segment(spark, paths, opts).write().parquet("/data/trucks");
 * }</pre>
 *
 * <p>Each executor JVM loads the model once ({@link ExecutorModels}); each partition gets one predictor and
 * segments its images one after another. The result follows {@link #schema()}: one row per instance, best
 * first; an image without any instance above the threshold gives one row with a null {@code instance}, and
 * an image that cannot be read or segmented one row with a null {@code instance} and its {@code error}, so
 * a bad image never fails the job and every input path appears in the output.
 */
public final class Sam3Spark {
    /** Image files above this size are refused (error row) before they are read. */
    public static final long MAX_FILE_BYTES = 256L << 20;
    /** Images above this many pixels on a side are refused (error row): their masks would not fit a task. */
    public static final int MAX_SIDE = 4096;
    /** File extensions (any case) taken from an input directory. */
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "webp", "bmp");

    private Sam3Spark() {}

    /**
     * The output schema: {@code image} string (the path as given), {@code instance} int (rank, 0 = best),
     * {@code score} float, {@code box} struct&lt;x0, y0, x1, y1: float&gt; (pixels of the image as read, EXIF
     * orientation applied), {@code area} long (mask pixels), {@code rle} struct&lt;counts: string, size:
     * array&lt;int&gt;&gt; (COCO's compact RLE, size = [height, width]), {@code error} string.
     */
    public static StructType schema() {
        return ResultRows.SCHEMA;
    }

    /**
     * Segments the images named by {@code paths}'s {@link SegmentJobOptions#pathColumn()} column. Lazy, like
     * any Dataset: each action re-runs the model, so write or persist the result once. The model's files are
     * checked on the driver first (they must be visible there too, as on a shared mount).
     *
     * @throws IllegalArgumentException if the column is missing or not a string, or a model file is missing
     */
    public static Dataset<Row> segment(SparkSession spark, Dataset<Row> paths, SegmentJobOptions options) {
        String column = options.pathColumn();
        StructField field = Arrays.stream(paths.schema().fields()).filter(f -> f.name().equals(column)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the input has no column '" + column + "' (columns: "
                        + String.join(", ", paths.columns()) + ")"));
        if (!(field.dataType() instanceof StringType)) {
            throw new IllegalArgumentException("column '" + column + "' holds " + field.dataType().simpleString()
                    + ", not image paths (string)");
        }
        options.model().checkFiles();
        int partitions = options.partitions() > 0 ? options.partitions() : spark.sparkContext().defaultParallelism();
        Broadcast<SerializableConfiguration> conf = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .broadcast(new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
        return paths.select(col(column))
                .repartition(partitions) // round-robin: images spread evenly over the tasks
                .mapPartitions(new SegmentPartition(options, conf), Encoders.row(ResultRows.SCHEMA));
    }

    /**
     * The image paths of an input, as a one-column ({@code path}) Dataset:
     * <ul>
     *   <li>a name ending in {@code .parquet} (file or directory): a Parquet table; its column {@code column},
     *       or when that is null {@code path}, else {@code image};</li>
     *   <li>a name ending in {@code .txt}: one path per line (blank lines and lines starting with {@code #}
     *       skipped);</li>
     *   <li>otherwise a directory: its {@link #IMAGE_EXTENSIONS image files} (not sub-directories), in name
     *       order.</li>
     * </ul>
     * Any Hadoop file system URI works ({@code hdfs://}, {@code s3a://}, plain local paths).
     *
     * @throws IllegalArgumentException if the input does not exist, the table lacks the column, or the
     *                                  directory holds no image
     */
    public static Dataset<Row> imagePaths(SparkSession spark, String input, String column) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path p = new Path(input);
        FileStatus status;
        try {
            FileSystem fs = p.getFileSystem(conf);
            if (!fs.exists(p)) throw new IllegalArgumentException("input " + input + ": no such file or directory");
            status = fs.getFileStatus(p);
        } catch (IOException e) {
            throw new UncheckedIOException("input " + input + ": " + e.getMessage(), e);
        }
        String lower = input.toLowerCase(Locale.ROOT);
        String out = SegmentJobOptions.DEFAULT_PATH_COLUMN;
        if (lower.endsWith(".parquet") || lower.endsWith(".parquet/")) {
            Dataset<Row> table = spark.read().parquet(input);
            List<String> columns = List.of(table.columns());
            String c = column != null ? column : columns.contains("path") ? "path" : columns.contains("image") ? "image" : null;
            if (c == null || !columns.contains(c)) {
                throw new IllegalArgumentException("table " + input + " has no column '" + (c == null ? "path' or 'image" : c)
                        + "' (columns: " + String.join(", ", columns) + ")");
            }
            return table.select(col(c).cast(DataTypes.StringType).as(out));
        }
        if (lower.endsWith(".txt")) {
            Dataset<String> lines = spark.read().textFile(input);
            Dataset<Row> trimmed = lines.select(trim(col("value")).as(out));
            return trimmed.filter(col(out).notEqual("").and(not(col(out).startsWith("#"))));
        }
        if (!status.isDirectory()) {
            throw new IllegalArgumentException("input " + input + ": not a directory, a .parquet table or a .txt list of paths");
        }
        List<Row> rows = new ArrayList<>();
        try {
            FileStatus[] children = p.getFileSystem(conf).listStatus(p);
            Arrays.sort(children, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
            for (FileStatus f : children) {
                String name = f.getPath().getName();
                int dot = name.lastIndexOf('.');
                if (f.isFile() && dot > 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT))) {
                    rows.add(RowFactory.create(new Path(p, name).toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("input " + input + ": " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("input " + input + ": no image files (" + String.join(", ",
                    IMAGE_EXTENSIONS.stream().sorted().toList()) + ")");
        }
        StructType schema = DataTypes.createStructType(List.of(DataTypes.createStructField(out, DataTypes.StringType, false)));
        return spark.createDataFrame(rows, schema);
    }
}

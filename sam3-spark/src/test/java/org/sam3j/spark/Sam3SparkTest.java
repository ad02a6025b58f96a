package org.sam3j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sam3j.Box;
import org.sam3j.Instance;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.Rle;
import org.sam3j.Sam3Config;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;
import org.sam3j.testing.SharedData;

/**
 * The job on a local two-thread Spark master with the tiny synthetic model: its Parquet output equals what
 * {@link Sam3Predictor#predict} gives for the same images, bad images are error rows, and the model is
 * loaded once for the JVM however many partitions ran. Two images are segmented by the job and again by
 * the reference (four encodes of about 10 s each).
 */
@Tag("spark")
class Sam3SparkTest {
    private static final float THRESHOLD = 0.25f;
    private static SparkSession spark;
    @TempDir
    static Path tmp;
    private static String tokenizer;

    @BeforeAll
    static void start() {
        tokenizer = SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz").toString();
        spark = SparkSession.builder().master("local[2]").appName("sam3-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.warehouse.dir", tmp.resolve("warehouse").toString())
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
        ExecutorModels.closeAll();
    }

    private static Map<String, List<Row>> byImage(List<Row> rows) {
        Map<String, List<Row>> m = new HashMap<>();
        for (Row r : rows) m.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r);
        m.values().forEach(l -> l.sort(Comparator.comparing(r -> r.isNullAt(1) ? -1 : r.getInt(1))));
        return m;
    }

    private static void assertSameAs(MaskResult expected, List<Row> rows, String image) {
        if (expected.isEmpty()) {
            assertEquals(1, rows.size(), image);
            assertTrue(rows.get(0).isNullAt(1) && rows.get(0).isNullAt(6), image + ": one row, no instance, no error");
            return;
        }
        assertEquals(expected.size(), rows.size(), image + ": instances");
        for (int k = 0; k < rows.size(); k++) {
            Row r = rows.get(k);
            Instance inst = expected.instances().get(k);
            String where = image + " instance " + k;
            assertEquals(k, r.getInt(1), where);
            assertEquals(inst.score(), r.getFloat(2), where + " score");
            Row box = r.getStruct(3);
            Box b = inst.box();
            assertEquals(List.of(b.x0(), b.y0(), b.x1(), b.y1()),
                    List.of(box.getFloat(0), box.getFloat(1), box.getFloat(2), box.getFloat(3)), where + " box");
            assertEquals(inst.area(), r.getLong(4), where + " area");
            Row rle = r.getStruct(5);
            Rle expectedRle = inst.mask().toRle();
            assertEquals(expectedRle.countsString(), rle.getString(0), where + " rle counts");
            assertEquals(List.of(expectedRle.height(), expectedRle.width()), rle.getList(1), where + " rle size");
            assertTrue(r.isNullAt(6), where + " error");
        }
    }

    @Test
    void segmentsAListOfPathsAsThePredictorDoesWithOneModelLoad() throws Exception {
        Path truck = SharedData.resolve("images/truck.jpg");
        // a second, different picture: the photo mirrored and cropped
        BufferedImage photo = ImageIO.read(truck.toFile());
        BufferedImage other = new BufferedImage(900, 700, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < other.getHeight(); y++) {
            for (int x = 0; x < other.getWidth(); x++) other.setRGB(x, y, photo.getRGB(photo.getWidth() - 1 - x - 300, y + 250));
        }
        Path mirrored = tmp.resolve("mirrored.png");
        ImageIO.write(other, "png", mirrored.toFile());
        Path broken = Files.write(tmp.resolve("broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3, 4});
        Path missing = tmp.resolve("missing.jpg");
        Path list = Files.write(tmp.resolve("paths.txt"), List.of("# images of the test", truck.toString(), "",
                mirrored.toString(), broken.toString(), "  " + missing + "  "));
        Path out = tmp.resolve("out");
        String[] args = {"--input", list.toString(), "--text", "truck", "--out", out.toString(), "--weights", "synthetic",
                "--config", "tiny", "--tokenizer", tokenizer, "--threshold", String.valueOf(THRESHOLD), "--partitions", "2"};
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int status = Sam3SparkJob.run(args, new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8), k -> null, () -> spark);
        double jobSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, status, stderr.toString(StandardCharsets.UTF_8));

        ModelSpec spec = new ModelSpec(null, "tiny", Path.of(tokenizer).toAbsolutePath().normalize().toString(), 0);
        assertEquals(1, ExecutorModels.loads(spec), "one model load for the JVM, shared by both partitions");
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(2, files.filter(f -> f.getFileName().toString().startsWith("part-")).count(),
                    "one Parquet file per partition: two tasks ran");
        }

        Dataset<Row> table = spark.read().parquet(out.toString());
        assertEquals(Sam3Spark.schema().simpleString(), table.schema().simpleString());
        Map<String, List<Row>> rows = byImage(table.collectAsList());
        assertEquals(4, rows.size(), "every input path is in the output: " + rows.keySet());

        MaskResult truckRef;
        MaskResult mirroredRef;
        try (Sam3Model model = Sam3Model.builder().syntheticWeights().config(Sam3Config.tiny()).tokenizer(Path.of(tokenizer))
                .build(); Sam3Predictor predictor = model.newPredictor()) {
            Prompt prompt = Prompt.builder().text("truck").threshold(THRESHOLD).build();
            predictor.setImage(truck);
            truckRef = predictor.predict(prompt);
            predictor.setImage(mirrored);
            mirroredRef = predictor.predict(prompt);
        }
        assertEquals(46, truckRef.size(), "the tiny synthetic model's count for truck.jpg at 0.25 (47 kept queries, one without pixels)");
        assertSameAs(truckRef, rows.get(truck.toString()), "truck.jpg");
        assertSameAs(mirroredRef, rows.get(mirrored.toString()), "mirrored.png");

        for (Path bad : List.of(broken, missing)) {
            List<Row> r = rows.get(bad.toString());
            assertEquals(1, r.size(), bad.toString());
            assertTrue(r.get(0).isNullAt(1), "no instance for " + bad);
            assertFalse(r.get(0).isNullAt(6), "an error for " + bad);
        }
        assertTrue(rows.get(missing.toString()).get(0).getString(6).contains("FileNotFoundException"),
                rows.get(missing.toString()).get(0).getString(6));

        String summary = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(summary.startsWith("sam3-spark: 4 images, " + (truckRef.size() + mirroredRef.size())
                + " instances of 'truck', 2 failed -> " + out), summary);
        System.out.printf("sam3-spark job: %.1f s for 2 images on local[2]%n", jobSeconds);

        // the same output again without --overwrite: refused before any model work
        ByteArrayOutputStream err2 = new ByteArrayOutputStream();
        assertEquals(2, Sam3SparkJob.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err2, true, StandardCharsets.UTF_8), k -> null, () -> spark));
        assertTrue(err2.toString(StandardCharsets.UTF_8).contains("exists (remove it or pass --overwrite)"));
        assertEquals(1, ExecutorModels.loads(spec));
    }

    @Test
    void aModelThatCannotLoadFailsTheJobWithStatusOne() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bad-model"));
        Path ckpt = Files.writeString(dir.resolve("sam3.pt"), "not a checkpoint");
        Path list = Files.write(tmp.resolve("one.txt"), List.of(SharedData.resolve("images/truck.jpg").toString()));
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int status = Sam3SparkJob.run(new String[] {"--input", list.toString(), "--text", "truck", "--out",
                        tmp.resolve("bad-out").toString(), "--model", ckpt.toString(), "--config", "tiny", "--tokenizer", tokenizer},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8), k -> null, () -> spark);
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertEquals(1, status, err);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("sam3-spark: job failed: "), err);
        assertEquals(0, ExecutorModels.loads(new ModelSpec(ckpt.toString(), "tiny",
                Path.of(tokenizer).toAbsolutePath().normalize().toString(), 0)));
    }

    @Test
    void imagePathsFromAFolderATableOrAList() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("folder"));
        Files.write(dir.resolve("b.PNG"), new byte[1]);
        Files.write(dir.resolve("a.jpg"), new byte[1]);
        Files.writeString(dir.resolve("notes.txt"), "not an image");
        Files.createDirectories(dir.resolve("sub.jpg"));
        assertEquals(List.of(dir.resolve("a.jpg").toString(), dir.resolve("b.PNG").toString()),
                paths(Sam3Spark.imagePaths(spark, dir.toString(), null)));

        StructType schema = DataTypes.createStructType(List.of(DataTypes.createStructField("image", DataTypes.StringType, true),
                DataTypes.createStructField("id", DataTypes.IntegerType, true)));
        String table = tmp.resolve("images.parquet").toString();
        spark.createDataFrame(List.of(RowFactory.create("/x/1.jpg", 1), RowFactory.create("/x/2.jpg", 2)), schema)
                .coalesce(1).write().parquet(table);
        assertEquals(List.of("/x/1.jpg", "/x/2.jpg"), paths(Sam3Spark.imagePaths(spark, table, null)));
        IllegalArgumentException noColumn = assertThrows(IllegalArgumentException.class,
                () -> Sam3Spark.imagePaths(spark, table, "file"));
        assertTrue(noColumn.getMessage().contains("no column 'file' (columns: image, id)"), noColumn.getMessage());

        Path list = Files.write(tmp.resolve("list.txt"), List.of("/y/1.jpg", "#/y/skipped.jpg", "   ", " /y/2.jpg"));
        assertEquals(List.of("/y/1.jpg", "/y/2.jpg"), paths(Sam3Spark.imagePaths(spark, list.toString(), null)));

        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sam3Spark.imagePaths(spark, tmp.resolve("nope").toString(),
                null)).getMessage().contains("no such file or directory"));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sam3Spark.imagePaths(spark, empty.toString(), null))
                .getMessage().contains("no image files"));

        SegmentJobOptions opts = SegmentJobOptions.builder(ModelSpec.synthetic("tiny", tokenizer), "truck").build();
        Dataset<Row> ids = spark.read().parquet(table).select("id");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sam3Spark.segment(spark, ids, opts)).getMessage()
                .contains("no column 'path' (columns: id)"));
        Dataset<Row> numbers = ids.withColumnRenamed("id", "path");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sam3Spark.segment(spark, numbers, opts)).getMessage()
                .contains("holds int, not image paths"));
    }

    private static List<String> paths(Dataset<Row> d) {
        assertEquals(List.of("path"), List.of(d.columns()));
        return d.collectAsList().stream().map(r -> r.getString(0)).sorted().toList();
    }
}

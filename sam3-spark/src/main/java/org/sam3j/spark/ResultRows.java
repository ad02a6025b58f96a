package org.sam3j.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sam3j.Box;
import org.sam3j.Instance;
import org.sam3j.MaskResult;
import org.sam3j.Rle;

/**
 * The output table's schema and the rows of one image: one row per instance, best first; one row with a
 * null {@code instance} when nothing scored above the threshold or the image failed ({@code error} set).
 * So every input path appears in the output at least once.
 */
final class ResultRows {
    static final String IMAGE = "image";
    static final String INSTANCE = "instance";
    static final String SCORE = "score";
    static final String BOX = "box";
    static final String AREA = "area";
    static final String RLE = "rle";
    static final String ERROR = "error";

    static final StructType BOX_TYPE = DataTypes.createStructType(new StructField[] {
            DataTypes.createStructField("x0", DataTypes.FloatType, false),
            DataTypes.createStructField("y0", DataTypes.FloatType, false),
            DataTypes.createStructField("x1", DataTypes.FloatType, false),
            DataTypes.createStructField("y1", DataTypes.FloatType, false)});

    /** COCO's RLE object: {@code counts} in the compact string form, {@code size} = [height, width]. */
    static final StructType RLE_TYPE = DataTypes.createStructType(new StructField[] {
            DataTypes.createStructField("counts", DataTypes.StringType, false),
            DataTypes.createStructField("size", DataTypes.createArrayType(DataTypes.IntegerType, false), false)});

    static final StructType SCHEMA = DataTypes.createStructType(new StructField[] {
            DataTypes.createStructField(IMAGE, DataTypes.StringType, true),
            DataTypes.createStructField(INSTANCE, DataTypes.IntegerType, true),
            DataTypes.createStructField(SCORE, DataTypes.FloatType, true),
            DataTypes.createStructField(BOX, BOX_TYPE, true),
            DataTypes.createStructField(AREA, DataTypes.LongType, true),
            DataTypes.createStructField(RLE, RLE_TYPE, true),
            DataTypes.createStructField(ERROR, DataTypes.StringType, true)});

    private ResultRows() {}

    /** The rows of a segmented image: its instances in result order, or one row without an instance. */
    static List<Row> of(String image, MaskResult result) {
        if (result.isEmpty()) return List.of(RowFactory.create(image, null, null, null, null, null, null));
        List<Row> rows = new ArrayList<>(result.size());
        int rank = 0;
        for (Instance inst : result.instances()) {
            Box b = inst.box();
            Rle rle = inst.mask().toRle();
            rows.add(RowFactory.create(image, rank++, inst.score(), RowFactory.create(b.x0(), b.y0(), b.x1(), b.y1()),
                    inst.area(), RowFactory.create(rle.countsString(), new int[] {rle.height(), rle.width()}), null));
        }
        return rows;
    }

    /** The one row of an image that could not be read or segmented. */
    static Row error(String image, Throwable e) {
        return RowFactory.create(image, null, null, null, null, null, describe(e));
    }

    /** One line: the exception's simple class name and the first line of its message. */
    static String describe(Throwable e) {
        String m = e.getMessage();
        String first = m == null || m.isBlank() ? "" : ": " + m.lines().findFirst().orElse("").strip();
        return e.getClass().getSimpleName() + first;
    }
}

package org.sam3j.spark;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.RgbImage;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;
import org.sam3j.image.ImageLoader;
import org.sam3j.weights.WeightLoadingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Segments one partition of image paths: the JVM's shared model ({@link ExecutorModels}), one predictor for
 * the partition, images read through Hadoop's file systems (so {@code hdfs://}, {@code s3a://} and plain
 * paths all work) and processed one at a time as Spark pulls rows. An image that cannot be read or
 * segmented becomes an error row; a model that cannot run fails the task.
 */
final class SegmentPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SegmentPartition.class);

    private final SegmentJobOptions options;
    private final Broadcast<SerializableConfiguration> hadoopConf;

    SegmentPartition(SegmentJobOptions options, Broadcast<SerializableConfiguration> hadoopConf) {
        this.options = options;
        this.hadoopConf = hadoopConf;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> paths) throws IOException {
        Sam3Model model = ExecutorModels.get(options.model());
        Sam3Predictor predictor = model.newPredictor();
        TaskContext task = TaskContext.get();
        if (task != null) task.addTaskCompletionListener((TaskCompletionListener) ctx -> predictor.close());
        Prompt prompt = Prompt.builder().text(options.text()).threshold(options.threshold()).build();
        return new Rows(paths, predictor, prompt, task == null ? -1 : task.partitionId());
    }

    /** The output rows, computed one image at a time. */
    private final class Rows implements Iterator<Row> {
        private final Iterator<Row> paths;
        private final Sam3Predictor predictor;
        private final Prompt prompt;
        private final int partition;
        private final ArrayDeque<Row> pending = new ArrayDeque<>();
        private final long start = System.nanoTime();
        private int images;
        private int instances;
        private int failed;
        private boolean done;

        Rows(Iterator<Row> paths, Sam3Predictor predictor, Prompt prompt, int partition) {
            this.paths = paths;
            this.predictor = predictor;
            this.prompt = prompt;
            this.partition = partition;
        }

        @Override
        public boolean hasNext() {
            while (pending.isEmpty() && !done) {
                if (paths.hasNext()) {
                    Row in = paths.next();
                    segment(in.isNullAt(0) ? null : in.getString(0));
                } else {
                    done = true;
                    predictor.close();
                    LOG.info("partition {}: {} images, {} instances, {} failed in {} s", partition, images, instances,
                            failed, String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
                }
            }
            return !pending.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) throw new NoSuchElementException();
            return pending.poll();
        }

        private void segment(String path) {
            images++;
            long t0 = System.nanoTime();
            try {
                if (path == null || path.isBlank()) throw new IllegalArgumentException("no image path (null or blank)");
                predictor.setImage(read(path));
                MaskResult r = predictor.predict(prompt);
                pending.addAll(ResultRows.of(path, r));
                instances += r.size();
                LOG.debug("{}: {} instances in {} ms", path, r.size(), (System.nanoTime() - t0) / 1_000_000);
            } catch (WeightLoadingException | UnsupportedOperationException e) {
                throw e; // the model cannot run: every image would fail the same way
            } catch (IOException | RuntimeException e) {
                failed++;
                pending.add(ResultRows.error(path, e));
                LOG.warn("{}: {}", path, ResultRows.describe(e));
            }
        }

        private RgbImage read(String path) throws IOException {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(hadoopConf.value().value());
            long size = fs.getFileStatus(p).getLen();
            if (size > Sam3Spark.MAX_FILE_BYTES) {
                throw new IOException("file of " + size + " bytes, above the limit of " + Sam3Spark.MAX_FILE_BYTES);
            }
            byte[] bytes;
            try (FSDataInputStream in = fs.open(p)) {
                bytes = in.readAllBytes();
            }
            RgbImage img = ImageLoader.read(bytes);
            if (img.width() > Sam3Spark.MAX_SIDE || img.height() > Sam3Spark.MAX_SIDE) {
                throw new IllegalArgumentException("image of " + img.width() + "x" + img.height() + " pixels, above "
                        + Sam3Spark.MAX_SIDE + " on a side: scale it down first");
            }
            return img;
        }
    }
}

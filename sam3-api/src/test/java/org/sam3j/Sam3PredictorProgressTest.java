package org.sam3j;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.MatImages;
import org.sam3j.image.ImageLoader;
import org.sam3j.testing.SharedData;
import org.sam3j.verify.FixtureCase;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.Verifier;

/**
 * {@link Sam3Predictor#setImage(RgbImage, CallOptions)} on the tiny configuration: progress from 0 to 1, an
 * OpenCV frame giving the reference result, and cancellation (from the listener, from another thread, by
 * interrupt) leaving a predictor without an image that encodes normally afterwards. Two full encodes and
 * two partial ones.
 */
@Tag("slow") // several tiny encodes (cancelled and complete); run by .ci/run after the default tests
class Sam3PredictorProgressTest {
    private static Sam3Model model;
    private static FixtureCase truck;
    private static Path truckFile;

    @BeforeAll
    static void load() throws Exception {
        FixtureSet set = FixtureSet.open(SharedData.resolve("fixtures/sam3/tiny"));
        model = Sam3Model.builder().syntheticWeights().config(Verifier.configOf(set)).build();
        truck = set.openCase("truck");
        truckFile = SharedData.resolve("images/truck.jpg");
    }

    @AfterAll
    static void close() throws Exception {
        if (model != null) model.close();
        if (truck != null) truck.close();
    }

    /** A BGR Mat holding exactly the pixels {@link ImageLoader} decoded (no second JPEG decoder involved). */
    private static Mat bgrMat(RgbImage img) {
        byte[] rgb = img.rgb();
        byte[] bgr = new byte[rgb.length];
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        Mat m = new Mat(img.height(), img.width(), CV_8UC3);
        m.data().put(bgr);
        return m;
    }

    /** The click of the fixture's {@code inter0} gives the reference's IoUs, best first. */
    private static void assertReferenceClick(Sam3Predictor p) throws Exception {
        MaskResult r = p.predict(Prompt.point(500, 375));
        float[] ref = truck.whole("inter0.iou").orElseThrow().toFloats();
        Arrays.sort(ref);
        float[] got = new float[r.size()];
        for (int i = 0; i < got.length; i++) got[got.length - 1 - i] = r.instances().get(i).score();
        assertArrayEquals(ref, got, 1e-4f);
    }

    private static void assertNoImage(Sam3Predictor p) {
        assertFalse(p.hasImage(), "no image after a cancelled setImage");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.predict(Prompt.point(500, 375)));
        assertTrue(e.getMessage().contains("no image"), e.getMessage());
    }

    @Test
    void progressCancellationAndRecovery() throws Exception {
        RgbImage decoded = ImageLoader.read(truckFile);
        try (Sam3Predictor p = model.newPredictor()) {
            // 1. cancelled by the listener at the first event: nothing runs
            CancellationToken first = new CancellationToken();
            List<Double> seen = new ArrayList<>();
            CancellationException e = assertThrows(CancellationException.class, () -> p.setImage(decoded,
                    CallOptions.none().withCancellation(first).withProgress((stage, f) -> {
                        seen.add(f);
                        first.cancel();
                    })));
            assertEquals(List.of(0.0), seen, "stopped before the first operation");
            assertTrue(e.getMessage().contains("cancelled") && e.getMessage().contains(Sam3Predictor.STAGE_IMAGE_ENCODER),
                    e.getMessage());
            assertNoImage(p);
            assertEquals(0, p.imageEncodings());
            // a token cancelled beforehand stops the call before it reports anything
            seen.clear();
            assertThrows(CancellationException.class,
                    () -> p.setImage(decoded, CallOptions.none().withCancellation(first).withProgress((s, f) -> seen.add(f))));
            assertEquals(List.of(), seen);

            // 2. a full encode of an OpenCV frame, with progress
            List<String> stages = new ArrayList<>();
            seen.clear();
            try (Mat frame = bgrMat(decoded)) {
                p.setImage(MatImages.toRgbImage(frame), CallOptions.none().withProgress((stage, f) -> {
                    stages.add(stage);
                    seen.add(f);
                }));
            }
            assertEquals(0.0, seen.get(0));
            assertEquals(1.0, seen.get(seen.size() - 1));
            for (int i = 1; i < seen.size(); i++) assertTrue(seen.get(i) > seen.get(i - 1), "increasing: " + seen);
            assertTrue(seen.size() >= 10 && seen.size() <= 102, seen.size() + " events (about every 1 %)");
            assertEquals(List.of(Sam3Predictor.STAGE_IMAGE_ENCODER), stages.stream().distinct().toList());
            assertTrue(p.hasImage());
            assertReferenceClick(p);
            assertEquals(1, p.imageEncodings());

            // 3. cancelled from another thread mid-way: the previous image is dropped, not kept
            CancellationToken token = new CancellationToken();
            CountDownLatch reached = new CountDownLatch(1);
            CountDownLatch cancelled = new CountDownLatch(1);
            List<Double> progress = Collections.synchronizedList(new ArrayList<>());
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread worker = new Thread(() -> {
                try {
                    p.setImage(decoded, CallOptions.none().withCancellation(token).withProgress((s, f) -> {
                        progress.add(f);
                        if (f >= 0.2 && reached.getCount() > 0) {
                            reached.countDown();
                            try {
                                cancelled.await(); // hold the encoder until the other thread has cancelled
                            } catch (InterruptedException ie) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }));
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            worker.start();
            assertTrue(reached.await(5, TimeUnit.MINUTES), "progress reached 20 %");
            double at = progress.get(progress.size() - 1);
            token.cancel();
            cancelled.countDown();
            worker.join(TimeUnit.MINUTES.toMillis(5));
            assertInstanceOf(CancellationException.class, failure.get());
            assertEquals(at, progress.get(progress.size() - 1), "no progress after the cancellation");
            assertTrue(at < 1, "cancelled before the end");
            assertNoImage(p);

            // 4. an interrupt from another thread also cancels (the thread's interrupt status stays set)
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> interrupted = new AtomicReference<>();
            AtomicBoolean flagKept = new AtomicBoolean();
            List<Double> before = Collections.synchronizedList(new ArrayList<>());
            Thread victim = new Thread(() -> {
                try {
                    p.setImage(decoded, CallOptions.none().withProgress((s, f) -> {
                        before.add(f);
                        if (f >= 0.1) started.countDown();
                    }));
                } catch (Throwable t) {
                    interrupted.set(t);
                    flagKept.set(Thread.currentThread().isInterrupted());
                }
            });
            victim.start();
            assertTrue(started.await(5, TimeUnit.MINUTES));
            victim.interrupt(); // lands inside an operation or between two
            victim.join(TimeUnit.MINUTES.toMillis(5));
            assertInstanceOf(CancellationException.class, interrupted.get(), "an interrupt is a cancellation");
            assertTrue(interrupted.get().getMessage().contains("interrupted"), interrupted.get().getMessage());
            assertTrue(flagKept.get(), "interrupt status kept");
            assertTrue(before.get(before.size() - 1) < 1, "stopped before the end: " + before);
            assertNoImage(p);

            // 5. the next setImage works normally and gives the reference result
            p.setImage(truckFile);
            assertTrue(p.hasImage());
            assertReferenceClick(p);
            assertEquals(2, p.imageEncodings(), "only complete encodes count");
        }
    }
}

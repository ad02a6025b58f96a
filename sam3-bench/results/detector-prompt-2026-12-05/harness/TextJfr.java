/*
 * Text prompts with new phrases on one image (the detector's image side computed once, by the first prompt), each
 * prompt's wall time, window (for a JFR recording) and the result's stage timings. Usage:
 *   javac -cp sam3-bench.jar -d out TextJfr.java
 *   SAM3_SHARED=.../shared java --add-modules jdk.incubator.vector -Xmx16g -cp out:sam3-bench.jar \
 *       org.sam3j.bench.TextJfr CHECKPOINT BACKEND PROMPTS [image]   (image: set the image again before each prompt)
 */
package org.sam3j.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Collectors;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.RgbImage;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;

/** Harness: one image, then text prompts with new phrases; prints each prompt's window (for JFR) and stages. */
public final class TextJfr {
    public static void main(String[] args) throws Exception {
        String[] phrases = {"truck", "car", "wheel", "person", "dog", "tree", "window", "road"};
        int n = Integer.parseInt(args[2]);
        boolean newImage = args.length > 3 && args[3].equals("image");
        try (Sam3Model model = Sam3Model.builder().checkpoint(Path.of(args[0])).config(BenchSupport.config("full"))
                .tokenizer(BenchSupport.tokenizer()).backend(args[1]).backendOptions(BenchSupport.options(0)).build();
             Sam3Predictor predictor = model.newPredictor()) {
            RgbImage image = BenchSupport.image();
            predictor.setImage(image);
            for (int i = 0; i < n; i++) {
                if (newImage && i > 0) predictor.setImage(image);
                Instant a = Instant.now();
                long t = System.nanoTime();
                MaskResult r = predictor.predict(Prompt.text(phrases[i % phrases.length]));
                long ns = System.nanoTime() - t;
                Instant b = Instant.now();
                System.out.printf("prompt %d %s %s %.3f s  %s%n", i, a, b, ns / 1e9, r.timings().entrySet().stream()
                        .map(e -> String.format("%s %.3f", e.getKey(), e.getValue().toNanos() / 1e9))
                        .collect(Collectors.joining(", ")));
            }
        }
    }
}

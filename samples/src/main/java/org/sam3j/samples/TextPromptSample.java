package org.sam3j.samples;

import java.io.IOException;
import java.nio.file.Path;
import org.sam3j.Instance;
import org.sam3j.MaskResult;
import org.sam3j.Prompt;
import org.sam3j.RgbImage;
import org.sam3j.Sam3Config;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;
import org.sam3j.image.ImageLoader;
import org.sam3j.image.Overlay;

/**
 * Segments every instance of a phrase in an image and writes an overlay PNG.
 *
 * <pre>
 * java -cp samples/target/sam3-cli.jar org.sam3j.samples.TextPromptSample \
 *      CHECKPOINT|synthetic[:tiny] IMAGE PHRASE OUT.png [TOKENIZER]
 * </pre>
 * With a real checkpoint ({@code sam3.pt} or a directory with {@code model.safetensors} and the tokenizer
 * files) the masks are real; {@code synthetic} uses the project's synthetic weights (meaningless masks,
 * same computation) and needs the tokenizer path (e.g. {@code ../shared/tokenizer/bpe_simple_vocab_16e6.txt.gz}).
 */
public final class TextPromptSample {
    private TextPromptSample() {}

    /** Runs the sample at the default threshold (0.5); returns the result for callers that want it. */
    public static MaskResult run(String weights, Path image, String phrase, Path out, Path tokenizer) throws IOException {
        return run(weights, image, phrase, 0.5f, out, tokenizer);
    }

    /** Runs the sample with a score threshold in [0, 1]. */
    public static MaskResult run(String weights, Path image, String phrase, float threshold, Path out, Path tokenizer)
            throws IOException {
        Sam3Model.Builder b = Sam3Model.builder();
        if (weights.startsWith("synthetic")) {
            b.syntheticWeights().config(weights.endsWith(":tiny") ? Sam3Config.tiny() : Sam3Config.released());
        } else {
            b.checkpoint(Path.of(weights));
        }
        if (tokenizer != null) b.tokenizer(tokenizer);
        try (Sam3Model model = b.build(); Sam3Predictor predictor = model.newPredictor()) {
            RgbImage rgb = ImageLoader.read(image);
            predictor.setImage(rgb);
            MaskResult result = predictor.predict(Prompt.builder().text(phrase).threshold(threshold).build());
            Overlay.defaults().writePng(rgb, result, out);
            return result;
        }
    }

    /** Command-line entry point. */
    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: TextPromptSample CHECKPOINT|synthetic[:tiny] IMAGE PHRASE OUT.png [TOKENIZER [THRESHOLD]]");
            System.exit(2);
        }
        MaskResult r = run(args[0], Path.of(args[1]), args[2], args.length > 5 ? Float.parseFloat(args[5]) : 0.5f,
                Path.of(args[3]), args.length > 4 ? Path.of(args[4]) : null);
        System.out.printf("%d instance(s) of \"%s\"%n", r.size(), args[2]);
        for (Instance i : r.instances()) {
            System.out.printf("  #%d score %.3f box %s area %d%n", i.index(), i.score(), i.box(), i.area());
        }
        r.timings().forEach((stage, t) -> System.out.printf("  %s: %d ms%n", stage, t.toMillis()));
        System.out.println("overlay written to " + args[3]);
    }
}

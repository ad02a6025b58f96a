package org.sam3j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sam3j.CallOptions;
import org.sam3j.Instance;
import org.sam3j.MaskResult;
import org.sam3j.Precision;
import org.sam3j.Prompt;
import org.sam3j.Sam3Model;
import org.sam3j.Sam3Predictor;
import org.sam3j.testing.SharedData;
import org.sam3j.testing.Similarity;
import org.sam3j.verify.FixtureCase;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.Verifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Sam3Model.builder().backend("onnxruntime").precision(FP16)}: the FP16 export of every stage, run by ONNX
 * Runtime's CPU provider, judged as the fixtures' notes ask of reduced-precision backends (cosine ≥ 0.999 of logits
 * against the FP32 fixtures; mask IoU against an FP32 run, slow). The CPU provider runs the products in FP32
 * between casts and drops some FP32→FP16→FP32 casts (see {@link OnnxOpsTest#reducedTolerance}), so this proves that
 * the FP16 models are valid, typed and run end to end; the rounding itself is proven by the CPU backend's emulation
 * ({@code ReducedPrecisionFixtureTest}) and per operation in {@link OnnxOpsTest}.
 */
@Tag("slow") // an fp16 encode on ONNX Runtime; OnnxOpsTest checks every op in fp16/bf16 in the default run
class OnnxRuntimeFp16FixtureTest {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxRuntimeFp16FixtureTest.class);
    private static final String CLICK_LOGITS = "hook.inter0.inst_interactive_predictor.model.sam_mask_decoder.0";
    private static FixtureSet fixtures;
    private static FixtureCase truck;
    private static Run fp16;

    /** The text prompt "truck" and the click at (500, 375) on the truck, with raw outputs. */
    private record Run(MaskResult text, MaskResult click) {}

    @BeforeAll
    static void open() throws Exception {
        fixtures = FixtureSet.open(SharedData.resolve("fixtures/sam3/tiny"));
        truck = fixtures.openCase("truck");
        fp16 = run("onnxruntime", Precision.FP16);
    }

    @AfterAll
    static void close() throws Exception {
        if (truck != null) truck.close();
    }

    private static Run run(String backend, Precision precision) throws Exception {
        try (Sam3Model model = Sam3Model.builder().syntheticWeights().config(Verifier.configOf(fixtures))
                .tokenizer(SharedData.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz"))
                .backend(backend).precision(precision).build();
             Sam3Predictor p = model.newPredictor()) {
            assertEquals(backend, model.backendName());
            assertEquals(precision, model.backendOptions().precision());
            p.setImage(SharedData.resolve("images/truck.jpg"));
            CallOptions raw = CallOptions.none().withRawOutputs();
            return new Run(p.predict(Prompt.builder().text("truck").threshold(0.25f).build(), raw),
                    p.predict(Prompt.point(500, 375), raw));
        }
    }

    @Test
    void fp16LogitsMatchTheFp32Fixtures() throws Exception {
        double masks = Similarity.cosineAtProbes(fp16.text().rawOutputs().get("pred_masks"), truck, "text0.pred_masks");
        double logits = Similarity.cosine(fp16.text().rawOutputs().get("pred_logits").toArray(),
                truck.whole("text0.pred_logits").orElseThrow().toFloats());
        double click = Similarity.cosineAtProbes(fp16.click().rawOutputs().get("low_res_logits"), truck, CLICK_LOGITS);
        LOG.info("onnxruntime fp16 cosine vs fp32 fixtures: text0.pred_masks {}, text0.pred_logits {}, inter0 low-res"
                + " logits {}", masks, logits, click);
        assertTrue(masks >= 0.999, "text0.pred_masks cosine " + masks);
        assertTrue(logits >= 0.999, "text0.pred_logits cosine " + logits);
        assertTrue(click >= 0.999, "inter0 low-resolution logits cosine " + click);
    }

    /**
     * Masks against an FP32 run (the CPU backend): each click candidate IoU ≥ 0.98, and the text instances' IoU
     * pooled over all instances (Σ intersection / Σ union) ≥ 0.98. Single small text instances may fall a little
     * below 0.98 (the emulated BF16 run of {@code ReducedPrecisionFixtureTest} does too); the smallest is logged.
     */
    @Tag("slow")
    @Test
    void fp16MasksMatchAnFp32Run() throws Exception {
        Run fp32 = run("cpu", Precision.FP32);
        for (int m = 0; m < 3; m++) {
            double iou = Similarity.iou(candidate(fp32.click(), m).mask(), candidate(fp16.click(), m).mask());
            LOG.info("onnxruntime fp16 click candidate {} IoU vs fp32 {}", m, iou);
            assertTrue(iou >= 0.98, "click candidate " + m + " IoU " + iou);
        }
        long inter = 0;
        long union = 0;
        int compared = 0;
        double worst = 1;
        String worstAt = "";
        for (Instance a : fp32.text().instances()) {
            Instance b = fp16.text().instances().stream().filter(i -> i.index() == a.index()).findFirst().orElse(null);
            if (b == null) continue; // a query whose score sits at the threshold may drop out; scores are checked above
            double iou = Similarity.iou(a.mask(), b.mask());
            long both = Math.round(iou * (a.mask().area() + b.mask().area()) / (1 + iou)); // |A∩B| from IoU and areas
            inter += both;
            union += a.mask().area() + b.mask().area() - both;
            if (iou < worst) {
                worst = iou;
                worstAt = "query " + a.index() + " (" + a.mask().area() + " px)";
            }
            compared++;
        }
        double pooled = union == 0 ? 1 : (double) inter / union;
        LOG.info("onnxruntime fp16 text instances vs fp32: {} compared of {}, pooled IoU {}, smallest {} at {}", compared,
                fp32.text().instances().size(), pooled, worst, worstAt);
        assertTrue(compared > 0, "no text instance in both runs");
        assertTrue(pooled >= 0.98, "pooled text-instance IoU " + pooled);
    }

    private static Instance candidate(MaskResult r, int index) {
        return r.instances().stream().filter(i -> i.index() == index).findFirst().orElseThrow();
    }
}

package org.sam3j.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Fixture hook keys → our module paths: the roots are mapped, the rest is the reference's module path. */
class HookKeysTest {
    @Test
    void rootsMapToOurTree() {
        assertEquals(Optional.of("detector.backbone.vision_backbone.trunk.blocks.3"),
                HookKeys.modulePath("hook.image.backbone.vision_backbone.trunk.blocks.3"));
        assertEquals(Optional.of("detector.transformer.decoder.0"), HookKeys.modulePath("hook.text12.transformer.decoder.0"));
        assertEquals(Optional.of("tracker.sam_mask_decoder.1"),
                HookKeys.modulePath("hook.inter0.inst_interactive_predictor.model.sam_mask_decoder.1"));
    }

    @Test
    void videoCallsMapToOurTree() {
        assertEquals(Optional.of(new HookKeys.ModuleKey("text0.text.", "detector.backbone.language_backbone.2")),
                HookKeys.videoModule("text0.text.language_backbone.2"));
        assertEquals(Optional.of(new HookKeys.ModuleKey("text0.f4.det.", "detector.transformer.encoder.memory_text")),
                HookKeys.videoModule("text0.f4.det.encoder.memory_text"));
        assertEquals(Optional.of(new HookKeys.ModuleKey("text1.a0.det.", "detector.transformer.decoder.3")),
                HookKeys.videoModule("text1.a0.det.decoder.3"));
        assertEquals(Optional.of(new HookKeys.ModuleKey("text0.f2.det.", "detector.dot_prod_scoring")),
                HookKeys.videoModule("text0.f2.det.dot_prod_scoring"));
        assertEquals(Optional.of(new HookKeys.ModuleKey("frames.f7.", "detector.backbone.vision_backbone.trunk.0")),
                HookKeys.videoModule("frames.f7.trunk.0"));
        assertEquals(HookKeys.TEXT_MASK, HookKeys.videoModule("text0.text.language_backbone.0").orElseThrow().path());
    }

    @Test
    void videoOutputsComputedOutsideModulesAreNotModuleOutputs() {
        // the detector's outputs, NMS and the tracker's steps are named by the reference's video model, not by modules
        for (String key : new String[] {"text0.f0.det.pred_logits", "text0.f0.det.nms_ious", "text0.f0.det.pred_masks",
                "text0.f1.det_out.scores", "text0.f1.trk.s0.sam.mask_dec.0", "inter0.f1.mem_attn.out",
                "frames.f2.tracker_fpn.0", "text0.f0.det.dot_prod_scoring_x"}) {
            assertEquals(Optional.empty(), HookKeys.videoModule(key), key);
        }
    }

    @Test
    void otherKeysAreNotModuleOutputs() {
        assertEquals(Optional.empty(), HookKeys.modulePath("text0.pred_logits"));
        assertEquals(Optional.empty(), HookKeys.modulePath("backbone.fpn.0"));
        assertEquals(Optional.empty(), HookKeys.modulePath("hook.video.tracker.x"));
        assertEquals(Optional.empty(), HookKeys.modulePath("hook.textual.x"));
    }
}

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
    void otherKeysAreNotModuleOutputs() {
        assertEquals(Optional.empty(), HookKeys.modulePath("text0.pred_logits"));
        assertEquals(Optional.empty(), HookKeys.modulePath("backbone.fpn.0"));
        assertEquals(Optional.empty(), HookKeys.modulePath("hook.video.tracker.x"));
        assertEquals(Optional.empty(), HookKeys.modulePath("hook.textual.x"));
    }
}

package org.sam3j.tensorrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.sam3j.BackendOptions;
import org.sam3j.Precision;
import org.sam3j.tensorrt.BuildSettings.Flag;
import org.sam3j.tensorrt.BuildSettings.Typing;

/** {@link BuildSettings} from options, and the flags each precision and typing asks of TensorRT. */
class BuildSettingsTest {
    @Test
    void defaultsAreStrongTypingAndTensorRtsWorkspace() {
        BuildSettings s = BuildSettings.from(BackendOptions.builder().precision(Precision.FP16).build());
        assertEquals(new BuildSettings(Precision.FP16, Typing.STRONG, 0), s);
        assertTrue(s.stronglyTyped());
        assertEquals("strong", s.typingLabel());
    }

    @Test
    void readsTypingAndWorkspaceExtras() {
        BuildSettings s = BuildSettings.from(BackendOptions.builder().precision(Precision.BF16)
                .extra(BuildSettings.TYPING_OPTION, "Flags").extra(BuildSettings.WORKSPACE_OPTION, "4096").build());
        assertEquals(new BuildSettings(Precision.BF16, Typing.FLAGS, 4096L << 20), s);
        assertFalse(s.stronglyTyped());
    }

    @Test
    void refusesBadExtraValuesNamingTheOption() {
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class, () -> BuildSettings.from(
                BackendOptions.builder().extra(BuildSettings.TYPING_OPTION, "weak").build()));
        assertEquals("tensorrt.typing must be strong or flags, got 'weak'", t.getMessage());
        for (String bad : new String[] {"-1", "1.5", "lots", "99999999999999999"}) {
            IllegalArgumentException w = assertThrows(IllegalArgumentException.class, () -> BuildSettings.from(
                    BackendOptions.builder().extra(BuildSettings.WORKSPACE_OPTION, bad).build()), bad);
            assertTrue(w.getMessage().startsWith("tensorrt.workspace must be a whole number of MiB"), w.getMessage());
        }
    }

    @Test
    void flagsPerPrecisionAndTyping() {
        assertEquals(EnumSet.of(Flag.FP16, Flag.OBEY_PRECISION_CONSTRAINTS),
                new BuildSettings(Precision.FP16, Typing.FLAGS, 0).flagsToSet());
        assertEquals(EnumSet.of(Flag.BF16, Flag.OBEY_PRECISION_CONSTRAINTS),
                new BuildSettings(Precision.BF16, Typing.FLAGS, 0).flagsToSet());
        for (Precision p : Precision.values()) {
            BuildSettings strong = new BuildSettings(p, Typing.STRONG, 0);
            assertTrue(strong.flagsToSet().isEmpty(), "TensorRT refuses precision flags on strongly typed networks: " + p);
            assertTrue(strong.pinnedToFp32().isEmpty());
            assertEquals(p == Precision.FP32, strong.flagsToClear().contains(Flag.TF32), p.label());
        }
        assertTrue(new BuildSettings(Precision.FP32, Typing.FLAGS, 0).flagsToSet().isEmpty());
        assertEquals(EnumSet.allOf(BuildSettings.PinnedLayer.class), new BuildSettings(Precision.FP16, Typing.FLAGS, 0).pinnedToFp32());
        assertThrows(IllegalArgumentException.class, () -> new BuildSettings(Precision.FP16, Typing.FLAGS, -1));
    }
}

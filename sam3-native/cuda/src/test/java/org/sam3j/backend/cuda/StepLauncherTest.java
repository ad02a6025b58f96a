package org.sam3j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Op;
import org.sam3j.graph.Tensor;

/**
 * Debug mode and op naming of a compiled graph's launch loop, with fake steps and a fake stream
 * synchronisation: a fault is reported as a {@link CudaException} naming the op index, kind and output
 * tensor. Host-side only; nothing here ran on a GPU.
 */
class StepLauncherTest {
    private final List<String> log = new ArrayList<>();
    /** The stream "faults" at the first synchronisation after step faultAfter ran. */
    private int faultAfter = -1;
    private int ran = -1;

    private StepLauncher threeSteps() {
        StepLauncher s = new StepLauncher();
        Op[] ops = {Op.LINEAR, Op.GELU, Op.ATTENTION};
        for (int i = 0; i < 3; i++) {
            int k = i;
            s.add(new StepLauncher.Step(ops[i], "%" + (10 + i) + " 'block.op" + i + "' [2, 8]", () -> {
                ran = k;
                log.add("step " + k);
            }));
        }
        return s;
    }

    private void sync() {
        log.add("sync");
        if (faultAfter >= 0 && ran >= faultAfter) {
            throw new CudaException("synchronize after the op (debug mode) failed: an illegal memory access was"
                    + " encountered (700)", 700);
        }
    }

    @Test
    void debugModeSynchronisesAfterEveryOp() {
        threeSteps().launch(true, this::sync, null);
        assertEquals(List.of("step 0", "sync", "step 1", "sync", "step 2", "sync"), log);
    }

    @Test
    void withoutDebugModeNothingSynchronises() {
        List<Integer> after = new ArrayList<>();
        threeSteps().launch(false, this::sync, after::add);
        assertEquals(List.of("step 0", "step 1", "step 2"), log);
        assertEquals(List.of(0, 1, 2), after);
    }

    @Test
    void aKernelFaultInDebugModeNamesItsOp() {
        faultAfter = 1;
        CudaException e = assertThrows(CudaException.class, () -> threeSteps().launch(true, this::sync, null));
        assertEquals(List.of("step 0", "sync", "step 1", "sync"), log, "stops at the faulting op");
        CudaException.OpContext op = e.op().orElseThrow();
        assertEquals(1, op.index());
        assertEquals(3, op.count());
        assertEquals(Op.GELU, op.kind());
        assertEquals("%11 'block.op1' [2, 8]", op.output());
        assertEquals(700, e.code());
        assertTrue(e.getMessage().startsWith("op 1 of 3 (GELU -> %11 'block.op1' [2, 8]): synchronize after the op"),
                e.getMessage());
        assertTrue(e.getCause() instanceof CudaException);
    }

    @Test
    void aRefusedLaunchIsNamedAlsoWithoutDebugMode() {
        StepLauncher s = threeSteps();
        s.add(new StepLauncher.Step(Op.ROI_ALIGN, "%40 [3, 7, 7, 16]", () -> {
            throw new CudaException("roi_align: boxes must be float32 (10001)", 10001);
        }));
        CudaException e = assertThrows(CudaException.class, () -> s.launch(false, this::sync, null));
        assertEquals(3, e.op().orElseThrow().index());
        assertEquals(10001, e.code());
        assertEquals("op 3 of 4 (ROI_ALIGN -> %40 [3, 7, 7, 16]): roi_align: boxes must be float32 (10001)",
                e.getMessage());
    }

    @Test
    void otherFailuresAreNamedWithCodeZeroAndAnAlreadyNamedOneIsKept() {
        IllegalStateException cause = new IllegalStateException("no device storage for %3");
        CudaException.OpContext ctx = new CudaException.OpContext(2, 5, Op.MATMUL, "%3 [4, 4]");
        CudaException named = CudaException.atOp(cause, ctx);
        assertEquals(0, named.code());
        assertSame(cause, named.getCause());
        assertEquals("op 2 of 5 (MATMUL -> %3 [4, 4]): no device storage for %3", named.getMessage());
        assertSame(named, CudaException.atOp(named, new CudaException.OpContext(4, 5, Op.ADD, "%9 [1]")));
        assertTrue(new CudaException("plain", 1).op().isEmpty());
    }

    @Test
    void stepsOfTensorsAreNamedByIdLabelAndShape() {
        Graph g = new Graph();
        Tensor x = g.input("x", 2, 3);
        Tensor y = g.gelu(x).named("mlp.act");
        Tensor z = g.relu(y);
        assertEquals("%" + y.id() + " 'mlp.act' [2, 3]", StepLauncher.describe(y));
        assertEquals("%" + z.id() + " [2, 3]", StepLauncher.describe(z));
        StepLauncher s = new StepLauncher();
        s.add(StepLauncher.Step.of(y, () -> { }));
        assertEquals(new CudaException.OpContext(0, 1, Op.GELU, StepLauncher.describe(y)), s.context(0));
    }
}

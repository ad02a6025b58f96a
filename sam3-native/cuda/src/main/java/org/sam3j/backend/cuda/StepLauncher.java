package org.sam3j.backend.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import org.sam3j.graph.Op;
import org.sam3j.graph.Tensor;

/**
 * The scheduled steps of a compiled graph and their launch: a failure raised by a step (a refused
 * launch, a cuBLASLt error) becomes a {@link CudaException} naming the operation; in debug mode the
 * stream is synchronised after every step, so that a fault inside a kernel, which otherwise shows only
 * at the end of the run, names its operation too. Pure host logic: {@code StepLauncherTest} drives it
 * with fake steps; nothing here has run on a GPU.
 */
final class StepLauncher {
    /** One scheduled operation: what it computes and the launches that compute it. */
    record Step(Op op, String output, Runnable body) {
        /** The step of {@code t}, named by its id, label and shape. */
        static Step of(Tensor t, Runnable body) {
            return new Step(t.op(), describe(t), body);
        }
    }

    private final List<Step> steps = new ArrayList<>();

    /** Adds the next step. */
    void add(Step s) {
        steps.add(s);
    }

    /** Scheduled steps. */
    int size() {
        return steps.size();
    }

    /** The operation of step {@code i}. */
    Op op(int i) {
        return steps.get(i).op();
    }

    /** How a failure during step {@code i} names it. */
    CudaException.OpContext context(int i) {
        Step s = steps.get(i);
        return new CudaException.OpContext(i, steps.size(), s.op(), s.output());
    }

    /**
     * Launches every step in order.
     *
     * @param debug     synchronise after every step ({@code sync}) so that a kernel fault names its step
     * @param sync      waits for the stream and throws {@link CudaException} on an error
     * @param afterStep called with the step's index after it was launched (profiling events), or null
     */
    void launch(boolean debug, Runnable sync, IntConsumer afterStep) {
        for (int i = 0; i < steps.size(); i++) {
            try {
                steps.get(i).body().run();
                if (debug) sync.run();
            } catch (RuntimeException e) {
                throw CudaException.atOp(e, context(i));
            }
            if (afterStep != null) afterStep.accept(i);
        }
    }

    /** Runs the steps' launches without naming (CUDA Graph capture: errors there end the capture). */
    void record() {
        for (Step s : steps) s.body().run();
    }

    /** {@code %id 'label' [shape]}, the label only when the tensor has one. */
    static String describe(Tensor t) {
        return "%" + t.id() + (t.label() != null ? " '" + t.label() + "'" : "") + " " + Arrays.toString(t.shape());
    }
}

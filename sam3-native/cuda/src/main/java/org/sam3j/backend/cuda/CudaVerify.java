package org.sam3j.backend.cuda;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sam3j.verify.FixtureSet;
import org.sam3j.verify.ProbeResult;
import org.sam3j.verify.Verifier;
import org.sam3j.verify.VerifySummary;

/**
 * {@code sam3 verify} on the CUDA backend, until the CLI offers {@code --backend cuda}:
 *
 * <pre>
 * java -cp ... org.sam3j.backend.cuda.CudaVerify --fixtures DIR [--precision fp32|fp16|bf16|all]
 *      [--device N] [--only PREFIX,...]
 * </pre>
 *
 * <p>Runs {@link Verifier} with a {@link CudaBackend} (one line per recorded tensor, then
 * {@code verify: N passed, M failed, K skipped}). FP32 is held to the fixtures' tolerances (relative
 * error 1e-3 tiny, 1e-2 full). FP16 and BF16 are judged, as {@code spec/fixtures.md} asks, by cosine
 * similarity ≥ 0.999; from the verifier's relative error {@code e} (max |ours − ref| over the probes /
 * rms) this is guaranteed on the probes when {@code e ≤ √(1 − 0.999²) ≈ 0.0447}, the bound applied
 * here (mask IoU is not checked yet). Exit status 0 when everything passed, 1 on a failure, 2 when
 * the backend is unavailable or the arguments are wrong.
 */
public final class CudaVerify {
    /** Relative max error that guarantees cosine similarity ≥ 0.999 on the probes. */
    static final double REDUCED_PRECISION_BOUND = Math.sqrt(1 - 0.999 * 0.999);

    private CudaVerify() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Path fixtures = null;
        List<Precision> precisions = List.of(Precision.FP32);
        int device = 0;
        List<String> only = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--fixtures" -> fixtures = Path.of(args[++i]);
                    case "--precision" -> {
                        String v = args[++i];
                        precisions = v.equalsIgnoreCase("all") ? List.of(Precision.values()) : List.of(Precision.parse(v));
                    }
                    case "--device" -> device = Integer.parseInt(args[++i]);
                    case "--only" -> only.addAll(Arrays.asList(args[++i].split(",")));
                    case "--backend" -> {
                        if (!args[++i].equals("cuda")) throw new IllegalArgumentException("only --backend cuda here");
                    }
                    case "-h", "--help" -> {
                        out.println("usage: CudaVerify --fixtures DIR [--precision fp32|fp16|bf16|all] [--device N]"
                                + " [--only PREFIX,...]");
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + a);
                }
            }
            if (fixtures == null) throw new IllegalArgumentException("--fixtures DIR is required");
            if (!Files.isRegularFile(fixtures.resolve("index.json"))) {
                throw new IllegalArgumentException("not a fixture directory (no index.json): " + fixtures);
            }
        } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
            err.println("verify: " + (e instanceof ArrayIndexOutOfBoundsException ? "missing value" : e.getMessage()));
            return 2;
        }
        String reason = CudaRuntime.unavailableReason();
        if (reason != null) {
            err.println("verify: CUDA backend unavailable: " + reason);
            return 2;
        }
        out.println("# " + CudaRuntime.describeKernels() + ", " + CudaRuntime.deviceCount() + " device(s)");
        FixtureSet set = FixtureSet.open(fixtures);
        out.println("fixtures " + fixtures + ": " + Verifier.configOf(set) + ", cases " + set.caseNames());
        int failed = 0;
        for (Precision p : precisions) {
            long t0 = System.nanoTime();
            try (CudaBackend backend = CudaBackend.create(device, p, true)) {
                boolean reduced = p != Precision.FP32;
                int[] counts = new int[3];
                Verifier v = new Verifier(backend, r -> {
                    ProbeResult judged = reduced ? judgeReduced(r) : r;
                    counts[judged.status().ordinal()]++;
                    out.println("[" + p + "] " + judged.line());
                    out.flush();
                });
                VerifySummary s = v.verify(set, only);
                s.timings().forEach(t -> out.println("# [" + p + "] " + t));
                out.println("# [" + p + "] " + backend.memoryStats());
                out.println(String.format("# [%s] %.1f s", p, (System.nanoTime() - t0) / 1e9));
                out.println(String.format("verify [%s]: %d passed, %d failed, %d skipped", p, counts[0], counts[1],
                        counts[2]));
                failed += counts[1];
            }
        }
        return failed > 0 ? 1 : 0;
    }

    /** The FP16/BF16 verdict: the cosine bound instead of the FP32 tolerance. */
    static ProbeResult judgeReduced(ProbeResult r) {
        if (r.status() == ProbeResult.Status.SKIP || Double.isNaN(r.error())) return r;
        boolean pass = r.error() <= REDUCED_PRECISION_BOUND;
        return new ProbeResult(r.key(), pass ? ProbeResult.Status.PASS : ProbeResult.Status.FAIL, r.error(),
                REDUCED_PRECISION_BOUND, pass ? "cosine >= 0.999 on the probes" : r.note());
    }
}

package org.sam3j.weights;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * Synthetic parameters (spec v1, {@code shared/spec/synthetic-weights.md}): every value is a pure
 * function of the parameter's checkpoint name and element index, so a model built from them computes
 * exactly the same function as the reference implementation given the same rule.
 *
 * <p>Shapes come from the model configuration ({@link #of(Map)}), since the values depend on them
 * (fan-in). Values are generated on demand and not cached.
 */
public final class SyntheticWeights implements WeightStore {
    /** Where the reference material keeps the CLIP vocabulary, relative to the shared folder. */
    public static final String SHARED_TOKENIZER = "tokenizer/" + org.sam3j.text.ClipTokenizer.BPE_FILE_NAME;

    /**
     * The CLIP vocabulary used with synthetic weights when none is given (they come without a checkpoint
     * folder to find one in): {@code $SAM3_SHARED/tokenizer/bpe_simple_vocab_16e6.txt.gz}, else
     * {@code ../shared/tokenizer/bpe_simple_vocab_16e6.txt.gz} relative to {@code workingDir}, if present.
     *
     * @param env environment lookup ({@code System::getenv}; tests pass their own)
     * @return the file, or null when neither exists
     */
    public static java.nio.file.Path defaultTokenizer(java.util.function.Function<String, String> env,
                                                      java.nio.file.Path workingDir) {
        String shared = env.apply("SAM3_SHARED");
        if (shared != null && !shared.isBlank()) {
            java.nio.file.Path p = java.nio.file.Path.of(shared).resolve(SHARED_TOKENIZER);
            if (java.nio.file.Files.isRegularFile(p)) return p;
        }
        java.nio.file.Path p = workingDir.toAbsolutePath().resolve("..").resolve("shared").resolve(SHARED_TOKENIZER).normalize();
        return java.nio.file.Files.isRegularFile(p) ? p : null;
    }

    private static final long FNV_OFFSET = 0xCBF29CE484222325L;
    private static final long FNV_PRIME = 0x100000001B3L;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final Map<String, long[]> shapes;

    private SyntheticWeights(Map<String, long[]> shapes) {
        this.shapes = shapes;
    }

    /** Synthetic weights for the given parameter names and shapes. */
    public static SyntheticWeights of(Map<String, long[]> shapes) {
        return new SyntheticWeights(Collections.unmodifiableMap(new java.util.LinkedHashMap<>(shapes)));
    }

    /** Synthetic weights for every parameter a graph declares, with the graph's shapes. */
    public static SyntheticWeights forGraph(org.sam3j.graph.Graph graph) {
        Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
        graph.weights().forEach((name, t) -> shapes.put(name, java.util.Arrays.stream(t.shape()).asLongStream().toArray()));
        return of(shapes);
    }

    @Override
    public boolean contains(String name) {
        return shapes.containsKey(name);
    }

    @Override
    public long[] shape(String name) {
        long[] s = shapes.get(name);
        if (s == null) throw new WeightLoadingException("synthetic weights: no parameter named '" + name + "'");
        return s.clone();
    }

    @Override
    public float[] floats(String name) {
        long[] s = shape(name);
        long n = 1;
        for (long d : s) n *= d;
        if (n > Integer.MAX_VALUE - 8) throw new WeightLoadingException("parameter '" + name + "' too large");
        float[] out = new float[(int) n];
        fill(name, s, out);
        return out;
    }

    /** Every parameter name held. */
    public Set<String> names() {
        return shapes.keySet();
    }

    @Override
    public String describe() {
        return "synthetic weights (spec v1)";
    }

    /** FNV-1a 64-bit hash of the UTF-8 bytes of {@code name}. */
    public static long fnv1a64(String name) {
        long h = FNV_OFFSET;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xFF);
            h *= FNV_PRIME;
        }
        return h;
    }

    /** Fills {@code out} (length = element count of {@code shape}) with the synthetic values of {@code name}. */
    public static void fill(String name, long[] shape, float[] out) {
        long seed = fnv1a64(name);
        double center;
        double scale;
        if (shape.length == 0 || name.endsWith("bias")) {
            center = 0;
            scale = 0.02;
        } else if (shape.length == 1) {
            center = 1;
            scale = 0.1;
        } else {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) fanIn *= shape[i];
            center = 0;
            scale = Math.sqrt(3.0 / fanIn);
        }
        for (int i = 0; i < out.length; i++) {
            long z = seed + (i + 1L) * GOLDEN;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            double u = (z >>> 11) * 0x1.0p-53 * 2 - 1;
            out[i] = (float) (center + scale * u);
        }
    }
}

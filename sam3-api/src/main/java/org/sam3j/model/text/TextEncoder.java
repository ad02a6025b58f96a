package org.sam3j.model.text;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Linear;

/**
 * SAM 3's text encoder ({@code VETextEncoder}): a causal CLIP-style transformer over the 32 token ids
 * (token embedding + learned positions, pre-norm residual blocks, {@code ln_final}), then the
 * {@code resizer} Linear 1024→256 that gives the language features every concept prompt starts from.
 * All 32 token states are used; padding is masked downstream, never inside this encoder.
 */
public final class TextEncoder {
    /** Prefix of the text encoder in the official checkpoint. */
    public static final String PREFIX = "detector.backbone.language_backbone";
    /** Context length (tokens per prompt, padded with id 0). */
    public static final int CONTEXT_LENGTH = 32;
    /** Vocabulary size. */
    public static final int VOCAB_SIZE = 49408;
    /** Width of the text transformer. */
    public static final int WIDTH = 1024;
    /** Attention heads of the text transformer. */
    public static final int HEADS = 16;
    /** Output width of the unused CLIP projection. */
    public static final int PROJECTION_DIM = 512;

    /**
     * The encoder's states.
     *
     * @param tokenEmbeddings  token embeddings before positions {@code [T, 1024]}
     * @param projected        the CLIP projection of every token {@code [T, 512]} (unused by SAM 3)
     * @param tokens           per-token states after {@code ln_final} {@code [T, 1024]}
     * @param languageFeatures resized features {@code [T, d_model]}
     */
    public record Output(Tensor tokenEmbeddings, Tensor projected, Tensor tokens, Tensor languageFeatures) {}

    private final Graph g;
    private final Tensor tokenEmbedding;
    private final Tensor positionalEmbedding;
    private final List<TextBlock> blocks = new ArrayList<>();
    private final LayerNorm lnFinal;
    private final Tensor textProjection;
    private final Linear resizer;

    /** Declares the parameters. */
    public TextEncoder(Graph g, Sam3Config config) {
        this.g = g;
        String enc = PREFIX + ".encoder";
        this.tokenEmbedding = g.weight(enc + ".token_embedding.weight", VOCAB_SIZE, WIDTH);
        this.positionalEmbedding = g.weight(enc + ".positional_embedding", CONTEXT_LENGTH, WIDTH);
        for (int i = 0; i < config.textLayers(); i++) {
            blocks.add(new TextBlock(g, enc + ".transformer.resblocks." + i, WIDTH, HEADS));
        }
        this.lnFinal = new LayerNorm(g, enc + ".ln_final", WIDTH, 1e-5f);
        this.textProjection = g.weight(enc + ".text_projection", WIDTH, PROJECTION_DIM);
        this.resizer = new Linear(g, PREFIX + ".resizer", WIDTH, config.dModel(), true);
    }

    /** The additive causal mask {@code [1, 1, T, T]}: query i sees keys 0..i. */
    static float[] causalMask(int t) {
        float[] m = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) m[i * t + j] = -1e9f;
        }
        return m;
    }

    /** {@code tokenIds[T]} (integer ids as floats, T = 32) → states. */
    public Output forward(Tensor tokenIds) {
        int t = tokenIds.dim(0);
        if (tokenIds.rank() != 1 || t > CONTEXT_LENGTH) {
            throw new IllegalArgumentException("token ids must be [T <= " + CONTEXT_LENGTH + "], got " + tokenIds);
        }
        Tensor embeddings = g.gather(tokenEmbedding, tokenIds);
        Tensor positions = t == CONTEXT_LENGTH ? positionalEmbedding : g.slice(positionalEmbedding, 0, 0, t);
        Tensor x = g.add(embeddings, positions);
        Tensor mask = g.constant("text.causal_mask", causalMask(t), 1, 1, t, t);
        for (TextBlock b : blocks) x = b.forward(x, mask);
        Tensor tokens = lnFinal.forward(x);
        Tensor projected = g.matmul(tokens, textProjection, false);
        return new Output(embeddings, projected, tokens, resizer.forward(tokens));
    }
}

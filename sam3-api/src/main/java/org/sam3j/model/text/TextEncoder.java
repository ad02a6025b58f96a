package org.sam3j.model.text;

import java.util.ArrayList;
import java.util.List;
import org.sam3j.Sam3Config;
import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Linear;
import org.sam3j.model.nn.Scope;

/**
 * SAM 3's text encoder ({@code VETextEncoder}): a causal CLIP-style transformer over the 32 token ids
 * (token embedding + learned positions, pre-norm residual blocks, {@code ln_final}), then the
 * {@code resizer} Linear 1024→256 that gives the language features every concept prompt starts from.
 * All 32 token states are used; padding is masked downstream, never inside this encoder.
 */
public final class TextEncoder {
    /**
     * The encoder's states.
     *
     * @param tokenEmbeddings  token embeddings before positions {@code [T, width]}
     * @param projected        the CLIP projection of every token {@code [T, projection]} (unused by SAM 3)
     * @param tokens           per-token states after {@code ln_final} {@code [T, width]}
     * @param languageFeatures resized features {@code [T, d_model]}
     */
    public record Output(Tensor tokenEmbeddings, Tensor projected, Tensor tokens, Tensor languageFeatures) {}

    private final Graph g;
    private final Scope scope;
    private final Tensor tokenEmbedding;
    private final Tensor positionalEmbedding;
    private final List<TextBlock> blocks = new ArrayList<>();
    private final LayerNorm lnFinal;
    private final Tensor textProjection;
    private final Linear resizer;

    private final int contextLength;

    /** Declares the parameters in {@code s} ({@code detector.backbone.language_backbone} in the checkpoint). */
    public TextEncoder(Scope s, Sam3Config config) {
        this.g = s.graph();
        this.scope = s;
        this.contextLength = config.textContextLength();
        int width = config.textWidth();
        Scope enc = s.child("encoder");
        this.tokenEmbedding = enc.weight("token_embedding.weight", config.textVocabSize(), width);
        this.positionalEmbedding = enc.weight("positional_embedding", contextLength, width);
        Scope resblocks = enc.child("transformer.resblocks");
        for (int i = 0; i < config.textLayers(); i++) {
            blocks.add(new TextBlock(resblocks.child(i), width, config.textHeads()));
        }
        this.lnFinal = new LayerNorm(enc.child("ln_final"), width, 1e-5f);
        this.textProjection = enc.weight("text_projection", width, config.textProjectionDim());
        this.resizer = new Linear(s.child("resizer"), width, config.dModel(), true);
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
        if (tokenIds.rank() != 1 || t > contextLength) {
            throw new IllegalArgumentException("token ids must be [T <= " + contextLength + "], got " + tokenIds);
        }
        Tensor embeddings = g.gather(tokenEmbedding, tokenIds);
        Tensor positions = t == contextLength ? positionalEmbedding : g.slice(positionalEmbedding, 0, 0, t);
        Tensor x = g.add(embeddings, positions);
        Tensor mask = g.constant("text.causal_mask", causalMask(t), 1, 1, t, t);
        for (TextBlock b : blocks) x = b.forward(x, mask);
        Tensor tokens = lnFinal.forward(x);
        Tensor projected = g.matmul(tokens, textProjection, false);
        Tensor features = resizer.forward(tokens);
        scope.child("encoder").returnsTuple(projected, tokens);
        // (attention mask, resized features, token embeddings): the mask is the caller's, from the token ids
        scope.returnsTuple(null, features, embeddings);
        return new Output(embeddings, projected, tokens, features);
    }
}

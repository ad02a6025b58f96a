package org.sam3j.model.tracker;

import org.sam3j.graph.Graph;
import org.sam3j.graph.ModuleOutput;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Conv2d;
import org.sam3j.model.nn.LayerNorm;
import org.sam3j.model.nn.Scope;

/**
 * SAM's prompt encoder ({@code tracker.sam_prompt_encoder}): turns points (box corners included) into
 * sparse tokens and an optional low-resolution mask into a dense embedding of the image grid.
 *
 * <ul>
 *   <li>Point {@code p} with label {@code l ∈ {0, 1, 2, 3}} (negative, positive, box top-left, box
 *       bottom-right) → {@code PE(p) + point_embeddings[l]}; label −1 ("not a point") →
 *       {@code not_a_point_embed} alone, its position encoding discarded ({@code _embed_points}). As in
 *       SAM 2 / SAM 3, boxes reach the encoder as two points and the reference always appends one such
 *       padding point; the caller passes it as a slot of its own (see {@link InteractiveGraph}).</li>
 *   <li>Mask logits {@code [1, 4h, 4w]} → conv 2×2/2 → LayerNorm2d → GELU → conv 2×2/2 → LayerNorm2d →
 *       GELU → conv 1×1 → {@code [1, h, w, C]}; without a mask the dense embedding is {@code no_mask_embed}
 *       broadcast over the grid. With a presence flag the choice is made in the graph
 *       ({@code flag · masks + (1 − flag) · no_mask_embed}), so one graph serves prompts with and without.</li>
 * </ul>
 * Coordinates enter the graph already normalised (see {@link #normalizeCoordinate}); with a fixed
 * number of point slots (unused ones labelled −1 and masked by the decoder) one compiled graph serves
 * every prompt.
 */
public final class SamPromptEncoder {
    /** Name of the no-mask dense embedding {@code [1, C]}, relative to the module. */
    public static final String NO_MASK_EMBED = "no_mask_embed.weight";
    private static final float LN2D_EPS = 1e-6f;
    private static final int MASK_IN_CHANS = 16;

    /**
     * Prompt embeddings.
     *
     * @param sparse {@code [1, N, C]} point tokens (one per point slot), or null without points
     * @param dense  {@code [1, h, w, C]} mask embedding (or {@code no_mask_embed} broadcast, when the
     *               presence flag is 0), or {@code [1, C]} ({@code no_mask_embed}, to be broadcast over the
     *               grid) without a mask input
     */
    public record Output(Tensor sparse, Tensor dense) {}

    private final Scope scope;
    private final int embedDim;
    private final int gridSize;
    private final PositionEmbeddingRandom peLayer;
    private final Tensor labelEmbeddings;   // [5, C]: not_a_point_embed, then point_embeddings 0..3 (row = label + 1)
    private final Tensor noMaskEmbed;       // [1, C]
    private final Conv2d down0;
    private final LayerNorm down1;
    private final Conv2d down3;
    private final LayerNorm down4;
    private final Conv2d down6;

    /**
     * Declares the parameters.
     *
     * @param s        this module ({@code tracker.sam_prompt_encoder} in the checkpoint)
     * @param embedDim token width (256)
     * @param gridSize side of the image embedding grid (72); mask prompts are {@code 4 · gridSize} square
     */
    public SamPromptEncoder(Scope s, int embedDim, int gridSize) {
        Graph g = s.graph();
        this.scope = s;
        this.embedDim = embedDim;
        this.gridSize = gridSize;
        this.peLayer = new PositionEmbeddingRandom(s.child("pe_layer"), embedDim / 2);
        Tensor[] rows = new Tensor[5];
        rows[0] = s.weight("not_a_point_embed.weight", 1, embedDim);
        for (int i = 0; i < 4; i++) rows[i + 1] = s.child("point_embeddings").child(i).weight("weight", 1, embedDim);
        this.labelEmbeddings = g.concat(0, rows);
        this.noMaskEmbed = s.weight(NO_MASK_EMBED, 1, embedDim);
        int c4 = MASK_IN_CHANS / 4;
        this.down0 = new Conv2d(s.child("mask_downscaling.0"), 1, c4, 2, 2, 0, true);
        this.down1 = new LayerNorm(s.child("mask_downscaling.1"), c4, LN2D_EPS);
        this.down3 = new Conv2d(s.child("mask_downscaling.3"), c4, MASK_IN_CHANS, 2, 2, 0, true);
        this.down4 = new LayerNorm(s.child("mask_downscaling.4"), MASK_IN_CHANS, LN2D_EPS);
        this.down6 = new Conv2d(s.child("mask_downscaling.6"), MASK_IN_CHANS, embedDim, 1, 1, 0, true);
    }

    /** Side of a mask prompt: {@code 4 · gridSize} (288). */
    public int maskInputSize() {
        return 4 * gridSize;
    }

    /**
     * A coordinate in original-image pixels as the prompt encoder sees it, computed in float32 in the
     * reference's order: resized to the square model input ({@code v / originalSize · imageSize}), shifted
     * to the pixel centre ({@code + 0.5}) and normalised ({@code ÷ imageSize}).
     */
    public static float normalizeCoordinate(float v, int originalSize, int imageSize) {
        float resized = v / originalSize * imageSize;
        return (resized + 0.5f) / imageSize;
    }

    /**
     * Embeds the prompts.
     *
     * @param coords      normalised point coordinates {@code [1, P, 2]} (x, y; box corners first), or null
     * @param labels      point labels {@code [1, P]} as float values: 0, 1, 2, 3, or −1 for "not a point"
     *                    (the reference's padding point, and unused slots), or null
     * @param mask        mask logits {@code [1, 4h, 4w, 1]}, or null
     * @param maskPresent {@code [1, 1, 1, 1]}: 1 to use {@code mask}, 0 for {@code no_mask_embed}; or null
     *                    to always use {@code mask} (ignored without a mask)
     */
    public Output forward(Tensor coords, Tensor labels, Tensor mask, Tensor maskPresent) {
        if ((coords == null) != (labels == null)) throw new IllegalArgumentException("coordinates and labels go together");
        Tensor sparse = null;
        if (coords != null) {
            Graph g = coords.graph();
            int p = coords.dim(1);
            if (labels.rank() != 2 || labels.dim(1) != p) {
                throw new IllegalArgumentException("labels " + labels + " for coordinates " + coords);
            }
            Tensor pe = peLayer.encode(coords);                                  // [1, P, C]
            // 1 for a point, 0 for "not a point" (label −1), whose position encoding is discarded:
            // pe·1 and pe·0 are exact, so real points get exactly PE + point_embeddings[label]
            Tensor isPoint = g.reshape(g.clamp(g.affine(labels, 1f, 1f), 0f, 1f), 1, p, 1);
            Tensor embed = g.gather(labelEmbeddings, g.affine(labels, 1f, 1f));  // row label + 1
            sparse = g.add(g.mul(pe, isPoint), embed);
        }
        Tensor dense;
        if (mask != null) {
            Graph g = mask.graph();
            if (mask.rank() != 4 || mask.dim(1) != maskInputSize() || mask.dim(2) != maskInputSize() || mask.dim(3) != 1) {
                throw new IllegalArgumentException("mask prompt " + mask + ", expected [1, " + maskInputSize() + ", "
                        + maskInputSize() + ", 1]");
            }
            Tensor x = g.gelu(down1.forward(down0.forward(mask)));
            x = g.gelu(down4.forward(down3.forward(x)));
            dense = down6.forward(x);
            if (maskPresent != null) {
                if (maskPresent.rank() != 4 || maskPresent.numel() != 1) {
                    throw new IllegalArgumentException("mask presence flag " + maskPresent + ", expected [1, 1, 1, 1]");
                }
                // flag 1: masks·1 + no_mask·0; flag 0: masks·0 + no_mask·1 — both exact for finite values
                dense = g.add(g.mul(dense, maskPresent), g.mul(noMaskEmbed, g.affine(maskPresent, -1f, 1f)));
            }
        } else {
            dense = noMaskEmbed;
        }
        if (sparse != null) scope.returns("0", ModuleOutput.of(sparse).usedSlotRows());
        Tensor recorded = dense;
        scope.returns("1", recorded.rank() == 4 ? ModuleOutput.channelsFirst(recorded)
                : ModuleOutput.lazy(() -> broadcast(recorded)));
        return new Output(sparse, dense);
    }

    /** {@code no_mask_embed} {@code [1, C]} over the grid, channels-first {@code [1, C, h, w]}, as the reference returns it. */
    private Tensor broadcast(Tensor noMask) {
        Graph g = noMask.graph();
        Tensor zeros = g.constant("prompt_encoder.grid", new float[gridSize * gridSize * embedDim], 1, gridSize, gridSize,
                embedDim);
        return g.permute(g.add(zeros, g.reshape(noMask, 1, 1, 1, embedDim)), 0, 3, 1, 2);
    }

    /** {@code no_mask_embed} {@code [1, C]}: the dense embedding of every prompt without a mask. */
    public Tensor noMaskEmbedding() {
        return noMaskEmbed;
    }

    /** The position encoding of the image grid's cell centres, {@code [1, h, w, C]} ({@code get_dense_pe}). */
    public Tensor denseEncoding(Graph g) {
        return peLayer.dense(g, gridSize, gridSize);
    }
}

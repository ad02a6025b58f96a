package org.sam3j.model.tracker;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Conv2d;
import org.sam3j.model.nn.LayerNorm;

/**
 * SAM's prompt encoder ({@code tracker.sam_prompt_encoder}): turns points (box corners included) into
 * sparse tokens and an optional low-resolution mask into a dense embedding of the image grid.
 *
 * <ul>
 *   <li>Point {@code p} with label {@code l ∈ {0, 1, 2, 3}} (negative, positive, box top-left, box
 *       bottom-right) → {@code PE(p) + point_embeddings[l]}. As in SAM 2 / SAM 3, boxes reach the encoder
 *       as two such points, so the encoder always appends one padding point (label −1), whose token is
 *       {@code not_a_point_embed} alone.</li>
 *   <li>Mask logits {@code [1, 4h, 4w]} → conv 2×2/2 → LayerNorm2d → GELU → conv 2×2/2 → LayerNorm2d →
 *       GELU → conv 1×1 → {@code [1, h, w, C]}; without a mask the dense embedding is {@code no_mask_embed}
 *       broadcast over the grid.</li>
 * </ul>
 * Coordinates enter the graph already normalised (see {@link #normalizeCoordinate}), so one compiled
 * graph serves every prompt with the same number of points.
 */
public final class SamPromptEncoder {
    /** Checkpoint prefix. */
    public static final String PREFIX = "tracker.sam_prompt_encoder";
    /** Name of the no-mask dense embedding {@code [1, C]}. */
    public static final String NO_MASK_EMBED = PREFIX + ".no_mask_embed.weight";
    private static final float LN2D_EPS = 1e-6f;
    private static final int MASK_IN_CHANS = 16;

    /**
     * Prompt embeddings.
     *
     * @param sparse {@code [1, N, C]} point tokens (padding token included), or null without points
     * @param dense  {@code [1, h, w, C]} mask embedding, or {@code [1, C]} ({@code no_mask_embed}, to be
     *               broadcast over the grid) without a mask prompt
     */
    public record Output(Tensor sparse, Tensor dense) {}

    private final int embedDim;
    private final int gridSize;
    private final PositionEmbeddingRandom peLayer;
    private final Tensor pointEmbeddings;   // [4, C]: rows for labels 0..3
    private final Tensor notAPointEmbed;    // [1, C]
    private final Tensor noMaskEmbed;       // [1, C]
    private final Conv2d down0;
    private final LayerNorm down1;
    private final Conv2d down3;
    private final LayerNorm down4;
    private final Conv2d down6;

    /**
     * Declares the parameters.
     *
     * @param embedDim token width (256)
     * @param gridSize side of the image embedding grid (72); mask prompts are {@code 4 · gridSize} square
     */
    public SamPromptEncoder(Graph g, int embedDim, int gridSize) {
        this.embedDim = embedDim;
        this.gridSize = gridSize;
        this.peLayer = new PositionEmbeddingRandom(g, PREFIX + ".pe_layer", embedDim / 2);
        Tensor[] rows = new Tensor[4];
        for (int i = 0; i < 4; i++) rows[i] = g.weight(PREFIX + ".point_embeddings." + i + ".weight", 1, embedDim);
        this.pointEmbeddings = g.concat(0, rows);
        this.notAPointEmbed = g.weight(PREFIX + ".not_a_point_embed.weight", 1, embedDim);
        this.noMaskEmbed = g.weight(NO_MASK_EMBED, 1, embedDim);
        int c4 = MASK_IN_CHANS / 4;
        this.down0 = new Conv2d(g, PREFIX + ".mask_downscaling.0", 1, c4, 2, 2, 0, true);
        this.down1 = new LayerNorm(g, PREFIX + ".mask_downscaling.1", c4, LN2D_EPS);
        this.down3 = new Conv2d(g, PREFIX + ".mask_downscaling.3", c4, MASK_IN_CHANS, 2, 2, 0, true);
        this.down4 = new LayerNorm(g, PREFIX + ".mask_downscaling.4", MASK_IN_CHANS, LN2D_EPS);
        this.down6 = new Conv2d(g, PREFIX + ".mask_downscaling.6", MASK_IN_CHANS, embedDim, 1, 1, 0, true);
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
     * @param coords normalised point coordinates {@code [1, P, 2]} (x, y; box corners first), or null
     * @param labels point labels {@code [1, P]} (0, 1, 2 or 3, as float values), or null
     * @param mask   mask logits {@code [1, 4h, 4w, 1]}, or null
     */
    public Output forward(Tensor coords, Tensor labels, Tensor mask) {
        if ((coords == null) != (labels == null)) throw new IllegalArgumentException("coordinates and labels go together");
        Tensor sparse = null;
        if (coords != null) {
            Graph g = coords.graph();
            int p = coords.dim(1);
            Tensor pe = peLayer.encode(coords);                                  // [1, P, C]
            Tensor points = g.add(pe, g.gather(pointEmbeddings, labels));        // + point_embeddings[label]
            // the padding point (label −1) is its embedding alone: its position encoding is discarded
            sparse = g.reshape(g.concat(0, g.reshape(points, p, embedDim), notAPointEmbed), 1, p + 1, embedDim);
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
        } else {
            dense = noMaskEmbed;
        }
        return new Output(sparse, dense);
    }

    /** The position encoding of the image grid's cell centres, {@code [1, h, w, C]} ({@code get_dense_pe}). */
    public Tensor denseEncoding(Graph g) {
        return peLayer.dense(g, gridSize, gridSize);
    }
}

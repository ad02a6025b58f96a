package org.sam3j.model.detector;

import org.sam3j.graph.Graph;
import org.sam3j.graph.Tensor;
import org.sam3j.model.nn.Mlp;
import org.sam3j.model.nn.Scope;

/**
 * The decoder's box relative-position bias ({@code boxRPB="log"}): for every query box and every
 * feature column {@code j} the offsets {@code j/W − x0} and {@code j/W − x1} (rows likewise with y),
 * log-scaled as {@code sign(8d)·log2(|8d| + 1)/3}, are mapped by two small MLPs to one value per head;
 * the bias of query q at pixel (r, c) is {@code By[q, r] + Bx[q, c]}.
 */
final class BoxRelativePositionBias {
    private final Graph g;
    private final Mlp embedX;
    private final Mlp embedY;
    private final int heads;

    BoxRelativePositionBias(Scope decoder, int d, int heads) {
        this.g = decoder.graph();
        this.embedX = new Mlp(decoder.child("boxRPB_embed_x"), 2, d, heads, 2);
        this.embedY = new Mlp(decoder.child("boxRPB_embed_y"), 2, d, heads, 2);
        this.heads = heads;
    }

    private Tensor logScaled(Tensor d) {
        Tensor d8 = g.scale(d, 8f);
        return g.scale(g.mul(g.sign(d8), g.log2(g.affine(g.abs(d8), 1f, 1f))), 1f / 3f);
    }

    /** Offsets {@code coord[j] − {lo, hi}[q]} as {@code [Q, side, 2]}. */
    private Tensor deltas(Tensor lo, Tensor hi, int side) {
        float[] coords = new float[side];
        for (int j = 0; j < side; j++) coords[j] = (float) j / side;
        int q = lo.dim(0);
        Tensor edges = g.reshape(g.concat(1, lo, hi), q, 1, 2);
        Tensor grid = g.constant("rpb.coords." + side, coords, 1, side, 1);
        return g.sub(grid, edges);
    }

    /**
     * @param boxes reference boxes (cx, cy, w, h) {@code [Q, 4]}
     * @return {@code [1, heads, 1 + Q, side·side]}: a row of zeros (the presence token's, which has no box) then the
     *         queries' biases. The zero row is added to the two small factors, so that the full bias is written once
     *         by their sum rather than copied again behind a zero row (33 MB a layer at full size).
     */
    Tensor forwardAfterZeroRow(Tensor boxes, int side) {
        int q = boxes.dim(0);
        Tensor xyxy = SineEncoding.cxcywhToXyxy(g, boxes);
        Tensor dx = deltas(SineEncoding.column(g, xyxy, 0), SineEncoding.column(g, xyxy, 2), side);
        Tensor dy = deltas(SineEncoding.column(g, xyxy, 1), SineEncoding.column(g, xyxy, 3), side);
        Tensor bx = embedX.forward(logScaled(dx)); // [Q, W, heads]
        Tensor by = embedY.forward(logScaled(dy)); // [Q, H, heads]
        Tensor bxh = g.concat(1, g.constant("rpb.zero_x." + side, new float[heads * side], heads, 1, 1, side),
                g.reshape(g.permute(bx, 2, 0, 1), heads, q, 1, side));
        Tensor byh = g.concat(1, g.constant("rpb.zero_y." + side, new float[heads * side], heads, 1, side, 1),
                g.reshape(g.permute(by, 2, 0, 1), heads, q, side, 1));
        return g.reshape(g.add(byh, bxh), 1, heads, 1 + q, side * side);   // the zero row: 0 + 0
    }
}

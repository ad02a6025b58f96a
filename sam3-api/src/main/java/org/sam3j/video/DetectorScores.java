package org.sam3j.video;

/**
 * The video detector's joint scores ({@code supervise_joint_box_scores}): each query's class probability times
 * the presence probability, back to a logit with the reference's {@code inverse_sigmoid} (eps 10⁻³), clamped to
 * ±10. Float32 arithmetic, as the reference.
 */
final class DetectorScores {
    private static final float EPS = 1e-3f;

    private DetectorScores() {}

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    /** The joint logits {@code [Q]} from the last decoder layer's class logits and presence logit. */
    static float[] jointLogits(float[] classLogits, float presenceLogit) {
        float presence = sigmoid(presenceLogit);
        float[] out = new float[classLogits.length];
        for (int i = 0; i < out.length; i++) {
            float p = Math.min(Math.max(sigmoid(classLogits[i]) * presence, 0f), 1f);
            float v = (float) Math.log(Math.max(p, EPS) / Math.max(1f - p, EPS));
            out[i] = Math.min(Math.max(v, -10f), 10f);
        }
        return out;
    }
}

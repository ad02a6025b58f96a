package org.sam3j.video;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Association of a frame's detections with the tracked objects ({@code _associate_det_trk}, one-to-many
 * matching): mask IoU between detections and tracks (both binarised at the same size); a detection is new when
 * its score reaches {@code new_det_thresh} and its IoU with every track is below {@code assoc_iou_thresh}; a
 * track is matched when some detection overlaps it by at least {@code trk_assoc_iou_thresh}; non-empty tracks
 * that are not matched are unmatched, empty ones listed apart; a detection that is not new, has score ≥ 0.8 and
 * IoU ≥ 0.8 with its best track is that track's high-confidence detection (drives reconditioning).
 */
final class Association {
    static final float HIGH_CONF = 0.8f;
    static final float HIGH_IOU = 0.8f;

    private Association() {}

    /**
     * @param ious                   detection × track IoU {@code [n][m]}
     * @param newDetections          indices of the new detections, ascending
     * @param unmatchedTrackIds      ids of non-empty unmatched tracks, in track order
     * @param detToMatchedTrackIds   per detection (every one, in order): the ids of the tracks it overlaps by at
     *                               least {@code assoc_iou_thresh} (empty when no track exists: then no entry)
     * @param highConfDetOfTrack     track id → its high-confidence detection index
     * @param emptyTrackIds          ids of tracks whose mask is empty, in track order
     */
    record Result(float[][] ious, int[] newDetections, long[] unmatchedTrackIds,
                  Map<Integer, long[]> detToMatchedTrackIds, Map<Long, Integer> highConfDetOfTrack,
                  long[] emptyTrackIds) {}

    /**
     * Associates binary masks of the same size.
     *
     * @param det       detection masks ({@code logits > 0})
     * @param detScores detection scores (probabilities)
     * @param trk       track masks ({@code logits > 0})
     * @param trkIds    object id of each track
     */
    static Result associate(boolean[][] det, float[] detScores, boolean[][] trk, long[] trkIds,
                            TextTrackingSettings s) {
        if (det.length != detScores.length || trk.length != trkIds.length) {
            throw new IllegalArgumentException(det.length + " detections with " + detScores.length + " scores, "
                    + trk.length + " tracks with " + trkIds.length + " ids");
        }
        int n = det.length;
        int m = trk.length;
        if (m == 0) {   // every detection is new, whatever its score (as the reference)
            int[] all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            return new Result(new float[n][0], all, new long[0], Map.of(), Map.of(), new long[0]);
        }
        boolean[] nonEmpty = new boolean[m];
        for (int j = 0; j < m; j++) nonEmpty[j] = MaskOps.any(trk[j]);
        if (n == 0) {
            return new Result(new float[0][m], new int[0], select(trkIds, nonEmpty, true), Map.of(), Map.of(),
                    select(trkIds, nonEmpty, false));
        }
        float[][] ious = MaskOps.ious(det, trk);
        boolean[] unmatched = new boolean[m];
        for (int j = 0; j < m; j++) {
            boolean matched = false;
            for (int i = 0; i < n; i++) matched |= ious[i][j] >= s.trkAssocIouThresh();
            unmatched[j] = nonEmpty[j] && !matched;
        }
        List<Integer> fresh = new ArrayList<>();
        Map<Integer, long[]> detToTrk = new LinkedHashMap<>();
        Map<Long, Integer> highConf = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            boolean overlaps = false;
            int best = 0;
            List<Long> ids = new ArrayList<>();
            for (int j = 0; j < m; j++) {
                if (ious[i][j] >= s.assocIouThresh()) {
                    overlaps = true;
                    ids.add(trkIds[j]);
                }
                if (ious[i][j] > ious[i][best]) best = j;   // first maximum, as numpy's argmax
            }
            boolean isNew = detScores[i] >= s.newDetThresh() && !overlaps;
            if (isNew) fresh.add(i);
            detToTrk.put(i, ids.stream().mapToLong(Long::longValue).toArray());
            if (!isNew && detScores[i] >= HIGH_CONF && ious[i][best] >= HIGH_IOU) highConf.put(trkIds[best], i);
        }
        return new Result(ious, fresh.stream().mapToInt(Integer::intValue).toArray(), select(trkIds, unmatched, true),
                detToTrk, highConf, select(trkIds, nonEmpty, false));
    }

    private static long[] select(long[] ids, boolean[] flag, boolean value) {
        List<Long> out = new ArrayList<>();
        for (int j = 0; j < ids.length; j++) if (flag[j] == value) out.add(ids[j]);
        return out.stream().mapToLong(Long::longValue).toArray();
    }
}

package org.sam3j;

import java.util.List;
import org.sam3j.Box;
import org.sam3j.Mask;

/**
 * The tracked objects on one frame, handed to the caller as soon as the frame is done (not kept by the session).
 *
 * @param frame   frame index
 * @param objects per object, in the order the objects were first prompted
 */
public record VideoFrameResult(int frame, List<TrackedObject> objects) {
    /** Copies the list. */
    public VideoFrameResult {
        objects = List.copyOf(objects);
    }

    /**
     * One object on one frame.
     *
     * @param objectId         the caller's object id
     * @param objectScoreLogit the tracker's object-presence logit (the object is considered absent when ≤ 0)
     * @param mask             the mask at the video's size (low-resolution logits upsampled bilinearly, {@code > 0})
     * @param box              the mask's bounding box ({@link Mask#boundingBox()}), or null for an empty mask
     */
    public record TrackedObject(int objectId, float objectScoreLogit, Mask mask, Box box) {}
}

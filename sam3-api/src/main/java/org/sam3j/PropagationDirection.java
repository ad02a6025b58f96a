package org.sam3j;

/** Which way a video session tracks its objects from the start frame. */
public enum PropagationDirection {
    /** Towards the last frame. */
    FORWARD,
    /** Towards frame 0 (the reference's {@code reverse=True}: temporal positions are mirrored). */
    BACKWARD
}

package org.sam3j;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A stream of frames pushed one at a time by a producer thread (a camera, a network feed): the session reads
 * them in order as it tracks. Memory is constant: {@link #push} blocks while one frame waits to be read, and only
 * the frame read last is kept (a session reads the prompted frame more than once). The stream has no known length
 * ({@link #frameCount()} is {@link Integer#MAX_VALUE}); propagation ends when the producer calls
 * {@link #close()} and the pushed frames are consumed. Streams are tracked forward only: a frame already passed
 * cannot be read again.
 */
public final class PushFrameSource implements FrameSource, AutoCloseable {
    private static final RgbImage END = RgbImage.of(1, 1, new byte[3]);
    private final BlockingQueue<RgbImage> queue = new ArrayBlockingQueue<>(1);
    private volatile boolean closed;
    private int nextIndex;
    private int lastIndex = -1;
    private RgbImage last;
    private boolean ended;

    /** Unknown: {@link Integer#MAX_VALUE}. */
    @Override
    public int frameCount() {
        return Integer.MAX_VALUE;
    }

    /**
     * Hands over the next frame, waiting while the previous one has not been read.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws InterruptedException  if the producer is interrupted while waiting
     */
    public void push(RgbImage frame) throws InterruptedException {
        Objects.requireNonNull(frame, "frame");
        if (closed) throw new IllegalStateException("the stream is closed");
        queue.put(frame);
    }

    /** Ends the stream (the consumer sees the end after the frames already pushed). Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            queue.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The frame {@code index}: the last one read again, or the next one pushed (waiting for it).
     *
     * @throws EOFException          when the stream has ended before that frame
     * @throws IllegalStateException for a frame already passed or one beyond the next
     */
    @Override
    public synchronized RgbImage read(int index) throws IOException {
        if (index == lastIndex) return last;
        if (index != nextIndex) {
            throw new IllegalStateException("a pushed stream is read in order: frame " + index + " requested, "
                    + (index < nextIndex ? "it has passed" : "the next is " + nextIndex));
        }
        if (ended) throw new EOFException("the stream ended after " + nextIndex + " frames");
        RgbImage f;
        try {
            f = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for frame " + index);
        }
        if (f == END) {
            ended = true;
            throw new EOFException("the stream ended after " + nextIndex + " frames");
        }
        last = f;
        lastIndex = index;
        nextIndex++;
        return f;
    }
}

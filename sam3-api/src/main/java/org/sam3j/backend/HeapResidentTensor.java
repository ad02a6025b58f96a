package org.sam3j.backend;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A {@link ResidentTensor} whose values stay in a float array on the JVM heap: the resident form of the CPU
 * backends (binding it as a graph input hands the array to the kernels, no copy) and of backends that move
 * data through host arrays. Created by backends with {@link #adopt}; the array is owned by the tensor and
 * never written after creation.
 */
public final class HeapResidentTensor implements ResidentTensor {
    private final ResidentScope scope;
    private final int[] shape;
    private volatile float[] data;
    /** Takes the array back when the tensor is freed, or null. */
    private final Consumer<float[]> onFree;

    private HeapResidentTensor(ResidentScope scope, int[] shape, float[] data, Consumer<float[]> onFree) {
        this.scope = scope;
        this.shape = shape.clone();
        this.data = data;
        this.onFree = onFree;
    }

    /**
     * Makes {@code data} (not copied; the caller must not write it afterwards) a resident tensor of
     * {@code scope}.
     *
     * @throws IllegalArgumentException if the shape and length disagree
     * @throws IllegalStateException    if the scope is closed
     */
    public static HeapResidentTensor adopt(ResidentScope scope, int[] shape, float[] data) {
        return adopt(scope, shape, data, null);
    }

    /**
     * As {@link #adopt(ResidentScope, int[], float[])}, and hands the array to {@code onFree} (if not null) when the
     * tensor is freed, so that a backend can reuse it for a later value instead of leaving it to the collector. That
     * is safe because the array is the tensor's alone: {@link #download} copies, and {@link #array()} refuses once
     * the tensor is freed (a run that binds the tensor must not overlap its freeing, as for every resident value).
     *
     * @throws IllegalArgumentException if the shape and length disagree
     * @throws IllegalStateException    if the scope is closed
     */
    public static HeapResidentTensor adopt(ResidentScope scope, int[] shape, float[] data, Consumer<float[]> onFree) {
        Objects.requireNonNull(scope, "scope");
        new HostTensor(shape, data); // checks the length against the shape
        return scope.adopt(new HeapResidentTensor(scope, shape, data, onFree));
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public Backend backend() {
        return scope.backend();
    }

    /** The scope that owns the tensor. */
    public ResidentScope scope() {
        return scope;
    }

    /**
     * The values themselves, for a host-memory backend binding the tensor as a graph input; read only.
     *
     * @throws IllegalStateException if the tensor was freed
     */
    public float[] array() {
        float[] d = data;
        if (d == null) throw new IllegalStateException("resident tensor " + Arrays.toString(shape) + " was freed");
        return d;
    }

    @Override
    public HostTensor download() {
        float[] d = array();
        scope.counter().addDownloaded(4L * d.length);
        return new HostTensor(shape.clone(), d.clone());
    }

    @Override
    public HostTensor downloadRows(int[] indices) {
        Objects.requireNonNull(indices, "indices");
        float[] d = array();
        if (shape.length == 0) throw new IllegalArgumentException("a scalar has no rows");
        int rows = shape[0];
        int per = rows == 0 ? 0 : d.length / rows;
        float[] out = new float[indices.length * per];
        for (int i = 0; i < indices.length; i++) {
            int r = indices[i];
            if (r < 0 || r >= rows) throw new IllegalArgumentException("row " + r + " outside 0.." + (rows - 1));
            System.arraycopy(d, r * per, out, i * per, per);
        }
        scope.counter().addDownloaded(4L * out.length);
        int[] s = shape.clone();
        s[0] = indices.length;
        return new HostTensor(s, out);
    }

    @Override
    public boolean isClosed() {
        return data == null;
    }

    @Override
    public void close() {
        float[] d;
        synchronized (this) {
            d = data;
            data = null;
        }
        if (d != null && onFree != null) onFree.accept(d);
    }

    @Override
    public String toString() {
        return "HeapResidentTensor" + Arrays.toString(shape) + (isClosed() ? " (freed)" : "");
    }
}

package org.sam3j.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A named tensor as stored in a file: element type, shape and contiguous row-major little-endian bytes.
 *
 * <p>The bytes may be a read-only view of a memory-mapped file; nothing is copied until one of the
 * {@code to...} conversions is called. Instances are immutable.
 */
public final class StoredTensor {
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final ByteBuffer data;

    /**
     * @param name  tensor name
     * @param dtype element type
     * @param shape dimensions (empty for a scalar)
     * @param data  exactly {@code numel(shape) * dtype.byteSize()} bytes, row-major, little-endian
     */
    public StoredTensor(String name, DType dtype, long[] shape, ByteBuffer data) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        long expected = numel(shape) * dtype.byteSize();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.remaining()
                    + " bytes for shape " + Arrays.toString(shape) + " of " + dtype + " (expected " + expected + ")");
        }
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Creates a float32 tensor from values (copied). */
    public static StoredTensor ofFloats(String name, long[] shape, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return new StoredTensor(name, DType.F32, shape, buf);
    }

    /** Creates an int64 tensor from values (copied). */
    public static StoredTensor ofLongs(String name, long[] shape, long[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        return new StoredTensor(name, DType.I64, shape, buf);
    }

    /** Tensor name. */
    public String name() {
        return name;
    }

    /** Element type. */
    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** Number of elements. */
    public long numel() {
        return numel(shape);
    }

    /** The raw bytes (read-only, little-endian, positioned at 0). */
    public ByteBuffer bytes() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Converts to float32. F32, F16, BF16 and F64 are converted element-wise; integer and boolean
     * types are converted by value; C64 is returned as interleaved (real, imaginary) pairs.
     *
     * @throws IllegalStateException if the tensor has more than {@code Integer.MAX_VALUE - 8} values
     */
    public float[] toFloats() {
        long n = dtype == DType.C64 ? numel() * 2 : numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor '" + name + "' has " + n + " values, too many for one float[]");
        }
        float[] out = new float[(int) n];
        ByteBuffer b = bytes();
        switch (dtype) {
            case F32:
            case C64:
                b.asFloatBuffer().get(out);
                break;
            case F64:
                for (int i = 0; i < out.length; i++) out[i] = (float) b.getDouble(i * 8);
                break;
            case F16:
                for (int i = 0; i < out.length; i++) out[i] = halfToFloat(b.getShort(i * 2));
                break;
            case BF16:
                for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xFFFF) << 16);
                break;
            case I64:
                for (int i = 0; i < out.length; i++) out[i] = b.getLong(i * 8);
                break;
            case I32:
                for (int i = 0; i < out.length; i++) out[i] = b.getInt(i * 4);
                break;
            case I16:
                for (int i = 0; i < out.length; i++) out[i] = b.getShort(i * 2);
                break;
            case I8:
                for (int i = 0; i < out.length; i++) out[i] = b.get(i);
                break;
            case U8:
            case BOOL:
                for (int i = 0; i < out.length; i++) out[i] = b.get(i) & 0xFF;
                break;
            default:
                throw new IllegalStateException("unhandled dtype " + dtype);
        }
        return out;
    }

    /**
     * Converts an integer or boolean tensor to int64 values.
     *
     * @throws IllegalStateException for floating-point tensors
     */
    public long[] toLongs() {
        if (dtype.isFloating()) {
            throw new IllegalStateException("tensor '" + name + "' is " + dtype + ", not an integer tensor");
        }
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor '" + name + "' has " + n + " values, too many for one long[]");
        }
        long[] out = new long[(int) n];
        ByteBuffer b = bytes();
        int size = dtype.byteSize();
        for (int i = 0; i < out.length; i++) {
            switch (dtype) {
                case I64: out[i] = b.getLong(i * size); break;
                case I32: out[i] = b.getInt(i * size); break;
                case I16: out[i] = b.getShort(i * size); break;
                case I8: out[i] = b.get(i); break;
                default: out[i] = b.get(i) & 0xFF; break;
            }
        }
        return out;
    }

    /** Element count of a shape. */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** IEEE 754 half precision to float. */
    public static float halfToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0) {
            if (mant == 0) return Float.intBitsToFloat(sign);
            // subnormal: value = mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}

package org.sam3j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;

import org.bytedeco.javacpp.Pointer;

/**
 * Device allocations of one backend (one device), counted by kind for {@link CudaMemoryStats}.
 * Thread-safe. The caller makes the backend's device current before allocating or freeing.
 */
final class DeviceMemory {
    /** What an allocation is for. */
    enum Kind { WEIGHTS, ACTIVATIONS, WORKSPACE }

    /** One device allocation. */
    static final class Buffer {
        final long address;
        final long bytes;
        final Kind kind;
        final String what;
        boolean freed;

        private Buffer(long address, long bytes, Kind kind, String what) {
            this.address = address;
            this.bytes = bytes;
            this.kind = kind;
            this.what = what;
        }

        @Override
        public String toString() {
            return what + " (" + bytes + " bytes at 0x" + Long.toHexString(address) + ")";
        }
    }

    private final long[] current = new long[Kind.values().length];
    private long peak;

    /** cudaMalloc of at least one byte; throws {@link CudaException} (out of memory, ...) with what it was for. */
    synchronized Buffer allocate(long bytes, Kind kind, String what) {
        Pointer p = new Pointer();
        long size = Math.max(bytes, 1);
        CudaRuntime.check(cudaMalloc(p, size), "cudaMalloc of " + size + " bytes for " + what);
        Buffer b = new Buffer(p.address(), size, kind, what);
        current[kind.ordinal()] += size;
        long total = 0;
        for (long c : current) total += c;
        peak = Math.max(peak, total);
        return b;
    }

    /** Frees a buffer once (later calls do nothing). */
    synchronized void free(Buffer b) {
        if (b == null || b.freed) return;
        b.freed = true;
        current[b.kind.ordinal()] -= b.bytes;
        CudaRuntime.check(cudaFree(address(b.address)), "cudaFree of " + b);
    }

    synchronized CudaMemoryStats stats() {
        return new CudaMemoryStats(current[Kind.WEIGHTS.ordinal()], current[Kind.ACTIVATIONS.ordinal()],
                current[Kind.WORKSPACE.ordinal()], peak);
    }

    /** A JavaCPP pointer to a raw (device or host) address, for the preset's functions. */
    static Pointer address(long address) {
        return new Address(address);
    }

    private static final class Address extends Pointer {
        Address(long a) {
            address = a;
        }
    }
}

package org.sam3j.tensorrt;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The part of TensorRT an engine build uses, as an interface: {@link NvInferApi} implements it over the JavaCPP
 * preset, tests implement it by recording the calls, so that {@link EngineBuilder}'s configuration is checked
 * without TensorRT or a GPU.
 */
interface TensorRtApi {
    /**
     * Creates a builder, a network ({@code kSTRONGLY_TYPED} when asked), a builder config and an ONNX parser on
     * the network.
     */
    Session open(boolean stronglyTyped);

    /** One build's TensorRT objects; {@link #close()} releases them. */
    interface Session extends AutoCloseable {
        /**
         * Parses an ONNX model into the network.
         *
         * @param onnx      the model
         * @param modelPath where the model lies (its external data files are resolved beside it), or null
         * @return the parser's errors, empty when it succeeded
         */
        List<String> parse(byte[] onnx, Path modelPath);

        /** Sets a builder flag. */
        void setFlag(BuildSettings.Flag flag);

        /** Clears a builder flag. */
        void clearFlag(BuildSettings.Flag flag);

        /** Pins every layer of the given kinds to FP32 (precision and output types); returns how many. */
        int pinToFp32(Set<BuildSettings.PinnedLayer> kinds);

        /** Sets the workspace memory-pool limit. */
        void setWorkspace(long bytes);

        /**
         * Gives the config a timing cache made from {@code serialized} (empty: a new one).
         *
         * @return false when TensorRT rejected the bytes (then a new cache is used)
         */
        boolean setTimingCache(byte[] serialized);

        /** Builds the serialized engine; null when TensorRT failed (see {@link #errors()}). */
        byte[] buildSerializedNetwork();

        /** The config's timing cache, serialized (after a build it holds the new timings). */
        byte[] serializeTimingCache();

        /** The errors TensorRT logged so far. */
        List<String> errors();

        @Override
        void close();
    }
}

package org.sam3j.tensorrt;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A {@link TensorRtApi} that records every call as a line and answers as configured: the engine is "ENGINE:" plus
 * the ONNX bytes, the timing cache after a build is the one given plus "+t".
 */
final class RecordingTensorRtApi implements TensorRtApi {
    final List<String> calls = new ArrayList<>();
    List<String> parserErrors = List.of();
    List<String> loggedErrors = List.of();
    boolean buildFails;
    boolean rejectTimingCache;
    int opened;
    int closed;

    @Override
    public Session open(boolean stronglyTyped) {
        opened++;
        calls.add("open stronglyTyped=" + stronglyTyped);
        return new Session() {
            byte[] onnx;
            byte[] timing = new byte[0];

            @Override
            public List<String> parse(byte[] model, Path modelPath) {
                onnx = model;
                calls.add("parse " + model.length + " bytes" + (modelPath == null ? "" : " at " + modelPath.getFileName()));
                return parserErrors;
            }

            @Override
            public void setFlag(BuildSettings.Flag flag) {
                calls.add("setFlag " + flag);
            }

            @Override
            public void clearFlag(BuildSettings.Flag flag) {
                calls.add("clearFlag " + flag);
            }

            @Override
            public int pinToFp32(Set<BuildSettings.PinnedLayer> kinds) {
                calls.add("pinToFp32 " + kinds);
                return kinds.size();
            }

            @Override
            public void setWorkspace(long bytes) {
                calls.add("setWorkspace " + bytes);
            }

            @Override
            public boolean setTimingCache(byte[] serialized) {
                calls.add("setTimingCache '" + new String(serialized, StandardCharsets.UTF_8) + "'");
                if (rejectTimingCache && serialized.length > 0) return false;
                timing = serialized;
                return true;
            }

            @Override
            public byte[] buildSerializedNetwork() {
                calls.add("build");
                if (buildFails) return null;
                byte[] prefix = "ENGINE:".getBytes(StandardCharsets.UTF_8);
                byte[] out = new byte[prefix.length + onnx.length];
                System.arraycopy(prefix, 0, out, 0, prefix.length);
                System.arraycopy(onnx, 0, out, prefix.length, onnx.length);
                return out;
            }

            @Override
            public byte[] serializeTimingCache() {
                return (new String(timing, StandardCharsets.UTF_8) + "+t").getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public List<String> errors() {
                return loggedErrors;
            }

            @Override
            public void close() {
                closed++;
                calls.add("close");
            }
        };
    }
}

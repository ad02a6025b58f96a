package org.sam3j.tensorrt;

/** TensorRT could not parse a stage's ONNX or build its engine; the message carries every error it reported. */
public final class EngineBuildException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with the collected errors. */
    public EngineBuildException(String message) {
        super(message);
    }
}

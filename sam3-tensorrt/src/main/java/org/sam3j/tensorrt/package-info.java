/**
 * TensorRT engines for the SAM 3 stages exported to ONNX ({@code sam3-onnx}): {@link org.sam3j.tensorrt.TensorRtEngines}
 * builds one stage's engine (TensorRT's ONNX parser, FP32/FP16/BF16, a persistent timing cache) and keeps it in the
 * {@link org.sam3j.tensorrt.EngineCache}; {@link org.sam3j.tensorrt.TensorRtRuntime} says whether TensorRT and a GPU are
 * present; {@link org.sam3j.tensorrt.TensorRtProvider} registers the {@code tensorrt} backend, which cannot run graphs
 * yet (engine execution is the missing piece). Nothing here has run on a GPU.
 */
package org.sam3j.tensorrt;

/**
 * ONNX export of the model graph ({@link org.sam3j.onnx.OnnxExporter}, one model per stage,
 * {@link org.sam3j.onnx.OnnxStages}) and the ONNX Runtime backend ({@link org.sam3j.onnx.OnnxRuntimeBackend}, name
 * {@code onnxruntime}). The ONNX messages are compiled by protoc from this module's own schema
 * ({@code src/main/proto/onnx.proto}, the subset of the published {@code onnx.proto} that is written).
 */
package org.sam3j.onnx;

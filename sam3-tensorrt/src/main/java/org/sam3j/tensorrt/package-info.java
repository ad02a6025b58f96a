/**
 * TensorRT engines built from the SAM 3 model graph and cached on disk. Not yet implemented.
 */
package org.sam3j.tensorrt;

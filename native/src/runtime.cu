// Runtime queries of sam3cuda.h: version, compiled architectures, error text, devices, streams.
#include "common.cuh"

#include <dlfcn.h>

#ifndef S3C_ARCHS
#define S3C_ARCHS "unknown"
#endif

extern "C" {

int s3c_version(void) { return S3C_VERSION; }

const char* s3c_architectures(void) { return S3C_ARCHS; }

int s3c_runtime_version(void) { return CUDART_VERSION; }

const char* s3c_error_string(int code) {
    if (code == S3C_ERR_INVALID_ARGUMENT) return "invalid argument (see s3c_last_message)";
    return cudaGetErrorString((cudaError_t)code);
}

int s3c_device_count(int* count) {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        cudaGetLastError();  // clear the error so that it does not surface at a later launch check
        n = 0;
    }
    if (count) *count = n;
    return (int)e;
}

int s3c_set_device(int device) { return (int)cudaSetDevice(device); }

const char* s3c_cudart_library(void) {
    // With -cudart shared the address of a runtime function (taken through the GOT in -fPIC code) lies
    // in libcudart.so; with a static runtime it would lie in this library.
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&cudaGetDeviceCount), &info) == 0 || info.dli_fname == nullptr) return "";
    return info.dli_fname;
}

int s3c_stream_synchronize(void* stream) { return (int)cudaStreamSynchronize(s3c::as_stream(stream)); }

}  // extern "C"

"""Placeholders for the official code's imports that this CPU-only machine lacks (GPU kernels, video decoding,
dataset tools); none of them is called by image encoding and prompting."""
import sys, types

class _Any:
    def __init__(self, *a, **k):
        pass
    def __call__(self, *a, **k):
        raise NotImplementedError("stub")

class _Mod(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Any

def stub(*names):
    for n in names:
        m = _Mod(n)
        m.__path__ = []
        sys.modules[n] = m

stub("sam3.model.edt", "decord", "pycocotools", "pycocotools.mask", "pycocotools.coco", "pycocotools.cocoeval")

# The official code creates some tensors on "cuda" outright; on this CPU-only machine they go to the CPU.
import functools
import torch

def _cpu(fn):
    @functools.wraps(fn)
    def wrapped(*a, **k):
        d = k.get("device")
        if d is not None and str(d).startswith("cuda"):
            k["device"] = "cpu"
        return fn(*a, **k)
    return wrapped

for _name in ("zeros", "ones", "empty", "full", "arange", "tensor", "linspace", "rand", "randn", "randint",
              "zeros_like", "ones_like", "empty_like", "full_like", "as_tensor", "eye"):
    setattr(torch, _name, _cpu(getattr(torch, _name)))
torch.Tensor.cuda = lambda self, *a, **k: self
torch.nn.Module.cuda = lambda self, *a, **k: self
_to = torch.Tensor.to
def _tensor_to(self, *a, **k):
    a = tuple("cpu" if (isinstance(x, (str, torch.device)) and str(x).startswith("cuda")) else x for x in a)
    if "device" in k and str(k["device"]).startswith("cuda"):
        k["device"] = "cpu"
    return _to(self, *a, **k)
torch.Tensor.to = _tensor_to
torch.Tensor.pin_memory = lambda self, *a, **k: self  # no accelerator: pinned host memory means nothing here

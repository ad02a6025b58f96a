"""Stand-ins for the torchvision transforms that the official interactive predictor scripts when it is built
(sam3/model/utils/sam1_utils.py: Resize and Normalize in torch.jit.script). This benchmark hands the predictor
backbone features, never an image, so neither runs. Installed as torchvision.transforms on import; every other name
is the placeholder of ../pytorch-side-by-side-2026-12-03/python/torchvision (on PYTHONPATH after this folder)."""
import sys
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class Resize(nn.Module):
    def __init__(self, size: Tuple[int, int]):
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x.unsqueeze(0), size=self.size, mode="bilinear", align_corners=False, antialias=True)[0]


class Normalize(nn.Module):
    def __init__(self, mean: List[float], std: List[float]):
        super().__init__()
        self.register_buffer("m", torch.tensor(mean).view(-1, 1, 1))
        self.register_buffer("s", torch.tensor(std).view(-1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.m) / self.s


class ToTensor:
    def __call__(self, pic):
        raise NotImplementedError("stand-in: this benchmark converts no image through torchvision")


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return torchvision._Placeholder


__path__ = []  # a package: submodules (functional, v2, ...) come from the placeholder finder
sys.modules["torchvision.transforms"] = sys.modules[__name__]

import torch
class FrozenBatchNorm2d(torch.nn.Module):
    def __init__(self, *a, **k):
        super().__init__()
def __getattr__(name):
    return FrozenBatchNorm2d

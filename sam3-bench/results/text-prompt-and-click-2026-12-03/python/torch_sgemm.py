"""PyTorch's SGEMM rate on this machine, as the side-by-side runs record it beside the official model's processes
(../pytorch-side-by-side-2026-12-04 and later): a 5184 x 1024 by 1024 x 4736 product (the image encoder's largest
Linear shape) eight times on 2 threads, the best and the median rate in GFLOP/s and every run's."""
import time

import torch

torch.set_num_threads(2)
a = torch.randn(5184, 1024)
b = torch.randn(1024, 4736)
r = []
for i in range(8):
    t = time.perf_counter()
    a @ b
    r.append(2 * 5184 * 1024 * 4736 / (time.perf_counter() - t) / 1e9)
print('torch sgemm 5184x4736x1024 GFLOP/s, best', round(max(r)), 'median', round(sorted(r)[4]), [round(x) for x in r])

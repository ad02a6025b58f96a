"""RoI Align in plain PyTorch (torchvision's semantics: boxes in input coordinates x0, y0, x1, y1, one list entry per
image, sampling_ratio <= 0 means ceil(roi size / output size) samples per bin, aligned shifts by half a pixel)."""
import math
import torch
import torch.nn.functional as F

def roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    n, c, h, w = input.shape
    if isinstance(boxes, torch.Tensor):
        rois = boxes
    else:
        rois = torch.cat([torch.cat([torch.full((b.shape[0], 1), i, dtype=b.dtype), b], 1)
                          for i, b in enumerate(boxes)], 0) if len(boxes) else input.new_zeros((0, 5))
    out = input.new_zeros((rois.shape[0], c, oh, ow))
    off = 0.5 if aligned else 0.0
    for r in range(rois.shape[0]):
        b = int(rois[r, 0])
        x0, y0, x1, y1 = [float(v) * spatial_scale - off for v in rois[r, 1:]]
        rw, rh = x1 - x0, y1 - y0
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        sy = sampling_ratio if sampling_ratio > 0 else max(1, math.ceil(rh / oh))
        sx = sampling_ratio if sampling_ratio > 0 else max(1, math.ceil(rw / ow))
        ys = y0 + (torch.arange(oh * sy, dtype=input.dtype) + 0.5) * rh / (oh * sy)
        xs = x0 + (torch.arange(ow * sx, dtype=input.dtype) + 0.5) * rw / (ow * sx)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        grid = torch.stack([(gx + 0.5) / w * 2 - 1, (gy + 0.5) / h * 2 - 1], -1)[None]
        s = F.grid_sample(input[b:b + 1], grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        out[r] = F.avg_pool2d(s, (sy, sx))[0]
    return out

class RoIAlign(torch.nn.Module):
    def __init__(self, output_size, spatial_scale, sampling_ratio, aligned=False):
        super().__init__()
        self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned = \
            output_size, spatial_scale, sampling_ratio, aligned

    def forward(self, input, rois):
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)

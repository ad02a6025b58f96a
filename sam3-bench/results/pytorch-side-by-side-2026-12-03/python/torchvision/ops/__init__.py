from .roi_align import roi_align, RoIAlign  # noqa: F401
from .misc import FrozenBatchNorm2d  # noqa: F401

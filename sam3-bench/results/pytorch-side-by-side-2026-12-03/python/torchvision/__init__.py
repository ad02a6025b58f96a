# Minimal stand-in for torchvision (its PyPI wheel here is built for CUDA): every missing submodule and name is a
# placeholder that fails when used; only importing sam3 (and timm) needs them.
import importlib.abc, importlib.machinery, sys, types

class _Meta(type):
    def __getattr__(cls, name):  # enum-like members (InterpolationMode.NEAREST, ...): distinct hashable values
        if name.startswith("__"):
            raise AttributeError(name)
        return name.lower() if name.isupper() else _Placeholder

class _Placeholder(metaclass=_Meta):
    def __init__(self, *a, **k):
        pass
    def __call__(self, *a, **k):
        raise NotImplementedError("torchvision stub")
    def __class_getitem__(cls, item):
        return cls

class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Placeholder

class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname.startswith("torchvision.") and importlib.machinery.PathFinder.find_spec(fullname, path) is None:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None
    def create_module(self, spec):
        m = _StubModule(spec.name)
        m.__path__ = []
        return m
    def exec_module(self, module):
        pass

sys.meta_path.append(_Finder())
__version__ = "0.0-stub"

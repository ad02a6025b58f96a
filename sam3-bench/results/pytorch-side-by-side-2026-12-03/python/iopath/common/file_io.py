# Stand-in for iopath's path manager: local files only.
import builtins, os
class _PathManager:
    open = staticmethod(builtins.open)
    exists = staticmethod(os.path.exists)
g_pathmgr = _PathManager()

"""Prints `run.sh profile`'s figures: per process, the steady encode's (round 1) products (LINEAR and LINEAR+GELU), its
attention (the 4 global blocks from the per-op lines, the 28 windowed blocks the rest) and their rates, and attention's
rate as a share of the products' rate in the same graph run. Usage: python3 summarise_profile.py (PROFILE_OUT: another
directory of profile-ops-{before,after}-N.txt files)"""
import glob, os, re

OUT = os.environ.get("PROFILE_OUT") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
TOKENS, WIDTH, MLP = 72 * 72, 1024, 4736
LINEAR_FLOPS = 32 * 2 * TOKENS * WIDTH * (3 * WIDTH + WIDTH + 2 * MLP)  # qkv, proj, fc1, fc2 of 32 blocks
GLOBAL_FLOPS = 2 * 16 * TOKENS * TOKENS * 128                            # one global block: 16 heads of 64
WINDOWED_FLOPS = 28 * 2 * 9 * 16 * 576 * 576 * 128                       # 28 blocks of 9 windows of 24²


def steady_encode(path):
    """The per-op totals (ns) and the global blocks' times (us) of the second encode graph in the file."""
    runs, current = [], None
    for line in open(path, errors="replace"):
        m = re.match(r"TMPPROF nodes=(\d+) \{(.*)\}", line)
        if m:
            current = None
            if m.group(1) == "1181":
                current = {"ops": dict((k, int(v)) for k, v in re.findall(r"([A-Z_+0-9]+)=(\d+)", m.group(2))),
                           "global": []}
                runs.append(current)
            continue
        g = re.match(r"TMPN (\d+) us ATTENTION \[1, 5184, 16, 64\]", line)
        if g and current is not None:
            current["global"].append(int(g.group(1)))
    return runs[1]


for side in ("before", "after"):
    for path in sorted(glob.glob(os.path.join(OUT, f"profile-ops-{side}-*.txt"))):
        run = steady_encode(path)
        linear = (run["ops"].get("LINEAR", 0) + run["ops"].get("LINEAR+GELU", 0)) / 1e9
        attention = run["ops"]["ATTENTION"] / 1e9
        glob_s = sum(run["global"]) / 1e6
        windowed = attention - glob_s
        lin_rate = LINEAR_FLOPS / linear / 1e9
        g_rate = 4 * GLOBAL_FLOPS / glob_s / 1e9
        w_rate = WINDOWED_FLOPS / windowed / 1e9
        a_rate = (4 * GLOBAL_FLOPS + WINDOWED_FLOPS) / attention / 1e9
        print("%-22s products %.2f s %.0f GFLOP/s | attention %.2f s %.0f GFLOP/s (%.0f %%): global 4 x %s s %.0f "
              "GFLOP/s (%.0f %%), windowed %.2f s %.0f GFLOP/s (%.0f %%)" % (
                  os.path.basename(path), linear, lin_rate, attention, a_rate, 100 * a_rate / lin_rate,
                  "/".join("%.2f" % (u / 1e6) for u in run["global"]), g_rate, 100 * g_rate / lin_rate, windowed,
                  w_rate, 100 * w_rate / lin_rate))

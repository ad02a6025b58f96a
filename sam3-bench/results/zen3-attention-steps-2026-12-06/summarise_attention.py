"""Prints `run.sh attention`'s figures: per shape and side the single-shot means of each round (JMH, ms) and their rates,
and after ÷ before round by round (the two sides of a round ran one after the other), beside the SGEMM rate at the
start and the end of the run. Usage: python3 summarise_attention.py [DIR] (default: out/)"""
import glob, json, os, re, sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
FLOPS = {  # 2 products of 2·d flops a query-key pair
    "windowed-grid": 2 * 9 * 16 * 576 * 576 * 128,
    "global": 2 * 16 * 5184 * 5184 * 128,
    "fusion": 2 * 8 * 5184 * 5184 * 64,
    "cross-bias": 2 * 8 * 200 * 5184 * 64,
    "text": 2 * 16 * 32 * 32 * 128,
}


def score(path):
    return json.load(open(path))[0]["primaryMetric"]["score"]


sgemm = [os.path.join(OUT, f"attention-sgemm-{w}.json") for w in ("start", "end")]
if all(os.path.exists(p) for p in sgemm):
    print("SGEMM 5184 x 4736 x 1024 through the backend: start %.0f, end %.0f GFLOP/s"
          % tuple(2 * 5184 * 4736 * 1024 / (score(p) * 1e-3) / 1e9 for p in sgemm))
for shape, flops in FLOPS.items():
    ms = {}
    for side in ("before", "after"):
        files = sorted(glob.glob(os.path.join(OUT, f"attention-{side}-{shape}-*.json")),
                       key=lambda f: int(re.search(r"-(\d+)\.json$", f).group(1)))
        ms[side] = [score(f) for f in files]
        print("%-14s %-6s %s ms  %s GFLOP/s" % (shape, side, " / ".join("%.1f" % m for m in ms[side]),
                                               " / ".join("%.0f" % (flops / (m * 1e-3) / 1e9) for m in ms[side])))
    print("%-14s after ÷ before, round by round: %s" % (
        "", " / ".join("%.2f" % (a / b) for a, b in zip(ms["after"], ms["before"]))))

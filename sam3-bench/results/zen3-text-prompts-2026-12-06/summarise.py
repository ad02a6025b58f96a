"""Per pair of texts.sh's run: the SGEMM rates measured before it, PyTorch's text prompts (the median of the TEXTS - 1
after its first two), sam3j's text prompts right after an image (rounds 1 and later; round 0 is the cold one) and on an
image already prompted (the TEXTS - 1 after those), and the ratios PyTorch / sam3j; then the medians over all pairs.
Usage: python3 summarise.py [--out DIR] [NAME ...] (DIR: the outputs, default out/; NAME: the sam3j jars' names given to
texts.sh, default every name there)."""
import glob, json, os, re, statistics, sys

here = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:]
out = os.path.join(here, "out")
if args[:1] == ["--out"]:
    out = os.path.abspath(args[1])
    args = args[2:]


def texts_in_order(line):
    m = re.search(r"in order: ([\d ]+)\)", line)
    return [float(x) / 1e3 for x in m.group(1).split()] if m else []


def pytorch(path):
    more = []
    for line in open(path, errors="replace"):
        if line.startswith("texts"):
            more += texts_in_order(line)
    return more


def sam3j(path):
    first, more = [], []
    for line in open(path, errors="replace"):
        m = re.match(r"textPrompt#(\d+)\s+wall\s+([\d.]+) s", line)
        if m and int(m.group(1)) > 0:
            first.append(float(m.group(2)))
        if line.startswith("texts"):
            more += texts_in_order(line)
    return first, more


def sgemm(pair):
    rates = []
    f = os.path.join(out, f"sgemm-{pair}.json")
    if os.path.exists(f):
        e = json.load(open(f))[0]  # ms per product of 5184 x 4736 by 1024
        m, n, k = (int(x) for x in e["params"]["shape"].split("x"))
        rates.append(f"OpenBLAS {2 * m * n * k / (e['primaryMetric']['score'] * 1e-3) / 1e9:.0f}")
    f = os.path.join(out, f"torch-sgemm-{pair}.txt")
    if os.path.exists(f):
        m = re.search(r"median (\d+)", open(f).read())
        if m:
            rates.append(f"torch {m.group(1)}")
    return ", ".join(rates) + " GFLOP/s" if rates else "no SGEMM"


pairs = sorted(int(re.search(r"-(\d+)\.txt$", p).group(1)) for p in glob.glob(os.path.join(out, "pytorch-*.txt")))
names = args or sorted({re.sub(r"-\d+\.txt$", "", os.path.basename(p)) for p in glob.glob(os.path.join(out, "*-*.txt"))
                                if not re.match(r"(pytorch|torch-sgemm)-", os.path.basename(p))})
every = {"pytorch": []}
for n in names:
    every[n + " first"] = []
    every[n + " more"] = []
for pair in pairs:
    pt = pytorch(os.path.join(out, f"pytorch-{pair}.txt"))
    every["pytorch"] += pt
    ptm = statistics.median(pt) if pt else float("nan")
    print(f"pair {pair} (SGEMM before it: {sgemm(pair)}): PyTorch text prompt median {ptm:.2f} s "
          f"(n={len(pt)}, {min(pt):.2f}-{max(pt):.2f})")
    for n in names:
        f = os.path.join(out, f"{n}-{pair}.txt")
        if not os.path.exists(f):
            continue
        first, more = sam3j(f)
        every[n + " first"] += first
        every[n + " more"] += more
        line = f"  {n}: after an image {', '.join(f'{v:.2f}' for v in first)} s"
        if first:
            line += f" (median {statistics.median(first):.2f}: {ptm / statistics.median(first):.2f} x)"
        if more:
            line += f"; on a prompted image median {statistics.median(more):.2f} s ({ptm / statistics.median(more):.2f} x)"
        print(line)
print("all pairs:")
ptm = statistics.median(every["pytorch"])
for key, vals in every.items():
    if vals:
        med = statistics.median(vals)
        ratio = "" if key == "pytorch" else f"  PyTorch / this {ptm / med:.2f} x"
        print(f"  {key:24s} median {med:.2f} s  range {min(vals):.2f}-{max(vals):.2f}  n={len(vals)}{ratio}")

"""Prints the medians of out/'s processes: encode, text prompt (new phrase), the click loop's median, and the peak RSS,
for steady rounds (1 and 2 of each process) and for the first round. Usage: python3 summarise.py PREFIX... where each
PREFIX names the files of one side (e.g. out/pytorch-, out/sam3j-cpu-, out/cpu-run-after-)."""
import glob, re, statistics, sys

def parse(path):
    rounds = {}
    clicks = {}
    peak = 0.0
    for line in open(path, errors="replace"):
        m = re.match(r"(setImage|textPrompt|click)#(\d+)\s+(?:wall\s+)?([\d.]+) s", line)
        if m:
            rounds.setdefault(int(m.group(2)), {})[m.group(1)] = float(m.group(3))
            r = re.search(r"peak RSS\s+(\d+) MiB", line)
            if r:
                peak = max(peak, float(r.group(1)))
            last = int(m.group(2))
        c = re.search(r"more: median ([\d.]+) ms", line)
        if c:
            clicks[last] = float(c.group(1))
    return rounds, clicks, peak

for prefix in sys.argv[1:]:
    files = sorted(glob.glob(prefix + "*.txt"))
    steady = {"setImage": [], "textPrompt": [], "clicks": []}
    first = {"setImage": [], "textPrompt": []}
    peaks = []
    for f in files:
        rounds, clicks, peak = parse(f)
        peaks.append(peak)
        for r, v in rounds.items():
            target = first if r == 0 else steady
            for key in first:
                if key in v:
                    target[key].append(v[key])
        steady["clicks"] += [ms for r, ms in clicks.items() if r > 0]
    print(f"{prefix}: {len(files)} processes")
    for key, vals in steady.items():
        if vals:
            print(f"  steady {key:10s} median {statistics.median(vals):8.2f}  range {min(vals):.2f}-{max(vals):.2f}  n={len(vals)}")
    for key, vals in first.items():
        if vals:
            print(f"  first  {key:10s} {', '.join(f'{v:.2f}' for v in vals)}")
    print(f"  peak RSS (MiB) {', '.join(f'{p:.0f}' for p in peaks)}")

#!/usr/bin/env python3
"""Cores used by thread group (main, workers, C2, C1, GC, other) in bins of BIN s, from sample.py's TSV: each
interval's CPU over the interval's own length. Usage: idle.py OUT.tsv[.gz] [BIN]
"""
import collections, gzip, sys
f = sys.argv[1]; BIN = float(sys.argv[2]) if len(sys.argv) > 2 else 0.1
def group(n):
    if n.startswith('C2 Compiler'): return 'C2'
    if n.startswith('C1 Compiler'): return 'C1'
    if n.startswith('GC') or n.startswith('G1'): return 'GC'
    if n == 'java': return 'main'
    if n.startswith('sam3j-cpu'): return 'workers'
    return 'other'
samples = collections.OrderedDict()
for l in (gzip.open(f, 'rt') if f.endswith('.gz') else open(f)):
    if l.startswith('#'): continue
    t, tid, nm, ns = l.rstrip('\n').split('\t')
    samples.setdefault(float(t), {})[tid] = (group(nm), int(ns))
times = list(samples)
use = collections.defaultdict(collections.Counter); cover = collections.Counter()
for a, b in zip(times, times[1:]):
    bb = int(b / BIN); cover[bb] += b - a
    for tid, (g, ns) in samples[b].items():
        if tid in samples[a]: use[bb][g] += (ns - samples[a][tid][1]) / 1e9
G = ['main', 'workers', 'C2', 'C1', 'GC', 'other']
print('bin_s  cores ' + ' '.join(f'{g:>8}' for g in G))
for b in sorted(use):
    c = use[b]; d = cover[b]
    print(f'{b*BIN:6.1f} {sum(c.values())/d:5.2f} ' + ' '.join(f'{c[g]/d:8.2f}' for g in G))

#!/usr/bin/env python3
"""Accounts for a fresh process's extra time to its first mask from StartupProfile outputs (2 rounds or more).

Per process: first mask = build + setImage#0 + textPrompt#0 (wall); steady = setImage#1 + textPrompt#1. CPU seconds
by kind, first mask against steady: JIT = the C1 and C2 compiler threads, kernel = the process's kernel time (page
faults, mostly), app = everything else (main, the workers, GC, other). The floor: the ratio a 2-core process would
still have if its only extra work were the JIT's and the kernel's (that CPU time spread over both cores).
Usage: account.py OUT.txt...
"""
import re
import statistics
import sys
from collections import defaultdict

PHASE = re.compile(r'^(build|setImage#\d+|textPrompt#\d+|click#\d+)\s+wall\s+([\d.]+) s.*?cpu\s+([\d.]+) s '
                   r'\(kernel\s+([\d.]+) s; total\s+([\d.]+) s\)\s+threads \[(.*?)\]')


def parse(path):
    phases = {}
    for line in open(path):
        m = PHASE.match(line)
        if m:
            threads = {k: float(v) for k, v in re.findall(r'(\w+) ([\d.]+)', m.group(6))}
            phases[m.group(1)] = dict(wall=float(m.group(2)), cpu=float(m.group(3)), kernel=float(m.group(4)),
                                      total=float(m.group(5)), jit=threads.get('C1', 0) + threads.get('C2', 0))
    return phases


def account(p):
    b, e0, t0, c0 = p['build'], p['setImage#0'], p['textPrompt#0'], p['click#0']
    e1, t1 = p['setImage#1'], p['textPrompt#1']
    first = b['wall'] + e0['wall'] + t0['wall']
    steady = e1['wall'] + t1['wall']
    cpu0 = b['cpu'] + e0['cpu'] + t0['cpu']
    cpu1 = e1['cpu'] + t1['cpu']
    jit0 = t0['jit']                      # cumulative: every compile up to the first mask
    jit1 = t1['jit'] - c0['jit']          # round 1 (and round 0's last two clicks)
    ker0 = b['kernel'] + e0['kernel'] + t0['kernel']
    ker1 = e1['kernel'] + t1['kernel']
    app0, app1 = cpu0 - jit0 - ker0, cpu1 - jit1 - ker1
    floor = 1 + ((jit0 - jit1) + (ker0 - ker1)) / 2 / steady
    idle = (2 * first - cpu0) - (2 * steady - cpu1)
    return dict(idle=idle, build=b['wall'], enc0=e0['wall'], text0=t0['wall'], first=first, enc1=e1['wall'], text1=t1['wall'],
                steady=steady, ratio=first / steady, cpu_extra=cpu0 - cpu1, jit=jit0 - jit1,
                jit_build=b['jit'], kernel=ker0 - ker1, app=app0 - app1, floor=floor)


def main(paths):
    groups = defaultdict(list)
    cols = ('build', 'enc0', 'text0', 'first', 'enc1', 'text1', 'ratio', 'cpu_extra', 'jit', 'jit_build', 'kernel',
            'app', 'floor')
    print('| process | build | setImage #0 | text #0 | **first mask** | setImage #1 | text #1 | **ratio** | extra CPU'
          ' | of it JIT (in build) | kernel | app threads | extra idle | floor |')
    print('|' + '---|' * 15)
    for path in paths:
        p = parse(path)
        if not all(k in p for k in ('build', 'setImage#0', 'textPrompt#0', 'click#0', 'setImage#1', 'textPrompt#1')):
            print('| %s | (incomplete) |' % path)
            continue
        a = account(p)
        name = path.rsplit('/', 1)[-1].removesuffix('.txt')
        groups[name.rsplit('-', 1)[0]].append(a)
        print('| %s | %.2f | %.2f | %.2f | **%.2f** | %.2f | %.2f | **%.3f** | %.2f | %.2f (%.2f) | %.2f | %.2f | %.2f '
              '| %.3f |' % ((name,) + tuple(a[c] for c in cols[:9])
                           + (a['jit_build'], a['kernel'], a['app'], a['idle'], a['floor'])))
    print()
    print('| group | n | ratio, median (range) | extra CPU s | JIT s | kernel s | app threads s | extra idle core-s '
          '| floor, median |')
    print('|---|---|---|---|---|---|---|---|---|')
    for g, rows in groups.items():
        med = lambda k: statistics.median(r[k] for r in rows)
        print('| %s | %d | %.3f (%.3f–%.3f) | %.2f | %.2f | %.2f | %.2f | %.2f (%.2f–%.2f) | %.3f |'
              % (g, len(rows), med('ratio'), min(r['ratio'] for r in rows), max(r['ratio'] for r in rows),
                 med('cpu_extra'), med('jit'), med('kernel'), med('app'), med('idle'),
                 min(r['idle'] for r in rows), max(r['idle'] for r in rows), med('floor')))


if __name__ == '__main__':
    main(sys.argv[1:])

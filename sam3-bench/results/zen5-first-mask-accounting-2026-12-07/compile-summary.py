#!/usr/bin/env python3
"""Sums JFR's jdk.Compilation events (jfr print --json) by phase of a StartupProfile process and by package, and lists
the longest compiles and the methods compiled by C2 more than once. The phases' ends come from the process's own
output ('at' = seconds since the process started; the first compile is taken as 0.05 s after the start).
Usage: compile-summary.py COMPILE.json STARTUP_PROFILE_OUTPUT.txt
"""
import collections
import datetime
import json
import re
import sys


def seconds(iso):
    m = re.match(r'PT(?:(\d+)M)?([\d.]+)S', iso)
    return int(m.group(1) or 0) * 60 + float(m.group(2))


def main(events_path, profile_path):
    ends = []
    for line in open(profile_path):
        m = re.match(r'^(build|setImage#\d+|textPrompt#\d+)\s+wall\s+[\d.]+ s \(at\s+([\d.]+) s\)', line)
        if m:
            ends.append((m.group(1), float(m.group(2))))
    events = json.load(open(events_path))['recording']['events']
    stamp = lambda e: datetime.datetime.fromisoformat(e['values']['startTime'][:26])
    t0 = min(stamp(e) for e in events)
    rows = []
    for e in events:
        v = e['values']
        at = (stamp(e) - t0).total_seconds() + 0.05
        phase = next((name for name, end in ends if at < end), 'after')
        method = v['method']['type']['name'].replace('/', '.') + '::' + v['method']['name']
        rows.append((phase, v['compileLevel'], seconds(v['duration']), method, v.get('isOsr', False), at))
    print('compiles: %d, %.2f s in all' % (len(rows), sum(r[2] for r in rows)))
    print('\nby phase (C1 = levels 1-3, C2 = level 4; seconds of compiler-thread time):')
    for name in [n for n, _ in ends] + ['after']:
        sel = [r for r in rows if r[0] == name]
        c1 = sum(r[2] for r in sel if r[1] < 4)
        c2 = sum(r[2] for r in sel if r[1] == 4)
        print('  %-14s %5d compiles  C1 %.2f s  C2 %.2f s' % (name, len(sel), c1, c2))
    print('\nup to the first mask, by package (C2 only):')
    first_mask = [n for n, _ in ends if n.startswith('textPrompt')][:1]
    window = [n for n, _ in ends][: [n for n, _ in ends].index(first_mask[0]) + 1] if first_mask else []
    pk = collections.Counter()
    for r in rows:
        if r[0] in window and r[1] == 4:
            pk['.'.join(r[3].split('::')[0].split('.')[:3])] += r[2]
    for name, s in pk.most_common(12):
        print('  %.3f s  %s' % (s, name))
    print('\nlongest compiles up to the first mask:')
    for r in sorted([r for r in rows if r[0] in window], key=lambda r: -r[2])[:20]:
        print('  %.3f s  level %d%s  at %.2f s (%s)  %s' % (r[2], r[1], ' OSR' if r[4] else '', r[5], r[0], r[3]))
    print('\nmethods compiled by C2 more than once (whole process):')
    n = collections.Counter(r[3] for r in rows if r[1] == 4)
    t = collections.Counter()
    for r in rows:
        if r[1] == 4:
            t[r[3]] += r[2]
    for m, c in sorted(n.items(), key=lambda x: -t[x[0]]):
        if c > 1 and t[m] >= 0.01:
            print('  %d × %.3f s  %s' % (c, t[m], m))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])

#!/usr/bin/env python3
"""Before/after table of two benchmark suites (Report's results.json): each benchmark and parameter set of AFTER
beside the same one in BEFORE — median, efficiency (model flops ÷ median ÷ that run's machine SGEMM rate), peak RSS.
Usage: compare.py BEFORE/results.json AFTER/results.json
"""
import json
import sys

NAMES = {'ImageEncoderBenchmark.encode': 'encode', 'PromptBenchmark.textPrompt': 'text prompt',
         'PromptBenchmark.click': 'click', 'StartupBenchmark.buildToFirstMask': 'build → first mask'}


def key(r):
    p = dict(r['params'])
    p.pop('threads', None)
    return r['benchmark'], tuple(sorted(p.items()))


def fmt_ms(ms):
    return '%.0f ms' % ms if ms < 1000 else '%.2f s' % (ms / 1000) if ms < 100_000 else '%.1f s' % (ms / 1000)


def main(before_path, after_path):
    before, after = json.load(open(before_path)), json.load(open(after_path))
    old = {}
    for r in before['results']:
        old.setdefault(key(r), r)  # the first (the suite's) sample of a benchmark run twice
    print('| | before: SGEMM %.0f GFLOP/s | after: SGEMM %.0f GFLOP/s | |' % (
        before['machineSgemmGflopsPerSecond'], after['machineSgemmGflopsPerSecond']))
    print('|---|---|---|---|')
    for bench in NAMES:
        for r in after['results']:
            if r['benchmark'] != bench:
                continue
            b = old.get(key(r))
            params = ', '.join('%s=%s' % kv for kv in key(r)[1])
            cell = lambda x: '%s%s, RSS %.0f MiB' % (
                fmt_ms(x['p50Ms']), ' (%.0f %%)' % (100 * x['efficiency']) if 'efficiency' in x else '', x['peakRssMiB'])
            print('| %s, %s | %s | %s | %s |' % (NAMES[bench], params, cell(b) if b else '—', cell(r),
                                                '%.2f × faster' % (b['p50Ms'] / r['p50Ms']) if b else ''))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])

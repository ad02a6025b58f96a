#!/usr/bin/env python3
"""Runs a command and, every PERIOD s (environment, default 0.02), records each of its threads' on-CPU nanoseconds
(/proc/PID/task/TID/schedstat) and name. Output: OUT.tsv (time, tid, name, ns), the command's output in OUT.tsv.stdout.
Usage: [PERIOD=S] sample.py OUT.tsv COMMAND [ARGS...]
"""
import os, subprocess, sys, time
period = float(os.environ.get('PERIOD', '0.02'))
out = open(sys.argv[1], 'w')
t0 = time.time()
p = subprocess.Popen(sys.argv[2:], stdout=open(sys.argv[1] + '.stdout', 'w'), stderr=subprocess.STDOUT)
out.write(f"# start {t0}\n")
while p.poll() is None:
    t = time.time() - t0
    try:
        for tid in os.listdir(f'/proc/{p.pid}/task'):
            try:
                ns = open(f'/proc/{p.pid}/task/{tid}/schedstat').read().split()[0]
                nm = open(f'/proc/{p.pid}/task/{tid}/comm').read().strip()
                out.write(f"{t:.4f}\t{tid}\t{nm}\t{ns}\n")
            except OSError:
                pass
    except OSError:
        pass
    time.sleep(period)
out.close()

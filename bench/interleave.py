#!/usr/bin/env python3
"""bench/interleave.py: time commands in turn (A B C A B C ...) rather than
one after the other as hyperfine does, so that a shared machine's changing
load falls on all of them alike.  Prints mean, median and the ratio of each
median to the reference command's (the first one named `crun` if any, else
the first).  posix_spawn + waitpid around each run, as hyperfine -N.

    bench/interleave.py RUNS NAME=COMMAND... (commands split on spaces)"""
import os
import statistics
import sys
import time


def run_once(argv):
    t = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ)
    _, status = os.waitpid(pid, 0)
    d = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit('%s failed (%d)' % (' '.join(argv), os.waitstatus_to_exitcode(status)))
    return d * 1000


def main():
    runs = int(sys.argv[1])
    cmds = [(a.split('=', 1)[0], a.split('=', 1)[1].split()) for a in sys.argv[2:]]
    times = {n: [] for n, _ in cmds}
    for _ in range(max(3, runs // 20)):
        for _, argv in cmds:
            run_once(argv)
    for _ in range(runs):
        for n, argv in cmds:
            times[n].append(run_once(argv))
    ref = 'crun' if 'crun' in times else cmds[0][0]
    ref_med, ref_mean = statistics.median(times[ref]), statistics.mean(times[ref])
    for n, _ in cmds:
        med, mean = statistics.median(times[n]), statistics.mean(times[n])
        print('  %-10s mean %6.2f ms  median %6.2f ms   ratio to %s: mean %.2f, median %.2f' %
              (n, mean, med, ref, mean / ref_mean, med / ref_med))


if __name__ == '__main__':
    main()

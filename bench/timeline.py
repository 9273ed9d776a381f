#!/usr/bin/env python3
"""bench/timeline.py: where the milliseconds of `congo run` go, from a
`perf script -F comm,pid,time,event,trace` dump of raw_syscalls and
sched_process_exec/exit events (bench/timeline.sh records it).

Each run is cut at syscalls both sides make once: the parent's clone3 and
sendmsg (the cgroup fds), the child's recvmsg, pivot_root, umount2,
sendto (READY) and the two execs (exec-stub, then the program).  Prints the
median of every phase over the runs, and the median total."""
import re
import statistics
import sys

NR = {'socketpair': 53, 'clone3': 435, 'sendmsg': 46, 'recvmsg': 47, 'pivot_root': 155,
      'umount2': 166, 'sendto': 44, 'read': 0, 'exit_group': 231, 'sched_setaffinity': 203}
LINE = re.compile(r'\s*(\S+)\s+(\d+)\s+(\d+\.\d+):\s+(\S+):\s*(.*)')


def parse(path):
    runs, cur = [], None
    for line in open(path):
        m = LINE.match(line)
        if not m:
            continue
        comm, pid, t, ev, tr = m.group(1), int(m.group(2)), float(m.group(3)) * 1000, m.group(4), m.group(5)
        if ev == 'sched:sched_process_exec' and re.search(r'filename=\S*/congo\b', tr):
            cur = {'P': pid, 'C': None, 'm': {}}
            cur['m']['p_exec'] = t
            runs.append(cur)
            continue
        if cur is None:
            continue
        m_ = cur['m']
        enter = ev.endswith('sys_enter')
        leave = ev.endswith('sys_exit')
        nr = int(tr.split()[1]) if (enter or leave) and tr.startswith('NR ') else None

        def mark(key):
            m_.setdefault(key, t)
        if pid == cur['P']:
            if enter and nr == NR['socketpair']:
                mark('p_main')
            elif enter and nr == NR['clone3']:
                mark('p_clone_in')
            elif leave and nr == NR['clone3'] and cur['C'] is None:
                cur['C'] = int(tr.split('=')[1])
                mark('p_clone_out')
            elif enter and nr == NR['sendmsg']:
                mark('p_cg_sent')
            elif leave and nr == NR['read'] and tr.endswith('= 128') and 'c_exit' in m_:
                mark('p_sigfd')
            elif enter and nr == NR['exit_group']:
                mark('p_exit_group')
            elif ev == 'sched:sched_process_exit':
                mark('p_exit')
        elif pid == cur['C']:
            if leave and nr == NR['clone3']:
                mark('c_start')
            elif enter and nr == NR['recvmsg']:
                mark('c_recv_in')
            elif leave and nr == NR['recvmsg']:
                mark('c_recv_out')
            elif enter and nr == NR['pivot_root']:
                mark('c_pivot')
            elif leave and nr == NR['umount2'] and 'c_pivot' in m_:
                mark('c_umount_out')
            elif enter and nr == NR['sendto']:
                mark('c_ready')
            elif ev == 'sched:sched_process_exec':
                mark('c_stub' if '/proc/self/fd/' in tr else 'c_prog')
            elif ev == 'sched:sched_process_exit':
                mark('c_exit')
    return runs


PHASES = [
    ('congo start-up (exec, static glibc and libcap init)', 'p_exec', 'p_main'),
    ('parent: config, state dir, exec-stub memfd, fifo', 'p_main', 'p_clone_in'),
    ('clone3 (pid, mount, uts, ipc, network namespaces)', 'p_clone_in', 'p_clone_out'),
    ('  parent meanwhile: v1 cgroups made, limits, devices', 'p_clone_out', 'p_cg_sent'),
    ('child: up to the cgroup mount (fds, lo, rootfs, proc, /dev, sysfs)', 'c_start', 'c_recv_in'),
    ('child: waits for the cgroup fds', 'c_recv_in', 'c_recv_out'),
    ('child: joins cgroups, cgroup mount, devices', 'c_recv_out', 'c_pivot'),
    ('pivot_root and old root detached', 'c_pivot', 'c_umount_out'),
    ('child: masked/read-only paths, hostname, checks', 'c_umount_out', 'c_ready'),
    ('READY to exec: state written, start, fifo, user and caps', 'c_ready', 'c_stub'),
    ('exec-stub (memfd) until the program is exec\'d', 'c_stub', 'c_prog'),
    ('the program (busybox true) until its exit', 'c_prog', 'c_exit'),
    ('namespace teardown until congo sees the exit', 'c_exit', 'p_sigfd'),
    ('delete (cgroups, state)', 'p_sigfd', 'p_exit_group'),
    ('congo exit', 'p_exit_group', 'p_exit'),
]


def main():
    runs = [r for r in parse(sys.argv[1]) if 'p_exit' in r['m'] and 'c_exit' in r['m']]
    if not runs:
        sys.exit('no complete run in the trace')
    total = [r['m']['p_exit'] - r['m']['p_exec'] for r in runs]
    print('%d runs, median total %.2f ms (tracing adds to every syscall)' % (len(runs), statistics.median(total)))
    for name, a, b in PHASES:
        d = [r['m'][b] - r['m'][a] for r in runs if a in r['m'] and b in r['m']]
        if d:
            print('  %-62s %6.3f ms' % (name, statistics.median(d)))


if __name__ == '__main__':
    main()

#!/bin/bash
# bench/run-limits.sh: `run` of /bin/true with a memory limit (256 MiB, no
# swap) and a pids limit (100), congo side by side with crun and runc: the
# cgroup work of a typical container start (create the cgroup in every
# hierarchy, write the limits, default device rules, remove it on delete).
# Measured exactly as bench/run-true.sh does (read its header): one private
# mount namespace with /sys/fs/cgroup/unified unmounted, because crun 1.8.1
# refuses this machine's hybrid cgroups.  Target: congo <= 0.6 of crun.
#
# crun 1.8.1 also refuses ociVersion 1.2.0 ("unknown version specified"): the
# bundle says 1.0.2 for all three.
#
#   bench/run-limits.sh [RUNS]
EXTRA_JQ='.ociVersion = "1.0.2" | .linux.resources.memory = {"limit": 268435456, "swap": 268435456} | .linux.resources.pids = {"limit": 100}' \
    exec "$(dirname "$0")/run-true.sh" "$@"

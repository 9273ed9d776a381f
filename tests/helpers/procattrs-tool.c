/* procattrs-tool: drive the exec-time CPU affinity functions of
 * process-attrs.h on the host, the way `congo exec` uses them, with a real
 * cgroup move in between:
 *
 *   procattrs-tool exec-affinity INITIAL FINAL CGROUP_PROCS PROG [ARGS...]
 *
 * sets execCPUAffinity.initial (INITIAL; "-" for unset), prints
 * "initial LIST" (the affinity now), moves itself into the cgroup by
 * writing its pid to CGROUP_PROCS, applies execCPUAffinity.final (FINAL; "-"
 * for unset: the reset to the cgroup's CPUs) and execs PROG.  Errors are
 * printed as congo prints them, exit status 1. */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcongo/process-attrs.h"
#include "libcongo/utils.h"

static void print_affinity(const char *what)
{
    cpu_set_t set;
    int first = 1;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    printf("%s ", what);
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &set)) {
            printf(first ? "%d" : ",%d", i);
            first = 0;
        }
    printf("\n");
    fflush(stdout);
}

static int die(congo_error *err)
{
    char *t = congo_error_text(err);
    fprintf(stderr, "procattrs-tool: %s\n", t);
    free(t);
    congo_error_clear(err);
    return 1;
}

int main(int argc, char **argv)
{
    congo_error err = CONGO_ERROR_INIT;
    oci_process p = { 0 };
    char pid[32];

    if (argc < 6 || strcmp(argv[1], "exec-affinity") != 0) {
        fprintf(stderr, "usage: procattrs-tool exec-affinity INITIAL FINAL CGROUP_PROCS PROG [ARGS...]\n");
        return 2;
    }
    p.exec_cpu_affinity_initial = strcmp(argv[2], "-") ? argv[2] : NULL;
    p.exec_cpu_affinity_final = strcmp(argv[3], "-") ? argv[3] : NULL;
    if (congo_exec_cpu_affinity_initial(&p, "", &err) < 0)
        return die(&err);
    print_affinity("initial");
    snprintf(pid, sizeof pid, "%d", (int) getpid());
    if (write_file_at(AT_FDCWD, argv[4], pid, strlen(pid), &err) < 0)
        return die(&err);
    if (congo_exec_cpu_affinity_final(&p, "", &err) < 0)
        return die(&err);
    execv(argv[5], argv + 5);
    perror("execv");
    return 1;
}

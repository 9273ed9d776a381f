/* cgtool: drive libcongo's cgroup module directly, for the cgroup
 * integration tests (placement, freezer, kill, devices) on real hierarchies.
 *
 *   cgtool mode
 *   cgtool path CGROUPS_PATH ID
 *   cgtool create PATH [RESOURCES.json]   (prints the mode and clone fd usability)
 *   cgtool enter PATH PID
 *   cgtool pids PATH
 *   cgtool kill PATH SIGNAL
 *   cgtool freeze PATH | thaw PATH | frozen PATH
 *   cgtool update PATH RESOURCES.json
 *   cgtool stats PATH [ID]   (runc's events JSON)
 *   cgtool destroy PATH
 *   cgtool spawn PATH -- CMD...   (clone3 CLONE_INTO_CGROUP on v2, else enter; prints the pid)
 *
 * Exit 0 on success; on failure prints "cgtool: <error>" and exits 1. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/sched.h>

#include "libcongo/cgroup.h"
#include "libcongo/oci-config.h"
#include "libcongo/utils.h"

static int die(congo_error *err)
{
    _cleanup_free_ char *t = congo_error_text(err);
    fprintf(stderr, "cgtool: %s\n", t);
    congo_error_clear(err);
    return 1;
}

static int load_resources(oci_resources **out, const char *file, congo_error *err)
{
    _cleanup_free_ char *data = NULL;
    size_t len;
    int r = read_file_at(AT_FDCWD, file, 0, &data, &len, err);
    if (r < 0)
        return r;
    return oci_resources_parse(out, data, len, file, err);
}

static pid_t spawn(struct congo_cgroup *cg, char **argv, congo_error *err)
{
    int fd = congo_cgroup_clone_fd(cg);
    pid_t pid;
    int sync[2];

    if (pipe2(sync, O_CLOEXEC) < 0)
        return congo_error_errno(err, "pipe");
    if (fd >= 0) {
        struct clone_args args = { 0 };
        args.flags = CLONE_INTO_CGROUP;
        args.exit_signal = SIGCHLD;
        args.cgroup = (unsigned) fd;
        pid = (pid_t) syscall(SYS_clone3, &args, sizeof args);
    } else {
        pid = fork();
    }
    if (pid < 0)
        return congo_error_errno(err, "clone");
    if (pid == 0) {
        char c;
        close(sync[1]);
        if (read(sync[0], &c, 1) != 1)
            _exit(126);
        /* Outlives cgtool: do not hold the caller's $(...) pipe open. */
        int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (devnull >= 0)
            dup2(devnull, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(sync[0]);
    if (fd < 0 && congo_cgroup_enter(cg, pid, err) < 0) {
        kill(pid, SIGKILL);
        return -1;
    }
    if (write(sync[1], "x", 1) != 1)
        return congo_error_errno(err, "sync");
    close(sync[1]);
    return pid;
}

int main(int argc, char **argv)
{
    congo_error err = CONGO_ERROR_INIT;
    struct congo_cgroup *cg = NULL;
    const char *cmd = argc > 1 ? argv[1] : "";
    int r = 0;

    if (strcmp(cmd, "mode") == 0) {
        enum congo_cgroup_mode m;
        if (congo_cgroup_detect_mode(&m, &err) < 0)
            return die(&err);
        puts(congo_cgroup_mode_name(m));
        return 0;
    }
    if (strcmp(cmd, "path") == 0 && argc == 4) {
        _cleanup_free_ char *p = NULL;
        if (congo_cgroup_path_for(&p, *argv[2] ? argv[2] : NULL, argv[3], &err) < 0)
            return die(&err);
        puts(p);
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: cgtool COMMAND PATH ...\n");
        return 2;
    }
    if (strcmp(cmd, "create") == 0) {
        oci_resources *res = NULL;
        if (argc > 3 && load_resources(&res, argv[3], &err) < 0)
            return die(&err);
        r = congo_cgroup_create(&cg, argv[2], res, &err);
        oci_resources_free(res);
        if (r < 0)
            return die(&err);
        printf("clone_fd %s\n", congo_cgroup_clone_fd(cg) >= 0 ? "yes" : "no");
        congo_cgroup_free(cg);
        return 0;
    }
    if (congo_cgroup_open(&cg, argv[2], &err) < 0)
        return die(&err);
    if (strcmp(cmd, "enter") == 0 && argc == 4) {
        r = congo_cgroup_enter(cg, atoi(argv[3]), &err);
    } else if (strcmp(cmd, "pids") == 0) {
        pid_t *p = NULL;
        size_t n = 0;
        r = congo_cgroup_pids(cg, &p, &n, &err);
        for (size_t i = 0; r == 0 && i < n; i++)
            printf("%d\n", (int) p[i]);
        free(p);
    } else if (strcmp(cmd, "kill") == 0 && argc == 4) {
        r = congo_cgroup_kill(cg, atoi(argv[3]), &err);
    } else if (strcmp(cmd, "freeze") == 0 || strcmp(cmd, "thaw") == 0) {
        r = congo_cgroup_freeze(cg, strcmp(cmd, "freeze") == 0, &err);
    } else if (strcmp(cmd, "frozen") == 0) {
        bool f;
        r = congo_cgroup_is_frozen(cg, &f, &err);
        if (r == 0)
            puts(f ? "frozen" : "thawed");
    } else if (strcmp(cmd, "update") == 0 && argc == 4) {
        oci_resources *res = NULL;
        r = load_resources(&res, argv[3], &err);
        if (r == 0)
            r = congo_cgroup_update(cg, res, &err);
        oci_resources_free(res);
    } else if (strcmp(cmd, "stats") == 0) {
        struct congo_cgroup_stats st;
        r = congo_cgroup_stats(cg, &st, &err);
        if (r == 0) {
            _cleanup_free_ char *j = congo_cgroup_event_json("stats", argc > 3 ? argv[3] : "x", &st);
            puts(j);
            congo_cgroup_stats_free(&st);
        }
    } else if (strcmp(cmd, "destroy") == 0) {
        r = congo_cgroup_destroy(cg, &err);
    } else if (strcmp(cmd, "spawn") == 0 && argc > 4 && strcmp(argv[3], "--") == 0) {
        pid_t pid = spawn(cg, argv + 4, &err);
        r = pid < 0 ? -1 : 0;
        if (pid > 0)
            printf("%d\n", (int) pid);
    } else {
        fprintf(stderr, "cgtool: bad command `%s`\n", cmd);
        r = 2;
    }
    congo_cgroup_free(cg);
    if (r < 0)
        return die(&err);
    return r;
}

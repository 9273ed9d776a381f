/* subreaper CMD [ARGS...]: run CMD as a child subreaper and reap every orphan.
 *
 * The test VM's PID 1 does not reap orphans, and a detached container's init
 * is an orphan once `congo create` returns (containerd's shim and conmon are
 * subreapers for the same reason).  The suite runs under this so that exited
 * containers do not stay zombies.  Exits with CMD's status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t forward_sig;

static void on_signal(int sig) { forward_sig = sig; }

int main(int argc, char **argv)
{
    pid_t child, pid;
    int status, child_status = 1;

    if (argc < 2) {
        fprintf(stderr, "usage: %s CMD [ARGS...]\n", argv[0]);
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
        perror("subreaper: PR_SET_CHILD_SUBREAPER");
        return 1;
    }
    child = fork();
    if (child < 0) {
        perror("subreaper: fork");
        return 1;
    }
    if (child == 0) {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "subreaper: exec %s: %m\n", argv[1]);
        _exit(127);
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    for (;;) {
        pid = wait(&status);
        if (pid < 0) {
            if (errno == EINTR) {
                if (forward_sig)
                    kill(child, forward_sig);
                forward_sig = 0;
                continue;
            }
            break; /* ECHILD: nothing left */
        }
        if (pid == child) {
            child_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            /* Orphans still alive belong to tests that failed to clean up:
             * keep reaping them only while they exit quickly. */
            break;
        }
    }
    /* Reap whatever has already exited, without waiting for the rest. */
    while (waitpid(-1, &status, WNOHANG) > 0)
        ;
    return child_status;
}

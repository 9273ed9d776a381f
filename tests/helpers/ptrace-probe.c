/* ptrace-probe PID: try to PTRACE_ATTACH to PID and print the outcome
 * ("attach: ok" or "attach: <error>"); detaches again on success.  Built
 * static by the exec tests to run inside a busybox container. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
    pid_t pid;
    if (argc != 2)
        return 2;
    pid = (pid_t) atoi(argv[1]);
    if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0) {
        printf("attach: %s\n", strerror(errno));
        return 1;
    }
    ptrace(PTRACE_DETACH, pid, NULL, NULL);
    printf("attach: ok\n");
    return 0;
}

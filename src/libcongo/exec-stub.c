/* exec-stub: the last link between congo and the container's program.
 *
 *   exec-stub REPORT-FD PATH ARGV0 [ARGS...]
 *
 * execve(PATH, [ARGV0, ARGS...], environ); when that fails, one record goes
 * to REPORT-FD ('X' and the errno as a native int) and the stub exits 127
 * (ENOENT) or 126.
 *
 * Why it exists: the process that execs the container's program must not
 * have congo's binary behind /proc/self/exe (a script whose interpreter is
 * /proc/self/exe would run congo's binary, writable from the container:
 * runc CVE-2019-5736).  congo execs this stub from a sealed memfd instead,
 * once the process is entirely set up (user, capabilities, LSM, seccomp);
 * the stub only makes the final execve.  It is freestanding (no libc: no
 * dynamic loader, no start-up work), so it costs one exec of a page or two
 * instead of a second start of congo.  Built with exec-stub.mk's flags and
 * embedded in congo (exec-stub-data.c); the architectures below only, else
 * congo falls back to re-executing itself from a sealed copy (self-exe.h). */
#include <asm/errno.h>
#include <asm/unistd.h>

#if defined(__x86_64__)
__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "    xor %rbp, %rbp\n"
        "    mov %rsp, %rdi\n"
        "    and $-16, %rsp\n"
        "    call stub_main\n"
        "    hlt\n");

static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}
#elif defined(__aarch64__)
__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "    mov x29, #0\n"
        "    mov x30, #0\n"
        "    mov x0, sp\n"
        "    bl stub_main\n"
        "    brk #0\n");

static long sys3(long n, long a, long b, long c)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}
#else
#error "exec-stub: no support for this architecture (congo re-executes itself instead)"
#endif

__attribute__((noreturn)) static void stub_exit(int status)
{
    for (;;)
        sys3(__NR_exit_group, status, 0, 0);
}

static int parse_fd(const char *s)
{
    int v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

__attribute__((noreturn, used)) void stub_main(long *sp)
{
    long argc = sp[0];
    char **argv = (char **) (sp + 1);
    char **envp = argv + argc + 1;
    char rec[1 + sizeof(int)];
    int fd, e;
    long r;

    if (argc < 4)
        stub_exit(127);
    fd = parse_fd(argv[1]);
    /* The report fd must not reach the program: closed by a successful execve. */
    if (fd >= 0)
        sys3(__NR_fcntl, fd, 2 /* F_SETFD */, 1 /* FD_CLOEXEC */);
    r = sys3(__NR_execve, (long) argv[2], (long) (argv + 3), (long) envp);
    e = (int) -r;
    if (fd >= 0) {
        rec[0] = 'X';
        for (unsigned i = 0; i < sizeof e; i++)
            rec[1 + i] = ((const char *) &e)[i];
        sys3(__NR_write, fd, (long) rec, sizeof rec);
    }
    stub_exit(e == ENOENT ? 127 : 126);
}

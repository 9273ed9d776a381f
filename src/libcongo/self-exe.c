/* See self-exe.h: congo re-executed from a sealed copy of itself when its
 * binary could be overwritten from a container. */
#include "config.h"

#include "self-exe.h"

#include <elf.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "utils.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

extern char **environ;

bool congo_self_exe_is_protected(int fd)
{
    struct statvfs vfs;
    int seals = fcntl(fd, F_GET_SEALS), flags = 0;

    if (seals >= 0 && (seals & F_SEAL_WRITE))
        return true;
    if (fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
        return true;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE_FL))
        return true;
    return false;
}

/* The bytes execve and the dynamic loader read: up to the end of the last
 * PT_LOAD segment (symbols and debug information stay behind).  The whole
 * file when it is not an ELF file we understand. */
static off_t loadable_size(int fd, off_t file_size)
{
    Elf64_Ehdr eh;
    off_t end = 0;

    if (pread(fd, &eh, sizeof eh, 0) != (ssize_t) sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
        eh.e_phnum > 256)
        return file_size;
    end = (off_t) (eh.e_phoff + (Elf64_Off) eh.e_phnum * sizeof(Elf64_Phdr));
    for (int i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        off_t seg_end;
        if (pread(fd, &ph, sizeof ph, (off_t) (eh.e_phoff + (Elf64_Off) i * sizeof ph)) != (ssize_t) sizeof ph)
            return file_size;
        /* Every segment the kernel or ld.so reads from the file. */
        seg_end = (off_t) (ph.p_offset + ph.p_filesz);
        if (ph.p_type != PT_NULL && seg_end > end)
            end = seg_end;
    }
    return end > 0 && end <= file_size ? end : file_size;
}

static int read_cmdline(char ***argv_out, congo_error *err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len = 0, n = 0;
    char **argv;
    int r = read_file_at(AT_FDCWD, "/proc/self/cmdline", 1 << 20, &buf, &len, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < len; i++)
        n += buf[i] == '\0';
    argv = xnew0(char *, n + 1);
    for (size_t i = 0, k = 0; i < len && k < n; k++) {
        argv[k] = xstrdup(buf + i);
        i += strlen(buf + i) + 1;
    }
    *argv_out = argv;
    return 0;
}

int congo_self_exe_protect(congo_error *err)
{
    _cleanup_close_ int exe = -1, mfd = -1;
    _cleanup_strv_ char **argv = NULL;
    struct stat st;
    off_t size, off = 0;
    int r;

    exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (exe < 0)
        return congo_error_errno(err, "open /proc/self/exe");
    if (congo_self_exe_is_protected(exe))
        return 0;
    if (fstat(exe, &st) < 0)
        return congo_error_errno(err, "stat /proc/self/exe");
    size = loadable_size(exe, st.st_size);
    mfd = memfd_create("congo", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (mfd < 0 && errno == EINVAL) /* before Linux 6.3: no MFD_EXEC, memfds are executable */
        mfd = memfd_create("congo", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0)
        return congo_error_errno(err, "protect congo's binary: memfd_create");
    while (off < size) {
        ssize_t n = sendfile(mfd, exe, &off, (size_t) (size - off));
        if (n <= 0)
            return congo_error_errno(err, "protect congo's binary: copy it");
    }
    if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        return congo_error_errno(err, "protect congo's binary: seal the copy");
    r = read_cmdline(&argv, err);
    if (r < 0)
        return r;
    syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
    return congo_error_errno(err, "protect congo's binary: execute the sealed copy");
}

bool congo_exec_stub_available(void)
{
    return congo_exec_stub_size > 0;
}

int congo_exec_stub_fd(int *fd_out, congo_error *err)
{
    _cleanup_close_ int fd = -1;
    if (!congo_exec_stub_available())
        return congo_error_set(err, ENOTSUP, "this build has no exec-stub for this architecture");
    fd = memfd_create("congo-exec-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("congo-exec-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return congo_error_errno(err, "exec-stub: memfd_create");
    if (write_all(fd, congo_exec_stub, congo_exec_stub_size) < 0)
        return congo_error_errno(err, "exec-stub: write");
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        return congo_error_errno(err, "exec-stub: seal");
    *fd_out = steal_fd(&fd);
    return 0;
}

int congo_exec_via_stub(int stub_fd, int report_fd, const char *path, char *const argv[], char *const envp[],
                        congo_error *err)
{
    size_t n = strv_length((char **) argv);
    _cleanup_free_ char **sargv = xnew0(char *, n + 4);
    char fdbuf[16], self[64];
    int fl;

    snprintf(fdbuf, sizeof fdbuf, "%d", report_fd);
    sargv[0] = (char *) "congo-exec-stub";
    sargv[1] = fdbuf;
    sargv[2] = (char *) path;
    for (size_t i = 0; i < n; i++)
        sargv[3 + i] = argv[i];
    /* The stub reports on report_fd: it must live through this exec (the
     * stub's own execve closes it again). */
    if (report_fd >= 0 && (fl = fcntl(report_fd, F_GETFD)) >= 0)
        fcntl(report_fd, F_SETFD, fl & ~FD_CLOEXEC);
    /* execve, which any seccomp profile that lets the process run programs
     * allows; execveat where there is no /proc. */
    snprintf(self, sizeof self, "/proc/self/fd/%d", stub_fd);
    execve(self, sargv, (char **) envp);
    if (errno == ENOENT || errno == ENOTDIR)
        syscall(SYS_execveat, stub_fd, "", sargv, envp, AT_EMPTY_PATH);
    return congo_error_errno(err, "execute congo's exec-stub (which keeps congo's binary out of the "
                             "container's reach)");
}

int congo_exec_protection(int *stub_fd, bool lsm_label, const char *what, congo_error *err)
{
    _cleanup_close_ int exe = -1;
    int r;

    if (congo_exec_stub_available() && !lsm_label && !getenv("CONGO_EXEC_NO_STUB"))
        return congo_exec_stub_fd(stub_fd, err);
    exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (exe >= 0 && congo_self_exe_is_protected(exe))
        return 0;
    r = congo_self_exe_protect(err);
    if (r < 0)
        return congo_error_wrap(err, r, "congo's binary could be overwritten from the container (install it "
                                "read-only or immutable, `chattr +i`, to %s without a sealed copy)", what);
    return 0;
}

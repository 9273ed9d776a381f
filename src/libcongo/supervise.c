/* Foreground supervision for `run` and `exec` (see supervise.h). */
#include "config.h"

#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "terminal.h"
#include "utils.h"

/* Signals congo forwards to the process; SIGCHLD tells it the process exited. */
static void forwardable(sigset_t *set)
{
    sigfillset(set);
    sigdelset(set, SIGKILL);
    sigdelset(set, SIGSTOP);
    sigdelset(set, SIGSEGV);
    sigdelset(set, SIGBUS);
    sigdelset(set, SIGILL);
    sigdelset(set, SIGFPE);
    sigdelset(set, SIGWINCH); /* the terminal proxy handles it */
    sigdelset(set, SIGTTIN);
    sigdelset(set, SIGTTOU);
}

int congo_supervise_begin(struct congo_supervisor *s, congo_error *err)
{
    sigset_t set;
    forwardable(&set);
    sigprocmask(SIG_BLOCK, &set, &s->old);
    s->sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (s->sfd < 0) {
        int r = congo_error_errno(err, "signalfd");
        sigprocmask(SIG_SETMASK, &s->old, NULL);
        return r;
    }
    return 0;
}

void congo_supervise_end(struct congo_supervisor *s)
{
    if (s->sfd < 0)
        return;
    close(s->sfd);
    s->sfd = -1;
    sigprocmask(SIG_SETMASK, &s->old, NULL);
}

int congo_exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 255;
}

struct proxy_job {
    int master;
    congo_error err;
};

static void *proxy_thread(void *data)
{
    struct proxy_job *p = data;
    congo_terminal_proxy(p->master, &p->err);
    return NULL;
}

int congo_supervise_wait(struct congo_supervisor *s, pid_t pid, int master)
{
    struct proxy_job proxy = { .master = master };
    struct termios tty;
    bool have_thread = false, have_tty;
    pthread_t thread;
    int code;

    /* The proxy puts our tty in raw mode and restores it when it ends; a
     * proxy cancelled below cannot, so keep the settings here too. */
    have_tty = master >= 0 && tcgetattr(0, &tty) == 0;
    if (master >= 0 && pthread_create(&thread, NULL, proxy_thread, &proxy) == 0)
        have_thread = true;
    for (;;) {
        struct signalfd_siginfo si;
        int status;
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            code = congo_exit_code(status);
            break;
        }
        if (w < 0 && errno != EINTR) {
            code = 255;
            break;
        }
        if (read(s->sfd, &si, sizeof si) != sizeof si)
            continue;
        if (si.ssi_signo == SIGCHLD)
            continue;
        kill(pid, (int) si.ssi_signo);
    }
    if (have_thread) {
        /* Let the proxy drain what the process printed last; others may
         * still hold the terminal, so do not wait forever. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        if (pthread_timedjoin_np(thread, NULL, &ts) != 0) {
            pthread_cancel(thread);
            pthread_join(thread, NULL);
            if (have_tty)
                tcsetattr(0, TCSANOW, &tty);
        }
    }
    congo_error_clear(&proxy.err);
    return code;
}

void congo_signals_reset(void)
{
    struct sigaction sa = { .sa_handler = SIG_DFL };
    _cleanup_free_ char *status = NULL;
    unsigned long long ignored = ~0ULL;
    sigset_t none;
    const char *p;

    if (read_file_at(AT_FDCWD, "/proc/self/status", 0, &status, NULL, NULL) == 0 &&
        (p = strstr(status, "\nSigIgn:\t")))
        ignored = strtoull(p + 9, NULL, 16);
    for (int sig = 1; sig < NSIG && sig <= 64; sig++)
        if ((ignored & (1ULL << (sig - 1))) && sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &sa, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

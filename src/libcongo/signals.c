/* Signal names <-> numbers for `kill` and the messages that report how a
 * process died.  Accepts what runc and kill(1) accept: names with or without
 * "SIG" in any case, numbers, and the real-time forms RTMIN, RTMIN+n, RTMAX-n. */
#include "config.h"

#include "signals.h"
#include "utils.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int sig;
} signal_table[] = {
    /* Canonical names first: congo_signal_name() returns the first match. */
    { "SIGHUP", SIGHUP },       { "SIGINT", SIGINT },       { "SIGQUIT", SIGQUIT },   { "SIGILL", SIGILL },
    { "SIGTRAP", SIGTRAP },     { "SIGABRT", SIGABRT },     { "SIGBUS", SIGBUS },     { "SIGFPE", SIGFPE },
    { "SIGKILL", SIGKILL },     { "SIGUSR1", SIGUSR1 },     { "SIGSEGV", SIGSEGV },   { "SIGUSR2", SIGUSR2 },
    { "SIGPIPE", SIGPIPE },     { "SIGALRM", SIGALRM },     { "SIGTERM", SIGTERM },
#ifdef SIGSTKFLT
    { "SIGSTKFLT", SIGSTKFLT },
#endif
    { "SIGCHLD", SIGCHLD },     { "SIGCONT", SIGCONT },     { "SIGSTOP", SIGSTOP },   { "SIGTSTP", SIGTSTP },
    { "SIGTTIN", SIGTTIN },     { "SIGTTOU", SIGTTOU },     { "SIGURG", SIGURG },     { "SIGXCPU", SIGXCPU },
    { "SIGXFSZ", SIGXFSZ },     { "SIGVTALRM", SIGVTALRM }, { "SIGPROF", SIGPROF },   { "SIGWINCH", SIGWINCH },
    { "SIGIO", SIGIO },
#ifdef SIGPWR
    { "SIGPWR", SIGPWR },
#endif
    { "SIGSYS", SIGSYS },
    /* Aliases. */
    { "SIGIOT", SIGABRT },      { "SIGPOLL", SIGIO },       { "SIGCLD", SIGCHLD },    { "SIGUNUSED", SIGSYS },
};

/* The highest signal number the kernel accepts (64 on Linux). */
#define SIG_MAX_NUMBER (_NSIG - 1)

static int rt_from_name(const char *n)
{
    /* n is upper case, without "SIG". */
    int base, dir;
    const char *rest;
    long long off;

    if (str_has_prefix(n, "RTMIN")) {
        base = SIGRTMIN;
        dir = 1;
    } else if (str_has_prefix(n, "RTMAX")) {
        base = SIGRTMAX;
        dir = -1;
    } else {
        return -1;
    }
    rest = n + 5;
    if (*rest == '\0')
        return base;
    if (*rest != (dir > 0 ? '+' : '-') || !isdigit((unsigned char) rest[1]))
        return -1;
    if (parse_int64(rest + 1, &off) < 0 || off > SIGRTMAX - SIGRTMIN)
        return -1;
    return base + dir * (int) off;
}

int congo_signal_parse(const char *s, congo_error *err)
{
    char up[32];
    const char *n;
    long long num;
    size_t i, len;

    if (!s)
        s = "";
    if (isdigit((unsigned char) s[0])) {
        if (parse_int64(s, &num) == 0 && num >= 0 && num <= SIG_MAX_NUMBER)
            return (int) num;
        return congo_error_set(err, 0, "unknown signal \"%s\"", s);
    }
    len = strlen(s);
    if (len == 0 || len >= sizeof up)
        return congo_error_set(err, 0, "unknown signal \"%s\"", s);
    for (i = 0; i <= len; i++)
        up[i] = (char) toupper((unsigned char) s[i]);
    n = str_has_prefix(up, "SIG") ? up + 3 : up;
    for (i = 0; i < ARRAY_SIZE(signal_table); i++)
        if (strcmp(signal_table[i].name + 3, n) == 0)
            return signal_table[i].sig;
    num = rt_from_name(n);
    if (num >= 0)
        return (int) num;
    return congo_error_set(err, 0, "unknown signal \"%s\"", s);
}

const char *congo_signal_name(int sig)
{
    /* SIGRTMIN .. SIGRTMAX, named as bash's `kill -l` does. */
    static char rt_names[_NSIG][16];
    size_t i;

    for (i = 0; i < ARRAY_SIZE(signal_table); i++)
        if (signal_table[i].sig == sig)
            return signal_table[i].name;
    if (sig < SIGRTMIN || sig > SIGRTMAX)
        return NULL;
    if (!rt_names[sig][0]) {
        int mid = SIGRTMIN + (SIGRTMAX - SIGRTMIN) / 2;
        if (sig == SIGRTMIN)
            snprintf(rt_names[sig], sizeof rt_names[sig], "SIGRTMIN");
        else if (sig == SIGRTMAX)
            snprintf(rt_names[sig], sizeof rt_names[sig], "SIGRTMAX");
        else if (sig <= mid)
            snprintf(rt_names[sig], sizeof rt_names[sig], "SIGRTMIN+%d", sig - SIGRTMIN);
        else
            snprintf(rt_names[sig], sizeof rt_names[sig], "SIGRTMAX-%d", SIGRTMAX - sig);
    }
    return rt_names[sig];
}

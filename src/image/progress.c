/* Pull progress display (see progress.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "image/progress.h"
#include "libcongo/utils.h"

struct bar {
    char *label;
    int64_t total, done, start_done;
    double start;
    const char *state;
};

struct progress {
    bool enabled;
    struct bar *bars;
    int n;
    int drawn;          /* lines on screen */
    double last, start;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

void format_size(char *buf, size_t n, double bytes)
{
    static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

struct progress *progress_new(bool enabled)
{
    struct progress *p = xzalloc(sizeof *p);
    p->enabled = enabled;
    p->start = now();
    return p;
}

int progress_add(struct progress *p, const char *label, int64_t total)
{
    p->bars = xrealloc(p->bars, (p->n + 1) * sizeof *p->bars);
    p->bars[p->n] = (struct bar){ .label = xstrdup(label), .total = total, .state = "waiting", .start = now() };
    return p->n++;
}

void progress_update(struct progress *p, int idx, int64_t done, const char *state)
{
    struct bar *b = &p->bars[idx];
    if (state && b->state && strcmp(b->state, "waiting") == 0 && strcmp(state, "downloading") == 0) {
        b->start = now();
        b->start_done = done;
    }
    b->done = done;
    if (state)
        b->state = state;
}

static void draw_line(const struct bar *b, double t)
{
    char done[32], total[32], rate[32] = "";
    double el = t - b->start;
    int width = 20, fill = b->total > 0 ? (int) (width * (double) b->done / b->total) : 0;
    char bar[32];

    format_size(done, sizeof done, b->done);
    format_size(total, sizeof total, b->total);
    if (strcmp(b->state, "downloading") == 0 && el > 0.2) {
        format_size(rate, sizeof rate, (b->done - b->start_done) / el);
        strcat(rate, "/s");
    }
    if (fill > width)
        fill = width;
    memset(bar, '=', fill);
    memset(bar + fill, ' ', width - fill);
    if (fill < width && fill > 0)
        bar[fill] = '>';
    bar[width] = '\0';
    fprintf(stderr, "\r\033[K%-16s [%s] %10s / %-10s %-12s %s\n", b->label, bar, done, total, rate, b->state);
}

void progress_draw(struct progress *p, bool force)
{
    double t = now();
    int64_t done = 0, total = 0;
    char a[32], b[32], rate[32];

    if (!p->enabled || p->n == 0 || (!force && t - p->last < 0.1))
        return;
    p->last = t;
    if (p->drawn)
        fprintf(stderr, "\033[%dA", p->drawn);
    for (int i = 0; i < p->n; i++) {
        draw_line(&p->bars[i], t);
        done += p->bars[i].done;
        total += p->bars[i].total;
    }
    format_size(a, sizeof a, done);
    format_size(b, sizeof b, total);
    format_size(rate, sizeof rate, t - p->start > 0 ? done / (t - p->start) : 0);
    fprintf(stderr, "\r\033[K%-16s %10s / %-10s %s/s\n", "total", a, b, rate);
    p->drawn = p->n + 1;
    fflush(stderr);
}

void progress_free(struct progress *p)
{
    if (!p)
        return;
    progress_draw(p, true);
    for (int i = 0; i < p->n; i++)
        free(p->bars[i].label);
    free(p->bars);
    free(p);
}

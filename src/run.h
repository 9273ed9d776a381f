/* Shared by the two forms of `congo run` (run.c: a bundle; run-image.c: an image). */
#ifndef CONGO_RUN_H
#define CONGO_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "command.h"
#include "libcongo/container.h"
#include "network/setup.h"

struct run_opts {
    struct congo_create_opts create;
    bool detach;
    bool keep;
    /* The image form. */
    const char *name;
    bool rm;
    bool tty;
    bool interactive;
    /* The options passed on to `congo-image extract` (-e, -v, --cap-add...). */
    char **img_args;
    size_t n_img_args;
    bool image_flag;    /* an option of the image form only was given */
    struct net_opts net;
    bool net_given;     /* a network option (image form only) */
};

/* The image form; `guessed`: chosen only because ./config.json is absent. */
int run_image(struct congo_global *g, struct run_opts *o, int argc, char **argv, bool guessed, congo_error *err);
/* Create, start and supervise in the foreground; returns the exit code. */
int run_foreground(struct congo_global *g, struct congo_create_opts *create, bool keep, congo_error *err);

#endif

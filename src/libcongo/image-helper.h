/* congo-image as a helper program: `congo run --name NAME IMAGE` makes its
 * bundle with `congo-image extract`, and delete removes such a bundle with
 * `congo-image rm-bundle`, so that congo itself links no network, archive or
 * hashing library. */
#ifndef CONGO_IMAGE_HELPER_H
#define CONGO_IMAGE_HELPER_H

#include "error.h"

/* The congo-image binary: $CONGO_IMAGE, else next to congo's own binary,
 * else found in $PATH. */
const char *congo_image_helper_path(void);

/* Run congo-image with argv (argv[0] is the subcommand) and wait.  stdin is
 * congo's; stdout goes to *out (trailing newline removed) when out is not
 * NULL, else to congo's stdout; stderr is kept for the error message. */
int congo_image_helper(char **out, char *const argv[], congo_error *err);

#endif

# congo-image: registry client, OCI image store, layer unpacking, bundles.
# libcurl, libarchive and libcrypto are linked here only, never into congo.
if BUILD_IMAGE
# The image library: everything but main(), shared with the unit tests.
noinst_LIBRARIES += libcongo-image.a
libcongo_image_a_SOURCES = \
	src/image/reference.c src/image/reference.h \
	src/image/digest.c src/image/digest.h \
	src/image/json.c src/image/json.h \
	src/image/manifest.c src/image/manifest.h \
	src/image/auth.c src/image/auth.h \
	src/image/progress.c src/image/progress.h \
	src/image/registry.c src/image/registry.h \
	src/image/store.c src/image/store.h \
	src/image/async-ingest.c src/image/async-ingest.h \
	src/image/whiteout.c src/image/whiteout.h \
	src/image/unpack.c src/image/unpack.h \
	src/image/user.c src/image/user.h \
	src/image/bundle.c src/image/bundle.h \
	src/image/pull.c src/image/pull.h \
	src/image/load.c src/image/load.h
libcongo_image_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(LIBCURL_CFLAGS) $(LIBARCHIVE_CFLAGS) $(LIBCRYPTO_CFLAGS)
CONGO_IMAGE_LIBS = libcongo-image.a libcongo.a $(YAJL_LIBS) $(LIBCURL_LIBS) $(LIBARCHIVE_LIBS) $(LIBCRYPTO_LIBS) -lpthread

bin_PROGRAMS += congo-image
congo_image_SOURCES = \
	src/image/image-command.h \
	src/image/congo-image.c \
	src/image/cmd-pull.c \
	src/image/cmd-images.c \
	src/image/cmd-inspect.c \
	src/image/cmd-rm.c \
	src/image/cmd-prune.c \
	src/image/cmd-load.c \
	src/image/cmd-extract.c \
	src/image/cmd-bundle.c
congo_image_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(LIBCURL_CFLAGS) $(LIBARCHIVE_CFLAGS) $(LIBCRYPTO_CFLAGS)
congo_image_LDADD = $(CONGO_IMAGE_LIBS)
dist_man8_MANS += doc/congo-image.8
endif

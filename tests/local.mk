# `make check` runs the whole suite through tests/run-tests.sh, which ends
# with one line "N passed, M failed[, K skipped]".
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(YAJL_CFLAGS)
UNIT_LDADD = libcongo.a $(CMOCKA_LIBS) $(LIBCONGO_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-utils
tests_unit_test_utils_SOURCES = tests/unit/test-utils.c
tests_unit_test_utils_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_utils_LDADD = $(UNIT_LDADD)
endif

EXTRA_DIST += tests
check-local: all $(check_PROGRAMS)
	$(top_srcdir)/tests/run-tests.sh

# congo-image (area: image): unit tests over libcongo-image.a.
if BUILD_IMAGE
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-image
tests_unit_test_image_SOURCES = tests/unit/test-image.c
tests_unit_test_image_CFLAGS = $(UNIT_CFLAGS) $(LIBCURL_CFLAGS) $(LIBARCHIVE_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_unit_test_image_LDADD = $(CMOCKA_LIBS) $(CONGO_IMAGE_LIBS)
endif
endif

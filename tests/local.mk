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

# config model: parser, validation and lookups (oci-config.h)
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-config
tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS) -DTOP_BUILDDIR=\"$(abs_top_builddir)\"
tests_unit_test_config_LDADD = $(UNIT_LDADD)
endif

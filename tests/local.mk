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

# cgroups: cgtool drives libcongo's cgroup module for tests/cgroups/; unit tests of the pure parts.
check_PROGRAMS += tests/helpers/cgtool
tests_helpers_cgtool_SOURCES = tests/helpers/cgtool.c
tests_helpers_cgtool_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
tests_helpers_cgtool_LDADD = libcongo.a $(LIBCONGO_LIBS)
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-cgroup
tests_unit_test_cgroup_SOURCES = tests/unit/test-cgroup.c
tests_unit_test_cgroup_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cgroup_LDADD = $(UNIT_LDADD)
endif

EXTRA_DIST += tests
check-local: all $(check_PROGRAMS)
	$(top_srcdir)/tests/run-tests.sh

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

# seccomp (issue 4): the unit test loads filters in forked children and runs
# the example agent from contrib/ for the notify round trip.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-seccomp
tests_unit_test_seccomp_SOURCES = tests/unit/test-seccomp.c
tests_unit_test_seccomp_CFLAGS = $(UNIT_CFLAGS) \
	-DSECCOMP_LISTENER='"$(abs_top_builddir)/contrib/seccomp-listener/seccomp-listener"'
tests_unit_test_seccomp_LDADD = $(UNIT_LDADD)
endif
check_PROGRAMS += contrib/seccomp-listener/seccomp-listener
contrib_seccomp_listener_seccomp_listener_SOURCES = contrib/seccomp-listener/seccomp-listener.c
contrib_seccomp_listener_seccomp_listener_CFLAGS = $(AM_CFLAGS) $(LIBSECCOMP_CFLAGS)
contrib_seccomp_listener_seccomp_listener_LDADD = $(LIBSECCOMP_LIBS)

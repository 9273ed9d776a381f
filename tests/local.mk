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

# rootfs: the harness running the rootfs module in real namespaces; mount option parser
check_PROGRAMS += tests/helpers/rootfs-harness
tests_helpers_rootfs_harness_SOURCES = tests/helpers/rootfs-harness.c
tests_helpers_rootfs_harness_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
tests_helpers_rootfs_harness_LDADD = libcongo.a $(LIBCONGO_LIBS)
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-mount-options
tests_unit_test_mount_options_SOURCES = tests/unit/test-mount-options.c
tests_unit_test_mount_options_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mount_options_LDADD = $(UNIT_LDADD)
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

# config model: parser, validation and lookups (oci-config.h)
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-config
tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS) -DTOP_BUILDDIR=\"$(abs_top_builddir)\"
tests_unit_test_config_LDADD = $(UNIT_LDADD)
endif

# The container process, capabilities, hooks, signal names.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-signals tests/unit/test-caps tests/unit/test-hooks tests/unit/test-process \
	tests/unit/test-terminal
tests_unit_test_signals_SOURCES = tests/unit/test-signals.c
tests_unit_test_signals_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_signals_LDADD = $(UNIT_LDADD)
tests_unit_test_caps_SOURCES = tests/unit/test-caps.c
tests_unit_test_caps_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_caps_LDADD = $(UNIT_LDADD)
tests_unit_test_hooks_SOURCES = tests/unit/test-hooks.c
tests_unit_test_hooks_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_hooks_LDADD = $(UNIT_LDADD)
tests_unit_test_process_SOURCES = tests/unit/test-process.c
tests_unit_test_process_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_process_LDADD = $(UNIT_LDADD)
tests_unit_test_terminal_SOURCES = tests/unit/test-terminal.c
tests_unit_test_terminal_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_terminal_LDADD = $(UNIT_LDADD) -lutil
endif

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

# tests/run-tests.sh builds these first, so a test never meets a missing helper.
check-programs: all $(check_PROGRAMS)
.PHONY: check-programs

# congo-image (area: image): unit tests over libcongo-image.a.
if BUILD_IMAGE
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-image
tests_unit_test_image_SOURCES = tests/unit/test-image.c
tests_unit_test_image_CFLAGS = $(UNIT_CFLAGS) $(LIBCURL_CFLAGS) $(LIBARCHIVE_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_unit_test_image_LDADD = $(CMOCKA_LIBS) $(CONGO_IMAGE_LIBS)
endif
endif

# Process attributes and LSM labels (issue 4): a static probe run inside
# containers (tests/process/test-procattrs.sh), a host-side driver of the
# exec-time CPU affinity functions, and the unit tests of the translations.
check_PROGRAMS += tests/helpers/procattrs-probe tests/helpers/procattrs-tool
tests_helpers_procattrs_probe_SOURCES = tests/helpers/procattrs-probe.c
tests_helpers_procattrs_probe_CFLAGS = $(CONGO_BASE_CFLAGS)
tests_helpers_procattrs_probe_LDFLAGS = -static
tests_helpers_procattrs_tool_SOURCES = tests/helpers/procattrs-tool.c
tests_helpers_procattrs_tool_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
tests_helpers_procattrs_tool_LDADD = libcongo.a $(LIBCONGO_LIBS)
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-procattrs
tests_unit_test_procattrs_SOURCES = tests/unit/test-procattrs.c
tests_unit_test_procattrs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_procattrs_LDADD = $(UNIT_LDADD)
endif

# exec (issue 4): the process built for exec, --user/--cgroup/--env parsing, binary protection.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-exec
tests_unit_test_exec_SOURCES = tests/unit/test-exec.c
tests_unit_test_exec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_exec_LDADD = $(UNIT_LDADD)
endif

# --systemd-cgroup: cgroupsPath parsing, D-Bus marshalling and parsing.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-systemd
tests_unit_test_systemd_SOURCES = tests/unit/test-systemd.c
tests_unit_test_systemd_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_systemd_LDADD = $(UNIT_LDADD)
endif
# dbustool drives the D-Bus client against a real dbus-daemon (tests/systemd/).
check_PROGRAMS += tests/helpers/dbustool
tests_helpers_dbustool_SOURCES = tests/helpers/dbustool.c
tests_helpers_dbustool_CFLAGS = $(AM_CFLAGS)
tests_helpers_dbustool_LDADD = libcongo.a $(LIBCONGO_LIBS)

# CNI front end of congo run IMAGE (src/network/): -p, CIDRs, conflists, plugin protocol.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-network
tests_unit_test_network_SOURCES = tests/unit/test-network.c src/network/cni.c src/network/netconf.c \
	src/network/setup.c src/network/pasta.c src/image/json.c
tests_unit_test_network_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_network_LDADD = $(UNIT_LDADD)
endif

# rootless: the /etc/subuid parser
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-subid
tests_unit_test_subid_SOURCES = tests/unit/test-subid.c
tests_unit_test_subid_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_subid_LDADD = $(UNIT_LDADD)
endif

# Fuzzing (issue 13): `make fuzz [FUZZ_SECONDS=N]` builds the libFuzzer
# targets of tests/fuzz/ with clang and runs each for N seconds (default 60);
# tests/fuzz/test-fuzz.sh runs them briefly as part of the suite.
FUZZ_SECONDS = 60
fuzz: all
	TOP_BUILDDIR=$(abs_top_builddir) $(top_srcdir)/tests/fuzz/run.sh $(FUZZ_SECONDS)
.PHONY: fuzz

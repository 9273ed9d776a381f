# libcongo: the runtime library.  Linked by congo, the unit tests and
# (for the config model and utilities) congo-image.
noinst_LIBRARIES += libcongo.a
libcongo_a_SOURCES = \
	src/libcongo/error.c src/libcongo/error.h \
	src/libcongo/utils.c src/libcongo/utils.h \
	src/libcongo/log.c src/libcongo/log.h \
	src/libcongo/cli.c src/libcongo/cli.h \
	src/libcongo/oci-config.c src/libcongo/oci-config.h \
	src/libcongo/json-bounds.c src/libcongo/json-bounds.h \
	src/libcongo/cgroup-mounts.c src/libcongo/cgroup.h \
	src/libcongo/rootfs.h src/libcongo/mount-options.h src/libcongo/process.h src/libcongo/caps.h \
	src/libcongo/terminal.h src/libcongo/hooks.h src/libcongo/signals.h src/libcongo/seccomp.h
# rootfs: the container's root filesystem and mount options
libcongo_a_SOURCES += \
	src/libcongo/mount-options.c \
	src/libcongo/mounts.c src/libcongo/mounts.h \
	src/libcongo/devices.c src/libcongo/devices.h \
	src/libcongo/rootfs.c
# cgroups (placement, resources, device program, statistics)
libcongo_a_SOURCES += \
	src/libcongo/cgroup.c src/libcongo/cgroup-internal.h src/libcongo/cgroup-resources.c \
	src/libcongo/cgroup-devices.c src/libcongo/cgroup-stats.c \
	src/libcongo/container-cgroups.c src/libcongo/container-cgroups.h
# The lifecycle: state store, namespaces, the container child, create/start/kill/delete.
libcongo_a_SOURCES += \
	src/libcongo/state.c src/libcongo/state.h \
	src/libcongo/namespaces.c src/libcongo/namespaces.h src/libcongo/userns.c src/libcongo/userns.h \
	src/libcongo/netdev.c src/libcongo/netdev.h \
	src/libcongo/image-helper.c src/libcongo/image-helper.h \
	src/libcongo/monitor.c src/libcongo/monitor.h \
	src/libcongo/container.c src/libcongo/container.h src/libcongo/container-internal.h \
	src/libcongo/container-init.c
libcongo_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(LIBCAP_CFLAGS) $(LIBSECCOMP_CFLAGS) $(LIBSELINUX_CFLAGS)

# Everything congo links: libc, yajl, libcap, libseccomp.  libselinux (when
# built with it) is dlopen'ed by lsm.c only when a container asks for a label:
# linked, it would load two more libraries on every congo command.
LIBCONGO_LIBS = $(CONGO_DEPS_LIBS) $(DLOPEN_LIBS)

# config model: semantic validation of config.json (oci-config.h)
libcongo_a_SOURCES += src/libcongo/oci-config-validate.c

# The container process, capabilities, terminal, hooks, signal names.
libcongo_a_SOURCES += \
	src/libcongo/process.c src/libcongo/caps.c src/libcongo/terminal.c \
	src/libcongo/hooks.c src/libcongo/signals.c

# seccomp (issue 4): compile/load/notify, and the default profile of `congo spec --seccomp`.
libcongo_a_SOURCES += src/libcongo/seccomp.c src/libcongo/seccomp-profile.c src/libcongo/seccomp-profile.h
libcongo_a_SOURCES += src/libcongo/sha256.c src/libcongo/sha256.h

# Process attributes and LSM labels (issue 4): personality, scheduler, ioPriority,
# execCPUAffinity, memoryPolicy; AppArmor profiles, SELinux labels (libselinux dlopen'ed).
libcongo_a_SOURCES += \
	src/libcongo/process-attrs.c src/libcongo/process-attrs.h \
	src/libcongo/lsm.c src/libcongo/lsm.h
# Foreground supervision (signal forwarding, terminal proxy), shared by run and exec.
libcongo_a_SOURCES += src/libcongo/supervise.c src/libcongo/supervise.h
# exec (issue 4): a process in a running container; placing it in the
# container's cgroup (--cgroup sub-cgroups).
libcongo_a_SOURCES += src/libcongo/exec.c src/libcongo/exec.h src/libcongo/cgroup-exec.c \
	src/libcongo/self-exe.c src/libcongo/self-exe.h src/libcongo/exec-stub-data.c
# The exec-stub (self-exe.h) is freestanding: built with its own flags only
# (no libc, no stack protector, whatever CFLAGS say) and embedded in
# libcongo as bytes.  Architectures without one get an empty stub: congo
# then re-executes itself from a sealed copy instead.
EXEC_STUB_FLAGS = -Os -ffreestanding -fno-stack-protector -fno-builtin -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -fno-pie -no-pie -nostdlib -static -Wl,--build-id=none -Wl,-z,norelro -s
src/libcongo/exec-stub: $(srcdir)/src/libcongo/exec-stub.c
	$(AM_V_CC)$(MKDIR_P) src/libcongo && \
	if ! $(CC) $(EXEC_STUB_FLAGS) -o $@ $(srcdir)/src/libcongo/exec-stub.c 2> $@.log; then \
		echo "exec-stub: not built for this architecture (congo re-executes itself instead):"; cat $@.log; \
		: > $@; \
	fi; rm -f $@.log
src/libcongo/exec-stub-bin.h: src/libcongo/exec-stub
	$(AM_V_GEN)od -An -v -tx1 src/libcongo/exec-stub | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g' > $@
src/libcongo/libcongo_a-exec-stub-data.$(OBJEXT): src/libcongo/exec-stub-bin.h
CLEANFILES += src/libcongo/exec-stub src/libcongo/exec-stub-bin.h
EXTRA_DIST += src/libcongo/exec-stub.c

# --systemd-cgroup: container scopes made by systemd over a minimal D-Bus
# client of congo's own (no libsystemd, no libdbus).
libcongo_a_SOURCES += src/libcongo/dbus.c src/libcongo/dbus.h src/libcongo/systemd.c src/libcongo/systemd.h

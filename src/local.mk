# The congo binary: one thin file per command over libcongo.
bin_PROGRAMS += congo
congo_SOURCES = \
	src/command.h \
	src/congo.c \
	src/create.c \
	src/start.c \
	src/state.c \
	src/kill.c \
	src/delete.c \
	src/run.c src/run.h src/run-image.c \
	src/list.c \
	src/spec.c \
	src/features.c \
	src/stop.c \
	src/pause.c \
	src/resume.c \
	src/exec.c \
	src/ps.c \
	src/update.c \
	src/events.c \
	src/stats.c \
	src/logs.c \
	src/network.c \
	src/port.c \
	src/image-cmds.c \
	src/rm.c \
	src/network/cni.c src/network/cni.h \
	src/network/netconf.c src/network/netconf.h \
	src/network/setup.c src/network/setup.h \
	src/network/pasta.c src/network/pasta.h \
	src/image/json.c src/image/json.h \
	src/checkpoint.c
nodist_congo_SOURCES = src/git-commit.h
congo_LDADD = libcongo.a $(CONGO_LINK_LIBS)
congo_LDFLAGS = $(AM_LDFLAGS) $(CONGO_LDFLAGS)

dist_man8_MANS += doc/congo.8

# The commit `congo --version` names: git's at build time, "unknown" outside
# a git checkout.  Rewritten only when it changes (so only congo.o rebuilds).
BUILT_SOURCES = src/git-commit.h
DISTCLEANFILES = src/git-commit.h
src/git-commit.h: FORCE
	@$(MKDIR_P) src; \
	c=unknown; \
	if test -e $(top_srcdir)/.git; then \
		c=$$(git -C $(top_srcdir) describe --always --dirty --abbrev=12 2>/dev/null) || c=unknown; \
	fi; \
	new="#define CONGO_GIT_COMMIT \"$$c\""; \
	if ! test -f $@ || test "$$(cat $@)" != "$$new"; then echo "$$new" > $@; fi
src/congo.$(OBJEXT): src/git-commit.h
FORCE:
.PHONY: FORCE

# The default bundle: a busybox-static rootfs and `congo spec`'s config.json,
# assembled offline so `congo run -b default-bundle demo` works on a fresh machine.
default-bundle/config.json: congo
	@test -n "$(BUSYBOX)" || { echo "busybox-static is needed for the default bundle (apt-get install busybox-static)"; exit 1; }
	$(AM_V_GEN)rm -rf default-bundle.tmp && mkdir -p default-bundle.tmp/rootfs/bin && \
	cp $(BUSYBOX) default-bundle.tmp/rootfs/bin/busybox && \
	for a in $$($(BUSYBOX) --list); do [ "$$a" = busybox ] || ln -sf busybox default-bundle.tmp/rootfs/bin/$$a; done && \
	mkdir -p default-bundle.tmp/rootfs/etc default-bundle.tmp/rootfs/proc default-bundle.tmp/rootfs/sys \
		default-bundle.tmp/rootfs/dev default-bundle.tmp/rootfs/tmp default-bundle.tmp/rootfs/root && \
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > default-bundle.tmp/rootfs/etc/passwd && \
	printf 'root:x:0:\nnogroup:x:65534:\n' > default-bundle.tmp/rootfs/etc/group && \
	./congo spec --bundle default-bundle.tmp && \
	sed -i -e 's/"terminal": true/"terminal": false/' \
		-e 's|"args": \[ "sh" \]|"args": [ "sh", "-c", "echo \\"Hello from inside congo: $$(hostname), pid $$$$, $$(uname -sr)\\"" ]|' \
		default-bundle.tmp/config.json && \
	rm -rf default-bundle && mv default-bundle.tmp default-bundle

all-local: default-bundle/config.json
clean-local:
	rm -rf default-bundle default-bundle.tmp

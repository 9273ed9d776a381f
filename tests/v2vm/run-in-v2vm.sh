#!/bin/bash
# tests/v2vm/run-in-v2vm.sh 'COMMAND': run COMMAND as root inside a throw-away
# QEMU VM whose cgroups are pure cgroup v2 (cgroup2 at /sys/fs/cgroup,
# cgroup_no_v1=all, every controller enabled for the root's children), then
# power off.  congo's suite uses it (tests/v2vm/test-cgroups-v2.sh) because
# most hosts out there are v2-only and the development host is hybrid.
#
# The host's / is visible read-only over virtio-9p with a tmpfs overlay on top
# (the guest can write anywhere; writes are discarded); the V2VM_RW dirs are
# shared read-write back to the host at the same paths.
#
# COMMAND runs with bash in the guest, cwd = the caller's $PWD, stdin
# </dev/null, stdout+stderr (not a tty) streamed to this script's stdout.  The
# exit status is COMMAND's; 124 = the VM timed out, 125 = VM/setup failure.
#
# Facts learned the hard way, keep them:
#   - single-threaded TCG (-accel tcg,thread=single): multi-threaded TCG hung
#     the guest in about 1 of 8 container-heavy runs (QEMU 7.2, a soft lockup
#     in kernel text patching);
#   - q35 with qboot (much faster than SeaBIOS) and a PVH boot of the
#     uncompressed vmlinux (no real-mode setup, no in-guest xz: ~3 s saved);
#   - 9p with multidevs=remap for the host root (it spans several devices;
#     without remap inode numbers collide);
#   - a proper switch_root onto the overlay: with a plain chroot the root is
#     not the mount namespace's root and setns(CLONE_NEWNS) into a container
#     (exec) breaks.
#
# Environment knobs:
#   V2VM_RW="dir ..."    host dirs shared read-write at the same path (space
#                        separated; default /tmp/v2vm/scratch; "" = none;
#                        created if missing)
#   V2VM_PASSENV="A B"   host env vars exported into COMMAND's environment
#   V2VM_CGROUP=name     run COMMAND in leaf cgroup /sys/fs/cgroup/name
#                        (default: the root cgroup, like a bare init)
#   V2VM_TIMEOUT=300     seconds before the VM is killed
#   V2VM_MEM=2G V2VM_SMP=2
#   V2VM_APPEND="..."    extra kernel command line
#   V2VM_VERBOSE=1       copy the guest kernel console to stderr afterwards
#   V2VM_QUIET=1         no "v2vm: ..." summary line on stderr
#   V2VM_ACCEL=tcg,thread=single  default; "kvm" where the host has VT-x/AMD-V
#   V2VM_CPU=max V2VM_QEMU_OPTS="..." V2VM_CACHE=/tmp/v2vm/cache
#   V2VM_SYSTEMD=1       boot systemd as PID 1 (the host's /lib/systemd/systemd,
#                        about 4 s more boot under TCG): one unit, v2vm.service,
#                        runs COMMAND then powers off; nothing else is started
#                        (no journald, no dbus: `systemctl` talks to systemd's
#                        private socket; start dbus.service if you need it)
# First use installs qemu-system-x86 + busybox-static (+ xz-utils) with apt-get
# and extracts Debian's linux-image-amd64 kernel (apt-get download + dpkg -x;
# nothing is installed to /boot) into $V2VM_CACHE.
# Guest: Debian's kernel (6.1 on bookworm), no network device (only lo), no
# systemd (cgroupfs only) unless V2VM_SYSTEMD=1, PID 1 is a busybox script
# that does not reap orphans (run tests under tests/helpers/subreaper).
set -uo pipefail

if [ $# -lt 1 ]; then echo "usage: $0 'COMMAND'" >&2; exit 2; fi
CMD="$*"
CACHE=${V2VM_CACHE:-/tmp/v2vm/cache}
RW=${V2VM_RW-/tmp/v2vm/scratch}
TIMEOUT=${V2VM_TIMEOUT:-300}
MEM=${V2VM_MEM:-2G}
SMP=${V2VM_SMP:-2}
say() { [ -n "${V2VM_QUIET:-}" ] || echo "v2vm: $*" >&2; }
die() { echo "v2vm: $*" >&2; exit 125; }
[ "$(id -u)" = 0 ] || die "must run as root (9p passthrough + apt)"

# ---------------------------------------------------------------- guest init
read -r -d '' GUEST_INIT <<'INIT_EOF'
#!/bin/busybox sh
# v2vm guest init, stage 1 (initramfs): host / over 9p (ro) + tmpfs overlay,
# pure cgroup v2, then switch_root so the overlay is the mount namespace's root
# (a plain chroot breaks setns(CLONE_NEWNS)-based `runc exec`).
B=/bin/busybox
export PATH=/bin
$B mkdir -p /proc /sys /dev /host /newroot /upper
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
log() { echo "v2vm-init: $*" > /dev/ttyS0; }
die() { log "FATAL: $*"; echo "$*" > /newroot/run/v2vm/ctl/fatal 2>/dev/null; $B sync; $B poweroff -f; $B sleep 100; }
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
         9pnet 9pnet_virtio netfs fscache 9p overlay; do
  $B insmod /lib/modules/$m.ko || log "insmod $m failed"
done
O=trans=virtio,version=9p2000.L,msize=262144
$B mount -t 9p -o $O,ro,cache=loose hostroot /host || die "mount host root"
$B mount -t tmpfs -o mode=0755 upper /upper
$B mkdir -p /upper/u /upper/w
$B mount -t overlay -o lowerdir=/host,upperdir=/upper/u,workdir=/upper/w,index=off,xino=off,redirect_dir=off,metacopy=off overlay /newroot || die "mount overlay"
R=/newroot
$B mount -t tmpfs -o mode=0755 run $R/run
$B mkdir -p $R/run/v2vm/ctl
$B mount -t 9p -o $O,cache=none v2vmctl $R/run/v2vm/ctl || die "mount control share"
. $R/run/v2vm/ctl/env                 # V2VM_RW V2VM_CWD
i=0
for d in $V2VM_RW; do
  $B mkdir -p "$R$d"
  $B mount -t 9p -o $O,cache=mmap "rw$i" "$R$d" || die "mount rw$i at $d"
  i=$((i+1))
done
$B mount --move /proc $R/proc
$B mount --move /sys $R/sys
$B mount --move /dev $R/dev
# same mount options systemd uses for the unified hierarchy
$B mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 $R/sys/fs/cgroup ||
  $B mount -t cgroup2 -o nsdelegate cgroup2 $R/sys/fs/cgroup || die "mount cgroup2"
$B mount -t bpf bpf $R/sys/fs/bpf 2>/dev/null
$B mkdir -p $R/dev/pts $R/dev/shm $R/dev/mqueue
$B mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts $R/dev/pts
$B ln -sf pts/ptmx $R/dev/ptmx
$B ln -sf /proc/self/fd $R/dev/fd
$B ln -sf /proc/self/fd/0 $R/dev/stdin
$B ln -sf /proc/self/fd/1 $R/dev/stdout
$B ln -sf /proc/self/fd/2 $R/dev/stderr
$B ln -sf /proc/kcore $R/dev/core 2>/dev/null
$B hostname v2vm
$B ip link set lo up 2>/dev/null || $B ifconfig lo 127.0.0.1 up
$B mount -t tmpfs -o mode=1777 shm $R/dev/shm
$B mount -t mqueue mqueue $R/dev/mqueue
$B mount -t tmpfs -o mode=1777 vartmp $R/var/tmp
# like systemd: every controller enabled for the root cgroup's children
for c in $($B cat $R/sys/fs/cgroup/cgroup.controllers); do
  echo "+$c" > $R/sys/fs/cgroup/cgroup.subtree_control || log "cannot enable controller $c"
done
$B cp $B $R/run/v2vm/busybox
$B cp /stage2 $R/run/v2vm/stage2
if [ -n "${V2VM_SYSTEMD:-}" ]; then
  # systemd as PID 1: one service runs stage 2 (the command) and powers off;
  # nothing else is pulled in (no sysinit.target, no getty, no journald).
  U=$R/run/systemd/system
  $B mkdir -p $U
  printf '[Unit]\nDescription=v2vm command\nDefaultDependencies=no\n[Service]\nType=simple\nExecStart=/run/v2vm/busybox sh /run/v2vm/stage2\nStandardOutput=tty\nTTYPath=/dev/ttyS0\nKillMode=process\n' > $U/v2vm.service
  printf '[Unit]\nDescription=v2vm\nDefaultDependencies=no\nRequires=v2vm.service\nAfter=v2vm.service\nAllowIsolate=yes\n' > $U/v2vm.target
  exec $B switch_root $R /lib/systemd/systemd --unit=v2vm.target --log-target=kmsg --show-status=false
fi
exec $B switch_root $R /run/v2vm/busybox sh /run/v2vm/stage2
die "switch_root failed"
INIT_EOF
read -r -d '' GUEST_STAGE2 <<'INIT_EOF'
# v2vm guest init, stage 2 (PID 1 on the overlay root): run the command, report, power off.
B=/run/v2vm/busybox
C=/run/v2vm/ctl
log() { echo "v2vm-init: [$($B cut -d' ' -f1 /proc/uptime)] $*" > /dev/ttyS0; }
$B stty -F /dev/ttyS1 raw -echo 2>/dev/null
$B cut -d' ' -f1 /proc/uptime > $C/t_ready
log "ready, running command"
$B mkfifo /run/v2vm/out.fifo
$B cat /run/v2vm/out.fifo > /dev/ttyS1 &
catpid=$!
/usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
     HOME=/root TERM=dumb LANG=C.UTF-8 V2VM=1 /bin/bash $C/cmd < /dev/null > /run/v2vm/out.fifo 2>&1
rc=$?
echo $rc > $C/rc
$B cut -d' ' -f1 /proc/uptime > $C/t_end
log "command finished, rc=$rc"
# kill leftovers (daemons, containers) that still hold the output pipe, then drain it
n=0
while [ $n -lt 30 ]; do
  left=""
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    # skip init, the drain cat, kernel threads and zombies (no exe link)
    [ "$p" = 1 ] || [ "$p" = $$ ] || [ "$p" = "$catpid" ] || [ ! -e /proc/$p/exe ] || left="$left $p"
  done
  [ -z "$left" ] && break
  $B kill -9 $left 2>/dev/null
  $B usleep 50000
  n=$((n+1))
done
log "killed leftovers ($n rounds)"
( $B sleep 5; $B kill -9 $catpid 2>/dev/null ) &
wait $catpid
log "output drained"
$B sync
$B poweroff -f
INIT_EOF

# ---------------------------------------------------------------- one-time setup
setup() {
  mkdir -p "$CACHE" || die "cannot create $CACHE"
  local need=()
  command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need+=(busybox-static)
  command -v xz >/dev/null || need+=(xz-utils)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >"$CACHE/apt.log" 2>&1 ||
      { apt-get update >>"$CACHE/apt.log" 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >>"$CACHE/apt.log" 2>&1; } ||
      die "apt-get install ${need[*]} failed, see $CACHE/apt.log"
  fi
  if [ ! -s "$CACHE/vmlinuz" ]; then
    local kpkg deb
    kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
    if [ -z "$kpkg" ]; then apt-get update >/dev/null 2>&1
      kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1); fi
    [ -n "$kpkg" ] || die "cannot resolve linux-image-amd64"
    say "downloading $kpkg (extracted with dpkg -x, not installed)"
    rm -rf "$CACHE/deb" "$CACHE/kpkg"; mkdir -p "$CACHE/deb"
    (cd "$CACHE/deb" && apt-get download "$kpkg" >"$CACHE/download.log" 2>&1) || die "apt-get download $kpkg failed"
    deb=$(ls "$CACHE"/deb/*.deb | head -1)
    dpkg -x "$deb" "$CACHE/kpkg" || die "dpkg -x failed"
    local kv; kv=$(ls "$CACHE/kpkg/lib/modules" | head -1)
    local M="$CACHE/kpkg/lib/modules/$kv/kernel"
    rm -rf "$CACHE/mods"; mkdir -p "$CACHE/mods"
    for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
             drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci net/9p/9pnet net/9p/9pnet_virtio \
             fs/netfs/netfs fs/fscache/fscache fs/9p/9p fs/overlayfs/overlay; do
      if [ -f "$M/$m.ko" ]; then cp "$M/$m.ko" "$CACHE/mods/"
      elif [ -f "$M/$m.ko.xz" ]; then xz -dc "$M/$m.ko.xz" > "$CACHE/mods/$(basename $m).ko"
      else die "module $m missing in $deb"; fi
    done
    echo "$kv" > "$CACHE/kernel-version"
    cp "$CACHE/kpkg/boot/vmlinuz-$kv" "$CACHE/vmlinuz.tmp" && mv "$CACHE/vmlinuz.tmp" "$CACHE/vmlinuz"
    rm -rf "$CACHE/kpkg" "$CACHE/deb" "$CACHE/vmlinux"
  fi
  # Uncompressed ELF vmlinux: QEMU boots it via its PVH note, skipping the
  # real-mode setup and the in-guest xz decompression (~3 s under TCG).
  if [ ! -s "$CACHE/vmlinux" ]; then
    local off; off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$CACHE/vmlinuz" | head -1 | cut -d: -f1)
    if [ -n "$off" ] && tail -c +$((off+1)) "$CACHE/vmlinuz" > "$CACHE/vmlinux.xz" &&
       xz -dc --single-stream "$CACHE/vmlinux.xz" > "$CACHE/vmlinux.tmp" 2>/dev/null &&
       [ "$(head -c4 "$CACHE/vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
      mv "$CACHE/vmlinux.tmp" "$CACHE/vmlinux"
    else
      say "could not extract an uncompressed vmlinux; booting the bzImage (slower)"
      rm -f "$CACHE/vmlinux.tmp"; ln -sf vmlinuz "$CACHE/vmlinux"
    fi
    rm -f "$CACHE/vmlinux.xz"
  fi
  # initrd: rebuilt whenever the embedded init changes
  local sum; sum=$(printf '%s\n%s' "$GUEST_INIT" "$GUEST_STAGE2" | md5sum | cut -c1-12)
  if [ ! -s "$CACHE/initrd-$sum.img" ]; then
    # (other versions of this script may be booting theirs right now: only
    # old ones go)
    find "$CACHE" -maxdepth 1 -name 'initrd-*.img' -mmin +120 -delete 2>/dev/null
    local t; t=$(mktemp -d "$CACHE/initrd.XXXXXX")
    mkdir -p "$t/bin" "$t/lib/modules"
    cp /bin/busybox "$t/bin/busybox"
    cp "$CACHE"/mods/*.ko "$t/lib/modules/"
    printf '%s\n' "$GUEST_INIT" > "$t/init"; chmod 755 "$t/init"
    printf '%s\n' "$GUEST_STAGE2" > "$t/stage2"
    (cd "$t" && find . | busybox cpio -o -H newc 2>/dev/null) > "$CACHE/initrd-$sum.img.tmp" || die "cpio failed"
    mv "$CACHE/initrd-$sum.img.tmp" "$CACHE/initrd-$sum.img"; rm -rf "$t"
  fi
  INITRD="$CACHE/initrd-$sum.img"
}
setup

# ---------------------------------------------------------------- per-run files
mkdir -p "$CACHE/runs"
RUN=$(mktemp -d "$CACHE/runs/run.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$RUN"' EXIT
rwlist=""; virtfs=(); i=0
for d in $RW; do
  case "$d" in /*) ;; *) die "V2VM_RW entries must be absolute: $d";; esac
  mkdir -p "$d" || die "cannot create $d"
  d=$(cd "$d" && pwd -P)
  rwlist+="$d "
  virtfs+=(-virtfs "local,path=$d,mount_tag=rw$i,security_model=passthrough,id=rw$i")
  i=$((i+1))
done
printf 'V2VM_RW=%q\nV2VM_CWD=%q\nV2VM_SYSTEMD=%q\n' "$rwlist" "$PWD" "${V2VM_SYSTEMD:-}" > "$RUN/env"
{
  printf 'cd %q 2>/dev/null || cd /\n' "$PWD"
  for v in ${V2VM_PASSENV:-}; do
    [ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
  done
  if [ -n "${V2VM_CGROUP:-}" ]; then
    printf 'mkdir -p /sys/fs/cgroup/%s && echo $$ > /sys/fs/cgroup/%s/cgroup.procs || exit 125\n' "$V2VM_CGROUP" "$V2VM_CGROUP"
  fi
  printf '%s\n' "$CMD"
} > "$RUN/cmd"

# ---------------------------------------------------------------- boot
bios=(); [ -f /usr/share/qemu/qboot.rom ] && bios=(-bios /usr/share/qemu/qboot.rom)   # faster than SeaBIOS
t0=$(date +%s.%N)
timeout --foreground -k 5 "$TIMEOUT" qemu-system-x86_64 \
  -accel "${V2VM_ACCEL:-tcg,thread=single}" -M q35 "${bios[@]}" -cpu "${V2VM_CPU:-max}" -m "$MEM" -smp "$SMP" \
  -nodefaults -no-user-config -display none -no-reboot ${V2VM_QEMU_OPTS:-} \
  -kernel "$CACHE/vmlinux" -initrd "$INITRD" \
  -append "console=ttyS0 panic=-1 quiet cryptomgr.notests systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all ${V2VM_APPEND:-}" \
  -serial "file:$RUN/console.log" -chardev stdio,id=out,signal=off -serial chardev:out \
  -virtfs "local,path=$RUN,mount_tag=v2vmctl,security_model=passthrough,id=ctl" \
  -virtfs "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap,id=hostroot" \
  "${virtfs[@]}" < /dev/null 2> "$RUN/qemu.err"
qrc=$?
t1=$(date +%s.%N)
total=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
cp "$RUN/console.log" "$CACHE/last-console.log" 2>/dev/null
[ -s "$RUN/qemu.err" ] && grep -v '^$' "$RUN/qemu.err" >&2
[ -n "${V2VM_VERBOSE:-}" ] && { echo "---- guest console ----" >&2; cat "$RUN/console.log" >&2; }
if [ -s "$RUN/rc" ]; then
  rc=$(cat "$RUN/rc")
  boot=$(awk -v tot="$total" -v r="$(cat "$RUN/t_ready" 2>/dev/null)" -v e="$(cat "$RUN/t_end" 2>/dev/null)" \
         'BEGIN{ if (r=="" || e=="") {print "?"; exit}; cmd=e-r; printf "%.1f", tot-cmd }')
  say "exit code $rc; total ${total}s = boot+shutdown ${boot}s + command $(awk -v r="$(cat "$RUN/t_ready" 2>/dev/null)" -v e="$(cat "$RUN/t_end" 2>/dev/null)" 'BEGIN{printf "%.1f", e-r}')s (guest kernel start->ready $(cat "$RUN/t_ready" 2>/dev/null)s)"
  exit "$rc"
fi
if [ -s "$RUN/fatal" ]; then
  echo "v2vm: guest setup failed: $(cat "$RUN/fatal")" >&2; rc=125
elif [ $qrc = 124 ] || [ $qrc = 137 ]; then
  echo "v2vm: TIMEOUT after ${TIMEOUT}s (V2VM_TIMEOUT); last console lines:" >&2; rc=124
else
  echo "v2vm: VM ended without an exit code (qemu rc=$qrc); last console lines:" >&2; rc=125
fi
tail -n 30 "$RUN/console.log" >&2
echo "v2vm: full guest console: $CACHE/last-console.log" >&2
exit $rc

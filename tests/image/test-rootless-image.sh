#!/bin/bash
# congo-image as a plain user (rootless): the store under $XDG_DATA_HOME/congo
# (~/.local/share/congo), layers unpacked in a user namespace of the user's
# subordinate ids (newuidmap/newgidmap) so owners, modes, setuid bits and
# whiteouts are right, user.overlay.opaque for opaque directories, bundles
# as copies; pulled from a registry, seen from the host and from a user
# namespace of the same mapping; the store commands as the user; the
# failures (no subordinate ids, no newuidmap) leave nothing.
# (tests/rootless/test-rootless.sh test_image_* runs such a bundle with congo.)  Each test makes a throw-away user congo-ri-PID-N with its own
# /etc/subuid and /etc/subgid lines at 1000000000 + (PID % 10000) * 65536,
# removed by a trap.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-image.sh"

make_layout test test "$IMG_WORK/test"
start_registry plain && push test:test "$REG/test/img:1" --dest-tls-verify=false

RI_COUNT=65536
RI_USER=""

ri_cleanup() {
    local f
    [ -n "$RI_USER" ] || return 0
    for f in $(ls -A "$T/run/congo" 2>/dev/null); do
        setpriv --reuid "$RI_UID" --regid "$RI_GID" --init-groups env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$T/run" \
            "$CONGO" delete --force "$f" >/dev/null 2>&1 || true
    done
    for f in /etc/subuid /etc/subgid; do
        (
            flock 9
            grep -v "^$RI_USER:" "$f" > "$f.congo-ri.$$" || true
            cat "$f.congo-ri.$$" > "$f"
            rm -f "$f.congo-ri.$$"
        ) 9<"$f"
    done
    userdel "$RI_USER" >/dev/null 2>&1 || true
    RI_USER=""
}

# ri_user [nosubids]: make the user (RI_USER, RI_UID, RI_GID, RI_BASE), its
# home $T/home (and $T readable by it), its subordinate ids unless nosubids.
ri_user() {
    local f
    need_tools useradd userdel setpriv newuidmap newgidmap flock
    RI_USER=congo-ri-$$-$RANDOM
    trap 'ri_cleanup; cleanup_test' EXIT
    # A system user: useradd gives it no subordinate ids of its own.
    useradd --system -M -U -d "$T/home" -s /bin/sh "$RI_USER" || fail "useradd $RI_USER"
    RI_UID=$(id -u "$RI_USER")
    RI_GID=$(id -g "$RI_USER")
    RI_BASE=$((1000000000 + ($$ % 10000) * RI_COUNT))
    if [ "${1:-}" != nosubids ]; then
        for f in /etc/subuid /etc/subgid; do
            touch "$f"
            ! grep -q ":$RI_BASE:" "$f" || fail "range $RI_BASE is already in $f"
            (flock 9; echo "$RI_USER:$RI_BASE:$RI_COUNT" >> "$f") 9<"$f"
        done
    fi
    chmod 755 "$T"
    mkdir -p "$T/home"
    chown "$RI_UID:$RI_GID" "$T/home"
    cp "$CONGO_IMAGE" "$T/congo-image"
    chmod 755 "$T/congo-image"
}

# as_user ARGS: congo-image as the user, with a clean environment.
as_user() {
    run_cmd setpriv --reuid "$RI_UID" --regid "$RI_GID" --init-groups \
        env -i ${RI_NOHOME:-HOME="$T/home"} PATH="${RI_PATH:-/usr/bin:/bin}" ${RI_XDG:+XDG_DATA_HOME=$RI_XDG} \
        "$T/congo-image" "$@"
}

# The host id of container id $1 under the user's mapping.
host_uid() { if [ "$1" = 0 ]; then echo "$RI_UID"; else echo $((RI_BASE + $1 - 1)); fi; }
host_gid() { if [ "$1" = 0 ]; then echo "$RI_GID"; else echo $((RI_BASE + $1 - 1)); fi; }

# Every file under $1 is owned by the user's own ids.
assert_owned_by_user_ranges() {
    local bad
    bad=$(find "$1" -printf '%U %G %p\n' | awk -v u="$RI_UID" -v g="$RI_GID" -v b="$RI_BASE" -v n="$RI_COUNT" '
        !(($1 == u || ($1 >= b && $1 < b + n)) && ($2 == g || ($2 >= b && $2 < b + n))) { print; exit }')
    [ -z "$bad" ] || fail "a file owned by an id outside the user's ranges: $bad"
}

test_rootless_pull_and_extract_map_owners_to_subordinate_ids() {
    need_setup
    ri_user
    local store=$T/home/.local/share/congo r layer2 b
    as_user pull -q "$REG/test/img:1"
    assert_ok
    [ -d "$store/images" ] || fail "no store at ~/.local/share/congo: $(ls -a "$T/home")"
    assert_eq "$(stat -c %u:%g "$store" "$store/layers")" "$RI_UID:$RI_GID"$'\n'"$RI_UID:$RI_GID"
    assert_owned_by_user_ranges "$store"
    as_user extract -q --name box "$REG/test/img:1" -- \
        sh -c 'stat -c %u:%g:%a /data/owned /data/nobody /data/setuid; id -u; ls /data/opaque; cat /data/keep.txt'
    assert_ok
    b=$store/bundles/box
    assert_eq "$OUT" "$b"
    r=$b/rootfs
    assert_eq "$(jq -r .mode "$b/.congo-image.json")" "copy" "rootless bundles are copies"
    # Host side: container id N is subordinate id BASE + N - 1, root the user.
    assert_eq "$(stat -c %u:%g:%a "$r/data/owned")" "$(host_uid 1000):$(host_gid 1000):640"
    assert_eq "$(stat -c %u:%g "$r/home/tester")" "$(host_uid 1000):$(host_gid 1000)"
    assert_eq "$(stat -c %u:%g "$r/data/nobody")" "$(host_uid 65534):$(host_gid 65534)"
    assert_eq "$(stat -c %u:%g:%a "$r/data/setuid")" "$RI_UID:$RI_GID:4755" "setuid bit kept"
    assert_eq "$(stat -c %u:%g "$r/bin/busybox")" "$RI_UID:$RI_GID"
    assert_eq "$(stat -c %F "$r/data/fifo")" "fifo"
    assert_eq "$(cat "$r/data/keep.txt")" "v3"
    [ ! -e "$r/data/gone.txt" ] && [ ! -e "$r/data/gonedir" ] || fail "whited-out files in the rootfs"
    assert_eq "$(ls "$r/data/opaque" | tr '\n' ' ')" "new1 " "opaque dir shows only layer 2's entries"
    assert_eq "$(ls "$r/data/recreated" | tr '\n' ' ')" "newfile " "dir deleted and made again in one layer"
    assert_eq "$(xattr_of "$r/data/xattr" user.test)" "hello"
    [ ! -e "$r/data/dev/null" ] || fail "a device node in a rootless rootfs"
    # The layers: 0/0 whiteouts and user.overlay.opaque (no trusted.* without the host's CAP_SYS_ADMIN).
    layer2=$(find "$store/layers/sha256" -path '*/data/added.txt' | head -1)
    layer2=${layer2%/data/added.txt}
    assert_eq "$(stat -c %F:%t:%T:%u "$layer2/data/gone.txt")" "character special file:0:0:$RI_UID" "whiteout device"
    assert_eq "$(xattr_of "$layer2/data/opaque" user.overlay.opaque)" "y"
    assert_eq "$(xattr_of "$layer2/data/opaque" trusted.overlay.opaque)" "<none>"
    assert_owned_by_user_ranges "$store"
    # The user's layers are in the form an overlay mounted with `userxattr` in
    # the user's namespace reads (the path to an overlay rootfs rootless).
    local lowers="" d
    for d in $(jq -r '.layers[]' "$b/.congo-image.json" | cut -d: -f2); do
        lowers=$store/layers/sha256/$d${lowers:+:$lowers}
    done
    mkdir -p "$T/home/ov/u" "$T/home/ov/w" "$T/home/ov/m"
    chown -R "$RI_UID:$RI_GID" "$T/home/ov"
    run_cmd setpriv --reuid "$RI_UID" --regid "$RI_GID" --init-groups unshare --map-auto -r -m sh -c \
        'mount -t overlay overlay -o "userxattr,lowerdir=$1,upperdir=$2/u,workdir=$2/w" "$2/m" &&
         ls "$2/m/data/opaque"; ls "$2/m/data/recreated"; cat "$2/m/data/keep.txt"; ls "$2/m/data/gone.txt"' \
        sh "$lowers" "$T/home/ov"
    assert_eq "$OUT" "new1"$'\n'"newfile"$'\n'"v3" "overlay of the user's layers: $ERR"
    assert_contains "$ERR" "No such file"
    # Inside a user namespace with the same mapping the ids are the image's.
    # (unshare --map-auto -r: the user as root, its first subordinate range from 1.)
    run_cmd setpriv --reuid "$RI_UID" --regid "$RI_GID" --init-groups unshare --map-auto -r \
        stat -c %u:%g "$r/data/owned" "$r/data/nobody" "$r/data/setuid"
    assert_ok
    assert_eq "$OUT" "1000:1000"$'\n'"65534:65534"$'\n'"0:0"
    # congo runs it as the user (rootless runtime), ids as in the image.
    mkdir -p "$T/run"
    chown "$RI_UID:$RI_GID" "$T/run"
    chmod 700 "$T/run"
    run_cmd setpriv --reuid "$RI_UID" --regid "$RI_GID" --init-groups \
        env -i ${RI_NOHOME:-HOME="$T/home"} PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$T/run" "$CONGO" run -b "$b" "ri-$$"
    assert_ok
    assert_eq "$OUT" "1000:1000:640"$'\n'"65534:65534:644"$'\n'"0:0:4755"$'\n'"1000"$'\n'"new1"$'\n'"v3"
    [ -z "$(ls -A "$T/run/congo" 2>/dev/null)" ] || fail "container state left: $(ls -A "$T/run/congo")"
    # mount/umount have nothing to do for a copy; rm-bundle removes every subordinate-owned file.
    as_user mount "$b"
    assert_ok
    as_user umount "$b"
    assert_ok
    as_user rm-bundle "$b"
    assert_ok
    [ ! -e "$b" ] || fail "bundle left after rm-bundle"
    as_user rm "$REG/test/img:1"
    assert_ok
    as_user prune
    assert_ok
    assert_eq "$(ls -A "$store/layers/sha256")" "" "prune removed the subordinate-owned layers"
}

test_rootless_store_follows_xdg_data_home() {
    need_setup
    ri_user
    RI_XDG=$T/home/xdg
    as_user pull -q "$REG/test/img:1"
    assert_ok
    [ -f "$T/home/xdg/congo/images/index.json" ] || fail "no store at \$XDG_DATA_HOME/congo"
    [ ! -e "$T/home/.local" ] || fail "~/.local made although \$XDG_DATA_HOME is set"
    # A relative $XDG_DATA_HOME is ignored (XDG spec); without $HOME, the passwd home.
    RI_XDG=rel as_user pull -q "$REG/test/img:1"
    assert_ok
    [ -f "$T/home/.local/share/congo/images/index.json" ] || fail "relative \$XDG_DATA_HOME not ignored"
    [ ! -e "$T/rel" ] || fail "a store in the relative \$XDG_DATA_HOME"
    rm -rf "$T/home/.local"
    RI_XDG="" RI_NOHOME=NOHOME=1 as_user pull -q "$REG/test/img:1"
    assert_ok
    [ -f "$T/home/.local/share/congo/images/index.json" ] || fail "no store in the passwd home without \$HOME"
    # --store still wins.
    RI_XDG="" as_user --store "$T/home/other" pull -q "$REG/test/img:1"
    assert_ok
    [ -f "$T/home/other/images/index.json" ] || fail "--store not used"
}

test_rootless_without_subordinate_ids_fails_clearly_and_leaves_nothing() {
    need_setup
    ri_user nosubids
    local store=$T/home/.local/share/congo
    # Only the user's own id is mapped: the image's files of uid 1000 cannot be made.
    as_user extract -q --name box "$REG/test/img:1"
    assert_failed
    assert_contains "$ERR" "owner 1000:1000 is not mapped rootless"
    assert_contains "$ERR" "/etc/subuid"
    [ ! -e "$store/bundles/box" ] || fail "bundle left behind: $(ls -A "$store/bundles/box")"
    # (Layers that did unpack stay, as after any failed extract: they are whole.)
    assert_eq "$(ls -A "$store/bundle-refs")$(ls -A "$store/layers/tmp")" "" "no bundle record or partial unpack left"
    [ -z "$(find "$store" ! -uid "$RI_UID" -print -quit)" ] || fail "a file not owned by the user: $(find "$store" ! -uid "$RI_UID" | head -3)"
}

test_rootless_without_newuidmap_fails_clearly_and_leaves_nothing() {
    need_setup
    ri_user
    mkdir -p "$T/emptybin"
    RI_PATH=$T/emptybin as_user pull -q "$REG/test/img:1"
    assert_failed
    assert_contains "$ERR" "needs \`newuidmap\` (Debian package uidmap), not found on PATH \`$T/emptybin\`"
    [ ! -e "$T/home/.local" ] || fail "something was made in the home: $(find "$T/home/.local")"
}

# A layer's own user.overlay.* xattrs (what a rootless overlay obeys) are
# dropped; a symlink to a directory the user may write is not written through.
test_rootless_hostile_layers() {
    need_setup
    ri_user
    local l
    mkdir -p "$T/home/outside"
    chown "$RI_UID:$RI_GID" "$T/home/outside"
    $PY "$IMG_TESTS/mkimage.py" --busybox "$BUSYBOX" hostile "$T/hx" useroverlayxattr >/dev/null || fail "mkimage.py"
    HOSTILE_TARGET=$T/home/outside $PY "$IMG_TESTS/mkimage.py" --busybox "$BUSYBOX" hostile "$T/hs" symlink \
        >/dev/null || fail "mkimage.py"
    chmod -R a+rX "$T/hx" "$T/hs"
    as_user load --name local/hx:1 "$T/hx"
    assert_ok
    as_user extract -q --pull never local/hx:1 -b "$T/home/b"
    assert_ok
    l=$(jq -r '.layers[0]' "$T/home/b/.congo-image.json" | cut -d: -f2)
    l=$T/home/.local/share/congo/layers/sha256/$l
    assert_eq "$(xattr_of "$l/d" user.overlay.opaque)" "<none>" "forged opaque xattr dropped"
    assert_eq "$(xattr_of "$l/d/f" user.overlay.redirect)" "<none>" "forged redirect dropped"
    assert_eq "$(xattr_of "$l/w" user.overlay.whiteout)" "<none>" "forged whiteout dropped"
    assert_eq "$(xattr_of "$l/w" user.test)" "kept"
    assert_eq "$(cat "$T/home/b/rootfs/d/f") $(cat "$T/home/b/rootfs/w")" "x w"
    as_user load --name local/hs:1 "$T/hs"
    assert_ok
    as_user extract -q --pull never local/hs:1 -b "$T/home/b2"
    assert_failed
    assert_contains "$ERR" "\`evil\` is a symbolic link: refusing to write through it"
    assert_eq "$(ls -A "$T/home/outside")" "" "nothing written through the symlink"
    [ ! -e "$T/home/b2" ] || fail "bundle left behind"
}

run_tests "$@"

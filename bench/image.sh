#!/bin/bash
# congo-image against the Debian tools, side by side in one run (hyperfine):
#
#   pull      congo-image pull          vs  skopeo copy docker://... oci:...
#   unpack    congo-image extract       vs  umoci unpack       (layers not yet unpacked)
#   end2end   congo-image extract       vs  skopeo copy + umoci unpack   (empty store)
#
# on a ~200 MB, 5-layer image generated offline (tests/image/mkimage.py) and
# served by Debian's docker-registry on 127.0.0.1.  Prints mean times and the
# ratio congo-image / Debian tool (the target is <= 0.5).  Run as root from a
# built tree:  bench/image.sh [SIZE_MB] [LAYERS] [RUNS]
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
SIZE=${1:-200}
LAYERS=${2:-5}
RUNS=${3:-5}
CI=$TOP/congo-image
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || { echo "run as root (extract mounts overlays)"; exit 1; }
[ -x "$CI" ] || { echo "build first: no $CI"; exit 1; }
for t in hyperfine skopeo umoci docker-registry jq; do
    command -v $t >/dev/null || { echo "$t is not installed (contrib/debian-test-packages.txt)"; exit 1; }
done

CACHE=${CONGO_BENCH_CACHE:-/var/tmp/congo-bench-image}
W=$(mktemp -d /tmp/congo-bench.XXXXXX)
REG_PID=""
cleanup() {
    local m
    for m in $(awk -v t="$W" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do umount "$m" 2>/dev/null || true; done
    [ -n "$REG_PID" ] && { kill "$REG_PID" 2>/dev/null; wait "$REG_PID" 2>/dev/null || true; }
    rm -rf "$W"
}
trap cleanup EXIT

# The image, built once and cached.
if [ ! -f "$CACHE/$SIZE-$LAYERS/index.json" ]; then
    echo "# generating a $SIZE MB, $LAYERS-layer image in $CACHE/$SIZE-$LAYERS (once)"
    rm -rf "$CACHE/$SIZE-$LAYERS"
    mkdir -p "$CACHE"
    $PY tests/image/mkimage.py big "$CACHE/$SIZE-$LAYERS" "$SIZE" "$LAYERS"
fi
LAYOUT=$CACHE/$SIZE-$LAYERS

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$W/registry.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $W/registry}}
http: {addr: 127.0.0.1:$PORT}
YML
docker-registry serve "$W/registry.yml" >"$W/registry.log" 2>&1 &
REG_PID=$!
for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done
REF=127.0.0.1:$PORT/bench/big:latest
skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:big" "docker://$REF"
echo "# image: $(du -sh "$LAYOUT/blobs" | cut -f1) compressed in $LAYERS layers, $SIZE MB unpacked; $(nproc) CPUs"
echo "# congo-image $("$CI" --version | head -1 | cut -d' ' -f3); $(skopeo --version); $(umoci --version)"

S=$W/store       # congo-image store
O=$W/oci         # skopeo's layout
B=$W/bundle
U=$W/umoci-bundle
run() {
    local name=$1
    shift
    hyperfine -N --runs "$RUNS" --warmup 1 --export-json "$W/$name.json" "$@" >"$W/$name.txt" 2>&1 ||
        { cat "$W/$name.txt"; exit 1; }
}
mean() { jq -r ".results[$2].mean" "$W/$1.json"; }

# 1. pull
run pull \
    --prepare "rm -rf $S $O" \
    -n congo-image "$CI --store $S pull -q $REF" \
    -n skopeo "skopeo copy -q --src-tls-verify=false docker://$REF oci:$O:big"

# 2. unpack: both start from a store that has the blobs
"$CI" --store "$S" pull -q "$REF" >/dev/null
rm -rf "$O"
skopeo copy -q --src-tls-verify=false "docker://$REF" "oci:$O:big"
run unpack \
    --prepare "sh -c '$CI --store $S rm-bundle $B >/dev/null 2>&1; rm -rf $S/layers/sha256/* $U; sync'" \
    -n congo-image "$CI --store $S extract -q --pull never $REF -b $B" \
    -n "umoci unpack" "umoci unpack --image $O:big $U"
"$CI" --store "$S" rm-bundle "$B" >/dev/null 2>&1 || true

# 3. pull + extract, from nothing
run end2end \
    --prepare "sh -c '$CI --store $S rm-bundle $B >/dev/null 2>&1; rm -rf $S $O $U; sync'" \
    -n congo-image "$CI --store $S extract -q $REF -b $B" \
    -n "skopeo+umoci" "sh -c 'skopeo copy -q --src-tls-verify=false docker://$REF oci:$O:big && umoci unpack --image $O:big $U'"
"$CI" --store "$S" rm-bundle "$B" >/dev/null 2>&1 || true

printf '\n%-10s %14s %20s %8s\n' "" "congo-image" "Debian tool" "ratio"
for b in pull unpack end2end; do
    a=$(mean $b 0)
    d=$(mean $b 1)
    printf '%-10s %12.3f s %18.3f s %8.2f\n' "$b" "$a" "$d" "$(awk -v a="$a" -v d="$d" 'BEGIN { print a / d }')"
done
echo "(ratio = congo-image / Debian tool; target <= 0.5)"

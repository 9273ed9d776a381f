#!/bin/bash
# tests/fuzz/build.sh [OUTDIR]: build the libFuzzer targets of tests/fuzz/
# with clang (-fsanitize=fuzzer,address,undefined) from the sources, apart
# from the normal build: the libraries are compiled again into OUTDIR
# (default tests/fuzz/build) with the sanitizers.  Needs a configured and
# built tree (config.h, the generated exec stub) and clang (Debian: clang).
set -eu
FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$FUZZ_DIR/../.." && pwd)
: "${TOP_BUILDDIR:=$TOP}"
OUT=${1:-$TOP_BUILDDIR/tests/fuzz/build}
CC=${FUZZ_CC:-clang}

command -v "$CC" >/dev/null || { echo "build.sh: $CC not found (apt-get install clang)" >&2; exit 2; }
[ -f "$TOP_BUILDDIR/config.h" ] || { echo "build.sh: no config.h in $TOP_BUILDDIR: run ./configure && make first" >&2; exit 2; }

PKGS="yajl libseccomp libcap libcurl libarchive libcrypto"
CFLAGS="-g -O1 -std=gnu11 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fsanitize=fuzzer-no-link -Wno-unused-command-line-argument -I$TOP/src -I$TOP_BUILDDIR -I$TOP_BUILDDIR/src
    $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lpthread -ldl"

mkdir -p "$OUT/obj"
# Every module of libcongo and of congo-image but the command layers.
SRCS=$(ls "$TOP"/src/libcongo/*.c "$TOP"/src/image/*.c | grep -v -e '/cmd-[^/]*\.c$' -e '/congo-image\.c$')

# Compile what changed (two at a time: the machine is shared).
compile() {
    local src=$1 obj
    obj=$OUT/obj/$(echo "${src#"$TOP"/src/}" | tr / _ | sed 's/\.c$/.o/')
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
        [ -n "$(find "$TOP/src" -name '*.h' -newer "$obj" -print -quit)" ]; then
        $CC $CFLAGS -c "$src" -o "$obj" || { echo "build.sh: $src failed" >&2; return 1; }
    fi
    echo "$obj"
}
export -f compile
export CC CFLAGS OUT TOP
objs=$(printf '%s\n' $SRCS | xargs -P "${FUZZ_JOBS:-2}" -I{} bash -c 'compile {}')
lib=$OUT/libfuzzcongo.a
if [ ! -f "$lib" ] || [ -n "$(find $objs -newer "$lib" -print -quit)" ]; then
    rm -f "$lib"
    ar rcs "$lib" $objs
fi

for t in "$FUZZ_DIR"/fuzz-*.c; do
    name=$(basename "$t" .c)
    name=${name#fuzz-}
    if [ ! -x "$OUT/$name" ] || [ "$t" -nt "$OUT/$name" ] || [ "$lib" -nt "$OUT/$name" ] || [ "$FUZZ_DIR/fuzz.h" -nt "$OUT/$name" ]; then
        $CC $CFLAGS -fsanitize=fuzzer -I"$FUZZ_DIR" "$t" "$lib" $LIBS -o "$OUT/$name"
        echo "built $OUT/$name"
    fi
done

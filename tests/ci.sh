#!/bin/bash
# The whole test suite from a clean clone, as root on Debian 12: install the
# build and test dependencies, build, run every test, then the unit tests and
# the runtime's integration tests again under ASan and UBSan
# (tests/sanitize.sh).  Ends with the suite's line "N passed, M failed[, K skipped]".
set -eu
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if ! dpkg -s $(cat contrib/debian-packages.txt contrib/debian-test-packages.txt) >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq $(cat contrib/debian-packages.txt contrib/debian-test-packages.txt) >/dev/null
fi
[ -x configure ] || ./autogen.sh >/dev/null
[ -f Makefile ] || ./configure -q
make -j"$(nproc)" >/dev/null
CONGO_SANITIZE=${CONGO_SANITIZE:-1} exec tests/run-tests.sh "$@"

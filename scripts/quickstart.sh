#!/bin/sh
# fdrsim quick start. Usage, from the top of the source tree:
#   sh scripts/quickstart.sh          install what is missing, build, run the default
#                                     experiment and render its figures
#   sh scripts/quickstart.sh check    install what is missing, build, run the test suite
# Environment: CONFIGURE_FLAGS (extra ./configure options, e.g. --enable-werror),
# BUILD_DIR (default: build), JOBS (default: number of cores).
set -eu

mode=${1:-demo}
case $mode in demo|check) ;; *) echo "usage: sh scripts/quickstart.sh [demo|check]" >&2; exit 2 ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# Debian 12 packages: toolchain, GSL, OpenBLAS, jansson, inih, Random123,
# Criterion and python3-jsonschema (tests) and gnuplot (figures).
deps="gcc make autoconf automake libtool pkg-config autoconf-archive libgsl-dev
libopenblas-dev libjansson-dev libinih-dev librandom123-dev libcriterion-dev gnuplot-nox
python3-jsonschema"
missing=
for p in $deps; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "quickstart: installing:$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
        echo "quickstart: missing Debian packages; install them with:"
        echo "  sudo apt-get install$missing"
        exit 1
    fi
fi

cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] || autoreconf -fi
mkdir -p "$build"
cd "$build"
# shellcheck disable=SC2086
[ -f Makefile ] && [ Makefile -nt "$top/configure" ] || "$top/configure" ${CONFIGURE_FLAGS:-}
make -j"$jobs"

if [ "$mode" = check ]; then
    make -j"$jobs" check
else
    ./fdrsim --out "$top/fdrsim-default" --plot
    echo "quickstart: results and figures (*.png, *.pdf) in $top/fdrsim-default/"
fi

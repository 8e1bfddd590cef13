#!/bin/sh
# test_installed.sh - libfdrsim as a user of the installed package sees it:
# `make install DESTDIR=TMP`, then examples/api.c compiled with nothing but
# the installed header and `pkg-config --cflags --libs fdrsim`, shared and
# static, and run, and the example plugin built against the installed header
# and loaded by the installed fdrsim. The shared library must export the public API alone and
# no internal header may be installed. TAP output.
# Environment (set by make check): MAKE, CC, EXAMPLE_CFLAGS, EXAMPLE_LDFLAGS,
# PKG_CONFIG, FDR_PREFIX, FDR_LIBDIR, FDR_INCLUDEDIR, FDR_BINDIR, FDR_EXAMPLESDIR,
# srcdir.

n=0
failed=0
ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
lib=$root$FDR_LIBDIR
inc=$root$FDR_INCLUDEDIR
example=${srcdir:-.}/examples/api.c

if env -u MAKEFLAGS -u MFLAGS ${MAKE:-make} install DESTDIR="$root" >"$tmp/install.log" 2>&1; then
    r=0
else
    r=1
    tail -20 "$tmp/install.log" | sed 's/^/# /'
fi
ok $r "make install DESTDIR=TMP"
headers=$(cd "$inc" 2>/dev/null && find . -name '*.h' | sort | tr '\n' ' ')
[ "$headers" = "./fdrsim.h " ]
ok $? "fdrsim.h is the one installed header (installed: ${headers:-none})"
pc="$PKG_CONFIG --define-variable=prefix=$root$FDR_PREFIX"
export PKG_CONFIG_PATH="$lib/pkgconfig"
flags=$($pc --cflags --libs fdrsim)
ok $? "pkg-config --cflags --libs fdrsim: $flags"
others=$(nm -D --defined-only "$lib/libfdrsim.so" | awk '$2 ~ /^[TDBRVW]$/ && $3 !~ /^fdrsim_/ {print $3}' | tr '\n' ' ')
[ -f "$lib/libfdrsim.so" ] && [ -z "$others" ]
ok $? "libfdrsim.so exports fdrsim_* alone${others:+; also: $others}"
[ -f "$lib/libfdrsim.a" ]
ok $? "libfdrsim.a installed"

# shellcheck disable=SC2086
$CC $EXAMPLE_CFLAGS -o "$tmp/api" "$example" $flags -Wl,-rpath,"$lib" $EXAMPLE_LDFLAGS \
    >"$tmp/cc.log" 2>&1
r=$?
sed 's/^/# /' "$tmp/cc.log"
ok $r "examples/api.c builds against the installed shared library"
"$tmp/api" >"$tmp/run.log" 2>&1
rc=$?
sed 's/^/# /' "$tmp/run.log"
[ "$rc" = 0 ] && grep -q "^INI text" "$tmp/run.log" && grep -q "^C arrays" "$tmp/run.log"
ok $? "examples/api: both models run and every identity passes (exit $rc)"
grep -q "status -1: <bad example>: \[optimizer\] lr: .* on line 9" "$tmp/run.log"
ok $? "examples/api: a misspelt key is refused naming the source, key and line"

static=$($pc --static --libs fdrsim | sed 's/ -lfdrsim\b//')
# shellcheck disable=SC2086
$CC $EXAMPLE_CFLAGS -o "$tmp/api-static" "$example" $($pc --cflags fdrsim) "$lib/libfdrsim.a" \
    $static $EXAMPLE_LDFLAGS >"$tmp/cc-static.log" 2>&1
r=$?
sed 's/^/# /' "$tmp/cc-static.log"
ok $r "examples/api.c links the static library with pkg-config --static"
"$tmp/api-static" >"$tmp/run-static.log" 2>&1 && cmp -s "$tmp/run.log" "$tmp/run-static.log"
ok $? "the static build prints the same results"

# A plugin landscape as the README builds it, from the installed examples,
# checked by the installed fdrsim.
ex=$root$FDR_EXAMPLESDIR
mkdir "$tmp/plugin" && cp "$ex/plugin-landscape.ini" "$tmp/plugin/"
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -O2 -shared -fPIC $($pc --cflags fdrsim) "$ex/plugin-landscape.c" \
    -o "$tmp/plugin/plugin-landscape.so" >"$tmp/cc-plugin.log" 2>&1
r=$?
sed 's/^/# /' "$tmp/cc-plugin.log"
ok $r "the installed examples/plugin-landscape.c builds with pkg-config --cflags fdrsim"
out=$("$root$FDR_BINDIR/fdrsim" landscape "$tmp/plugin/plugin-landscape.ini" --selftest 2>&1)
r=$?
ok $r "the installed fdrsim loads it and its self-test passes: $out"
echo "1..$n"
exit $failed

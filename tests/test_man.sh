#!/bin/sh
# test_man.sh - the manual page against the program: it must render without a
# warning from groff, and name every long option that `fdrsim --help` and each
# subcommand's --help print, so that an option added to the program and not to
# the page fails here. TAP output.
# Environment: FDRSIM (the binary; default ./fdrsim), srcdir (set by make check).

fdrsim=${FDRSIM:-./fdrsim}
page=${srcdir:-.}/doc/fdrsim.1
n=0
failed=0
ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

if command -v groff >/dev/null 2>&1; then
    msg=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
    [ -z "$msg" ]
    ok $? "groff renders doc/fdrsim.1 without a warning${msg:+: $msg}"
fi
for cmd in "" sweep schedule check transfer; do
    help=$($fdrsim $cmd --help) || { ok 1 "fdrsim $cmd --help"; continue; }
    missing=
    for opt in $(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
        # the page spells a dash \- (groff would otherwise print a hyphen)
        grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')\\b" "$page" || missing="$missing $opt"
    done
    [ -z "$missing" ]
    ok $? "doc/fdrsim.1 names every option of 'fdrsim${cmd:+ $cmd} --help'${missing:+; missing:$missing}"
done
echo "1..$n"
exit $failed

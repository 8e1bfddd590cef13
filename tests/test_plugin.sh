#!/bin/sh
# test_plugin.sh - plugin landscapes: examples/plugin-landscape.c built as a
# shared object beside examples/plugin-landscape.ini passes
# `fdrsim landscape --selftest` and its run passes every identity; the
# twins of tests/plugin_twins.c fail: a wrong D3 and a wrong gradient are
# caught by the self-test, a wrong ABI version and a missing file are
# refused naming file, line and key with exit status 2. TAP output.
# Environment: FDRSIM (default ./fdrsim), CC, srcdir (set by make check).

fdrsim=${FDRSIM:-./fdrsim}
case $fdrsim in /*) ;; *) fdrsim=$PWD/$fdrsim ;; esac
src=${srcdir:-.}
n=0
failed=0
ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
so() { # so OUT SOURCE [FLAGS]: a plugin, built as the README says
    out=$1 source=$2
    shift 2
    # shellcheck disable=SC2086
    ${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -I"$src/src" "$@" "$source" \
        -o "$out" 2>"$tmp/cc.log"
}

mkdir "$tmp/good" "$tmp/d3" "$tmp/grad" "$tmp/abi" "$tmp/none"
so "$tmp/good/plugin-landscape.so" "$src/examples/plugin-landscape.c"
ok $? "examples/plugin-landscape.c builds as a shared object$(head -3 "$tmp/cc.log" | tr '\n' ' ')"
for t in d3 grad abi; do
    so "$tmp/$t/plugin-landscape.so" "$src/tests/plugin_twins.c" "-DTWIN_$(echo $t | tr a-z A-Z)"
    ok $? "the $t twin builds$(head -3 "$tmp/cc.log" | tr '\n' ' ')"
done
for t in good d3 grad abi none; do
    cp "$src/examples/plugin-landscape.ini" "$tmp/$t/"
done

out=$($fdrsim landscape "$tmp/good/plugin-landscape.ini" --selftest 2>&1)
rc=$?
[ "$rc" = 0 ] && printf '%s' "$out" | grep -q "'plugin-quartic' (d = 1): the derivatives agree"
ok $? "the example passes the self-test (exit $rc: $out)"

out=$(cd "$tmp/good" && "$fdrsim" landscape plugin-landscape.ini --selftest 2>&1)
ok $? "a model file in the current folder finds the plugin beside it: $out"

out=$($fdrsim landscape "$tmp/good/plugin-landscape.ini" --at 0.5 --dir 1 2>&1)
printf '%s' "$out" | grep -q '"type": *"plugin-quartic"'
ok $? "fdrsim landscape --at reports the plugin's name ($out)"

$fdrsim run "$tmp/good/plugin-landscape.ini" --check -q --out "$tmp/good/out" >"$tmp/run.log" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q '"landscape"' "$tmp/good/out/summary.json" 2>/dev/null
ok $? "a run on the plugin passes every identity (exit $rc$(head -3 "$tmp/run.log" | tr '\n' ' '))"
grep -q 'plugin-quartic' "$tmp/good/out/summary.json"
ok $? "summary.json names the plugin's landscape"

out=$($fdrsim landscape "$tmp/d3/plugin-landscape.ini" --selftest 2>&1)
rc=$?
[ "$rc" = 1 ] && printf '%s' "$out" | grep -q "fails its self-test: .*D3 .*differences of D2"
ok $? "a wrong D3 is caught by the self-test (exit $rc: $out)"

out=$($fdrsim landscape "$tmp/grad/plugin-landscape.ini" --selftest 2>&1)
rc=$?
[ "$rc" = 1 ] && printf '%s' "$out" | grep -q "fails its self-test: .*gradient . u"
ok $? "a wrong gradient is caught by the self-test (exit $rc: $out)"

out=$($fdrsim run "$tmp/abi/plugin-landscape.ini" -q --out "$tmp/abi/out" 2>&1)
rc=$?
[ "$rc" = 2 ] && printf '%s' "$out" |
    grep -q "plugin-landscape.ini:6: \[landscape\] plugin: .*built for landscape ABI 2, this fdrsim loads ABI 1"
ok $? "a wrong ABI version is refused with file, line and key, exit 2 (exit $rc: $out)"

out=$($fdrsim landscape "$tmp/none/plugin-landscape.ini" --selftest 2>&1)
rc=$?
[ "$rc" = 2 ] && printf '%s' "$out" |
    grep -q "plugin-landscape.ini:6: \[landscape\] plugin: cannot load '.*none/plugin-landscape.so'"
ok $? "a missing shared object is refused with file, line and key, exit 2 (exit $rc: $out)"

sed 's/^lambda = 2/lambda = -1/' "$src/examples/plugin-landscape.ini" >"$tmp/good/bad-key.ini"
out=$($fdrsim landscape "$tmp/good/bad-key.ini" --selftest 2>&1)
rc=$?
[ "$rc" = 2 ] && printf '%s' "$out" | grep -q "bad-key.ini:9: \[landscape\] lambda: must be >= 0"
ok $? "the plugin's own key check names file, line and key, exit 2 (exit $rc: $out)"

grep -v '^plugin' "$src/examples/plugin-landscape.ini" >"$tmp/good/no-key.ini"
out=$($fdrsim landscape "$tmp/good/no-key.ini" --selftest 2>&1)
rc=$?
[ "$rc" = 2 ] && printf '%s' "$out" | grep -q "no-key.ini: \[landscape\] plugin: missing"
ok $? "type = plugin without plugin = PATH is refused naming the key (exit $rc: $out)"

sed 's/^lambda = 2/lamda = 2/' "$src/examples/plugin-landscape.ini" >"$tmp/good/typo.ini"
out=$($fdrsim landscape "$tmp/good/typo.ini" --selftest 2>&1)
rc=$?
[ "$rc" = 2 ] && printf '%s' "$out" | grep -q "typo.ini:9: .*lamda"
ok $? "a key the plugin does not read is refused (exit $rc: $out)"
echo "1..$n"
exit $failed

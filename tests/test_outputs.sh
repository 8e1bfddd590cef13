#!/bin/sh
# test_outputs.sh - every JSON output of every bundled model (short runs of run, sweep and
# schedule) validates against its JSON Schema in doc/schema/, and outputs broken on purpose (a NaN
# written as a string, the old flat encoding of an estimate, a flat quench_steps) do not; `fdrsim
# check --format=tap` is TAP that automake's tap-driver.sh reads (one FAIL for the one quantity
# moved), `--format=junit` well-formed JUnit XML (python3's xml.etree) with the same count, and
# `check nonexist.json` a one-line message with exit 2; every line the tables of run, sweep,
# schedule and list print fits 100 columns. TAP output; the schema tests are skipped
# when python3 or its jsonschema module (Debian: python3-jsonschema) is missing.
# Environment: FDRSIM (the binary; default ./fdrsim), srcdir (set by make check), PYTHON
# (default python3).

fdrsim=${FDRSIM:-./fdrsim}
src=${srcdir:-.}
models=$src/models
schemas=$src/doc/schema
py=${PYTHON:-python3}
out=$(mktemp -d "${TMPDIR:-/tmp}/fdrsim-outputs.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
short="--steps 400 --replicas 4 -q"
n=0
failed=0

echo "1..14"
# report OK DESCRIPTION [DIAGNOSTIC]: one TAP line (OK: 0 pass, 1 fail, skip: skipped).
report() {
    n=$((n + 1))
    case $1 in
    0) echo "ok $n - $2" ;;
    skip) echo "ok $n - $2 # SKIP $3" ;;
    *)
        echo "not ok $n - $2"
        [ -n "$3" ] && printf '%s\n' "$3" | sed 's/^/# /'
        failed=1
        ;;
    esac
}

have_py=0
"$py" -c 'import json, xml.etree.ElementTree' 2>/dev/null && have_py=1
have_schema=0
[ $have_py = 1 ] && "$py" -c 'import jsonschema' 2>/dev/null && have_schema=1
noschema="python3-jsonschema is not installed"

# fdr ARGS...: fdrsim ARGS without LeakSanitizer's check at exit. Under clang 14's sanitizers
# and a loaded make -j2, its tracer crashed at the exit of two schedule runs here ("Tracer
# caught signal 11", again on a rerun, never when run alone): a crash of the checker, not of
# fdrsim. This script checks the outputs; fdrsim's leak checks are those of test_cli,
# test_plots and the Criterion tests, which keep LeakSanitizer on.
fdr() {
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$fdrsim" "$@"
}

# Every bundled model runs; every one a sweep or a schedule study accepts writes its file (a
# refusal, exit 2 with the reason, only for the models not made for that study).
bad=""
for m in "$models"/*.ini; do
    b=$(basename "$m" .ini)
    # a model with parameter groups is for schedule only: run refuses it (exit 2)
    if grep -q '^groups *=' "$m"; then
        fdr run "$m" $short -o "$out/run/$b" >/dev/null 2>"$out/err"
        [ $? = 2 ] || bad="$bad run $b: not refused;"
        continue
    fi
    fdr run "$m" $short -o "$out/run/$b" >"$out/run-$b.txt" 2>"$out/err" ||
        bad="$bad run $b: $(cat "$out/err");"
done
report "$([ -z "$bad" ] && echo 0 || echo 1)" "every bundled model runs" "$bad"

# study NAME FILE: runs `fdrsim NAME` on every model into $out/NAME/MODEL.
study() {
    bad=""
    for m in "$models"/*.ini; do
        b=$(basename "$m" .ini)
        fdr "$1" "$m" $short -o "$out/$1/$b" >"$out/$1-$b.txt" 2>"$out/err"
        rc=$?
        case "$rc:$b" in
        0:*) ;;
        2:"$1"-*) bad="$bad $b (made for $1) refused: $(cat "$out/err");" ;;
        2:*) ;;
        *) bad="$bad $b: exit $rc: $(cat "$out/err");" ;;
        esac
        [ "$rc" = 0 ] && [ ! -f "$out/$1/$b/$2" ] && bad="$bad $b: no $2;"
    done
    report "$([ -z "$bad" ] && echo 0 || echo 1)" "fdrsim $1 on every model it accepts" "$bad"
}
study sweep sweep.json
study schedule schedule.json
fdr sweep "$models/sweep-quadratic.ini" --lr 0.02:0.1:3 --over optimizer.momentum=0,0.5 \
    $short -o "$out/sweep/grid" >"$out/sweep-grid.txt" 2>"$out/err"
rc=$?
fdr sweep "$models/sweep-quadratic.ini" --over optimizer.momentum=0,0.5 \
    $short -o "$out/sweep/offlr" >"$out/sweep-offlr.txt" 2>>"$out/err"
rc2=$?
report "$([ $rc = 0 ] && [ $rc2 = 0 ] && echo 0 || echo 1)" \
    "sweeps over lr x momentum and over momentum alone" "$(cat "$out/err")"

fdr schedule "$models/schedule-double-well.ini" --mode ensemble --t-adaptive 50 $short \
    -o "$out/schedule/ensemble" >"$out/schedule-ensemble.txt" 2>"$out/err"
report "$([ $? = 0 ] && echo 0 || echo 1)" "an ensemble-mode schedule study" "$(cat "$out/err")"
"$fdrsim" list >"$out/list.txt"

# Every line fits 100 columns: the tables of run, sweep and schedule of every model and of list
# (wide MUST fail on a line of 101).
wide() {
    awk 'length($0) > 100 { printf "%s:%d: %d columns\n", FILENAME, FNR, length($0); bad = 1 }
         END { exit bad }' "$@"
}
printf '%101s\n' x >"$out/wide.txt"
msg=$(wide "$out"/*.txt | sed "s|$out/||" | head -20)
count=$(ls "$out"/*.txt | wc -l)
report "$([ -n "$msg" ] && [ "$(echo "$msg" | grep -vc '^wide.txt:')" = 0 ] && [ "$count" -gt 60 ] &&
    echo 0 || echo 1)" "every line of run, sweep, schedule and list fits 100 columns ($count outputs)" \
    "$(echo "$msg" | grep -v '^wide.txt:')"
rm -f "$out/wide.txt"

# validate SCHEMA FILE...: prints every file that does not validate, with the first errors.
cat >"$out/validate.py" <<'EOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    for e in list(v.iter_errors(json.load(open(path))))[:3]:
        print("%s: %s: %s" % (path, "/".join(map(str, e.absolute_path)), e.message[:200]))
EOF
for kind in run:summary sweep:sweep schedule:schedule; do
    dir=${kind%%:*}
    name=${kind#*:}
    if [ $have_schema = 0 ]; then
        report skip "every $name.json validates against doc/schema/$name.schema.json" "$noschema"
        continue
    fi
    files=$(ls "$out/$dir"/*/"$name.json" 2>/dev/null)
    msg=$("$py" "$out/validate.py" "$schemas/$name.schema.json" $files 2>&1)
    count=$(echo "$files" | wc -w)
    report "$([ -z "$msg" ] && [ "$count" -gt 0 ] && echo 0 || echo 1)" \
        "every $name.json validates against doc/schema/$name.schema.json ($count files)" "$msg"
done

# The twin: outputs broken as the old dialects wrote them fail.
if [ $have_schema = 0 ]; then
    report skip "broken outputs fail validation" "$noschema"
else
    "$py" - "$out" <<'EOF' >"$out/broken.txt" 2>&1
import json, sys
out = sys.argv[1]
s = json.load(open(out + "/run/double-well/summary.json"))
s["observables"]["v_dot_v"]["error"] = "NaN"
json.dump(s, open(out + "/nan.json", "w"))
s = json.load(open(out + "/run/double-well/summary.json"))
r = s["relations"][0]
r["lhs_err"] = r["lhs"]["error"]
r["lhs"] = r["lhs"]["value"]
json.dump(s, open(out + "/flat.json", "w"))
s = json.load(open(out + "/run/double-well/summary.json"))
del s["timing"]
s["seconds"] = 1.0
json.dump(s, open(out + "/timing.json", "w"))
q = json.load(open(out + "/schedule/schedule-nqm/schedule.json"))
f = [x for x in q["schedules"] if x["name"] == "fdr"][0]
f["quench_steps"] = [t for l in f["quench_steps"] for t in l]
f["quench_steps"].append(100)
json.dump(q, open(out + "/quench.json", "w"))
EOF
    msg=""
    for f in nan flat timing; do
        [ -n "$("$py" "$out/validate.py" "$schemas/summary.schema.json" "$out/$f.json")" ] ||
            msg="$msg $f.json validates;"
    done
    [ -n "$("$py" "$out/validate.py" "$schemas/schedule.schema.json" "$out/quench.json")" ] ||
        msg="$msg quench.json validates;"
    report "$([ -z "$msg" ] && [ ! -s "$out/broken.txt" ] && echo 0 || echo 1)" \
        "broken outputs (a NaN string, a flat estimate, timing moved, flat quench_steps) fail" \
        "$msg$(cat "$out/broken.txt")"
fi

# check --format=tap|junit on a summary with one quantity moved by 6 sigma.
if [ $have_py = 0 ]; then
    report skip "check --format=tap through tap-driver.sh" "python3 is not installed"
    report skip "check --format=junit is well-formed JUnit XML" "python3 is not installed"
    report skip "check --format=tap and junit agree with the exit status" "python3 is not installed"
else
    base=$out/run/default/summary.json
    "$py" - "$base" "$out/moved.json" <<'EOF'
import json, math, sys
s = json.load(open(sys.argv[1]))
o = s["observables"]["v_dot_v"]
o["value"] += 6 * math.sqrt(2) * o["error"]
json.dump(s, open(sys.argv[2], "w"))
EOF
    "$fdrsim" check "$out/moved.json" --baseline "$base" --format=tap >"$out/check.tap"
    rc_tap=$?
    "$fdrsim" check "$base" --baseline "$base" --format=tap >"$out/same.tap"
    rc_same=$?
    drv="${SHELL:-/bin/sh} $src/build-aux/tap-driver.sh --color-tests no --enable-hard-errors yes \
        --expect-failure no"
    $drv --test-name moved --log-file "$out/moved.log" --trs-file "$out/moved.trs" \
        -- cat "$out/check.tap" >"$out/moved.out"
    $drv --test-name same --log-file "$out/same.log" --trs-file "$out/same.trs" \
        -- cat "$out/same.tap" >"$out/same.out"
    nfail=$(grep -c '^:test-result: FAIL' "$out/moved.trs")
    npass=$(grep -c '^:test-result: PASS' "$out/moved.trs")
    nerr=$(grep -c '^:test-result: ERROR' "$out/moved.trs" "$out/same.trs" | awk -F: '{s += $2} END {print s}')
    ok=1
    [ "$nfail" = 1 ] && [ "$npass" -gt 10 ] && [ "$nerr" = 0 ] &&
        grep -q '^:global-test-result: FAIL' "$out/moved.trs" &&
        grep -q '^:global-test-result: PASS' "$out/same.trs" &&
        grep -q '^FAIL: moved .*observables.v_dot_v' "$out/moved.out" && ok=0
    report $ok "check --format=tap through tap-driver.sh: $nfail FAIL, $npass PASS" \
        "$(cat "$out/moved.out" | head -20)"
    "$fdrsim" check "$out/moved.json" --baseline "$base" --format=junit >"$out/check.xml"
    rc_xml=$?
    msg=$("$py" - "$out/check.xml" <<'EOF' 2>&1
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
suite = root.find("testsuite")
cases = suite.findall("testcase")
failed = [c for c in cases if c.find("failure") is not None]
assert int(suite.get("tests")) == len(cases) > 10, suite.get("tests")
assert int(suite.get("failures")) == len(failed) == 1, suite.get("failures")
assert "observables.v_dot_v" == failed[0].get("name"), failed[0].get("name")
assert "z = 6.00" in failed[0].find("failure").get("message")
EOF
)
    report "$([ -z "$msg" ] && echo 0 || echo 1)" "check --format=junit is well-formed JUnit XML" "$msg"
    report "$([ $rc_tap = 1 ] && [ $rc_xml = 1 ] && [ $rc_same = 0 ] && echo 0 || echo 1)" \
        "check --format=tap and junit agree with the exit status" \
        "exit $rc_tap (tap), $rc_xml (junit), $rc_same (unchanged)"
fi

"$fdrsim" check nonexist.json --baseline nonexist.json >"$out/out" 2>"$out/err"
rc=$?
report "$([ $rc = 2 ] && [ ! -s "$out/out" ] &&
    [ "$(cat "$out/err")" = "fdrsim check: nonexist.json: cannot open: No such file or directory" ] &&
    echo 0 || echo 1)" "check nonexist.json: one clean message, exit 2" "exit $rc: $(cat "$out/err")"
exit $failed

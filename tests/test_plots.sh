#!/bin/sh
# test_plots.sh - renders every figure of every bundled model, sweep and schedule, in every
# format, and fails on any message of gnuplot (a warning is as bad as an error: it means a figure
# lost something). TAP output, one line per fdrsim command; skipped when gnuplot is missing.
# Also the edge cases that broke figures before: values that print as powers of ten (1e-05),
# unresolved relations (every z NaN), d = 1 and a failing relation.
# Environment: FDRSIM (the binary; default ./fdrsim), srcdir (set by make check), and
# FDR_PLOT_OUT (keep the figures in this folder; default: a temporary one, removed).

fdrsim=${FDRSIM:-./fdrsim}
models=${srcdir:-.}/models
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "1..0 # SKIP gnuplot is not installed"
    exit 0
fi
if [ -n "$FDR_PLOT_OUT" ]; then
    out=$FDR_PLOT_OUT
    mkdir -p "$out" || exit 1
else
    out=$(mktemp -d "${TMPDIR:-/tmp}/fdrsim-plots.XXXXXX") || exit 1
    trap 'rm -rf "$out"' EXIT
fi
# short runs: the figures, not the statistics, are under test
short="--steps 1000 --replicas 8 -q"
n=0
failed=0

# The commands run two at a time (the figures take the time, and gnuplot is one process);
# start NAME WANT FIGURES -- ARGS... runs fdrsim ARGS --plot into $out/NAME in the background,
# and check reports on them in order once all have ended.
names=""
running=0
start() {
    name=$1
    echo "$2" >"$out/$name.want"
    echo "$3" >"$out/$name.figs"
    shift 4
    ("$fdrsim" "$@" -j 1 -o "$out/$name" --plot >/dev/null 2>"$out/$name.err"
     echo $? >"$out/$name.rc") &
    names="$names $name"
    running=$((running + 1))
    if [ $running -ge 2 ]; then
        wait
        running=0
    fi
}

# the figures a run draws: tensor.dat, fdr2.dat and a 2-D landscape decide
run_figs() {
    f="approach relations histogram"
    [ -f "$out/$1/tensor.dat" ] && f="$f tensor"
    [ -f "$out/$1/fdr2.dat" ] && f="$f fdr2"
    [ -f "$out/$1/landscape2d.dat" ] && f="$f landscape2d"
    echo "$f"
}

# ok NAME: the command exited with the status wanted, wrote nothing on stderr and left every
# figure it should draw as a non-empty png and pdf.
check() {
    name=$1
    n=$((n + 1))
    why=""
    rc=$(cat "$out/$name.rc")
    want=$(cat "$out/$name.want")
    figs=$(cat "$out/$name.figs")
    [ "$figs" = run ] && figs=$(run_figs "$name")
    [ "$rc" = "$want" ] || why="exit status $rc, expected $want"
    if [ -s "$out/$name.err" ]; then
        why="${why:+$why; }messages on stderr: $(head -c 600 "$out/$name.err" | tr '\n' ' ')"
    fi
    for f in $figs; do
        for ext in png pdf; do
            [ -s "$out/$name/$f.$ext" ] || why="${why:+$why; }no $f.$ext"
        done
    done
    if [ -z "$why" ]; then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name: $why"
        failed=1
    fi
}

for m in "$models"/*.ini; do
    b=$(basename "$m" .ini)
    # the benchmarks are large on purpose: a few steps of them draw the same figures
    case $b in
    bench-*) extra="--steps 200 --replicas 4" ;;
    *) extra="" ;;
    esac
    start "run-$b" 0 run -- run "$m" $short $extra
done
for m in "$models"/sweep-*.ini; do
    b=$(basename "$m" .ini)
    start "sweep-$b" 0 sweep -- sweep "$m" $short --lr 0.02:0.1:3
done
for m in "$models"/schedule-*.ini; do
    b=$(basename "$m" .ini)
    start "schedule-$b" 0 schedule -- schedule "$m" $short --steps 4000 --t-adaptive 200
done

# a learning rate that awk and gnuplot print as 1e-05 (the quencher's floor, a sweep's grid)
start schedule-1e-05 0 schedule -- schedule "$models/schedule-quartic.ini" $short \
    --steps 4000 --t-adaptive 200 --set optimizer.lr=1e-05
start sweep-1e-05 0 sweep -- sweep "$models/sweep-quadratic.ini" $short --lr 1e-05,1e-04,0.001
# a grid (one curve per line), a sweep off the learning rate, and a key whose values are not numbers
start sweep-grid 0 sweep -- sweep "$models/sweep-quadratic.ini" $short --lr 0.02:0.1:3 \
    --over optimizer.momentum=0,0.5
start sweep-momentum 0 sweep -- sweep "$models/sweep-quadratic.ini" $short \
    --over optimizer.momentum=0,0.5,0.9
start sweep-words 0 sweep -- sweep "$models/sweep-quadratic.ini" $short --set run.fdr2=off \
    --over optimizer.type=sgd,nesterov --over optimizer.momentum=0.5,0.9
# no noise: every relation unresolved, every z NaN, a histogram of one value
start run-unresolved 0 run -- run "$models/isotropic.ini" $short --set "noise.covariance=isotropic 0"
# d = 1: no tensor entries off the diagonal, no 2-D map
start run-d1 0 run -- run "$models/isotropic.ini" $short --set landscape.dim=1
# a threshold no relation meets: they fail (--check exits 1), the figures still draw
start run-failing 1 run -- run "$models/default.ini" $short --set run.threshold=1e-6 --check
# a sweep without the FDR2 terms: NaN in every anharmonic column
start sweep-nofdr2 0 sweep -- sweep "$models/sweep-quartic.ini" $short --lr 0.02:0.1:3 \
    --set run.fdr2=off
wait

set -- $names
echo "1..$#"
for name in $names; do
    check "$name"
done
exit $failed

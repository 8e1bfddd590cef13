#!/bin/sh
# adaptive.sh - the violation of FDR1 against the step, Adam against AMSGrad (README.md,
# "Adaptive optimizers"). Usage, from the top of the source tree, after building:
#   sh scripts/adaptive.sh [OUTDIR]        (default: adaptive-figure)
# A run of `fdrsim run` with steps = t1 and burn_in = t0 follows the same trajectory as a
# longer one with the same seed and reports FDR1 over the window [t0, t1) only, with error bars
# from the spread of the replicas. So the violation (LHS - RHS) / LHS of FDR1 over the windows
# [50, 100), [100, 200), ..., [25600, 51200) is measured for
#   models/adam-quadratic.ini (beta2 = 0.5), the same with beta2 = 0.99, and
#   models/amsgrad-quadratic.ini (beta2 = 0.5),
# and written to OUTDIR/adaptive.dat (t0 t1 tmid, then rel rel_err for each, signed: LHS - RHS
# over LHS with the first-order error of relations.dat) with OUTDIR/meta.gp, then drawn by
# plots/adaptive.gp into OUTDIR/adaptive.png and .pdf (with OUTDIR/plot.gp, its settings).
# Environment: FDRSIM (the binary; default build/fdrsim), JOBS (threads per run; default 2),
# TMAX (the last window ends at or after it; default 51200), PLOT_FORMATS (space-separated, of
# png pdf svg cairolatex; default "png pdf") and PLOT_WIDTH (inches; default 3.4).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
fdrsim=${FDRSIM:-$top/build/fdrsim}
jobs=${JOBS:-2}
out=${1:-adaptive-figure}
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/fdrsim-adaptive.XXXXXX")
trap 'rm -rf "$work"' EXIT

# window T0 T1 MODEL [--set ...]: "rel rel_err" of FDR1 over [T0, T1)
window() {
    t0=$1 t1=$2 model=$3
    shift 3
    "$fdrsim" run "$top/models/$model.ini" --steps "$t1" --set "run.burn_in=$t0" "$@" \
        -j "$jobs" -q -o "$work/run" >/dev/null
    awk '$2 == "FDR1" { printf "%.17g %.17g", $7 / $3, $15 }' "$work/run/relations.dat"
    rm -rf "$work/run"
}

t0=50
{
    echo "# fdrsim: violation of FDR1 over windows [t0, t1) of one trajectory (scripts/adaptive.sh)"
    echo "# rel = (LHS - RHS) / LHS, LHS = <theta . grad f>, RHS = c <v^T P^-1 v>; rel_err 1 sigma"
    echo "# t0 t1 tmid adam_rel adam_rel_err adam99_rel adam99_rel_err amsgrad_rel amsgrad_rel_err"
    while [ $t0 -lt "${TMAX:-51200}" ]; do
        t1=$((2 * t0))
        a=$(window $t0 $t1 adam-quadratic)
        b=$(window $t0 $t1 adam-quadratic --set optimizer.beta2=0.99)
        c=$(window $t0 $t1 amsgrad-quadratic)
        echo "$t0 $t1 $(awk "BEGIN { print sqrt($t0 * $t1) }") $a $b $c"
        t0=$t1
    done
} >"$work/adaptive.dat"
{
    echo "# fdrsim: the values of plots/adaptive.gp (scripts/adaptive.sh)"
    echo "model_adam = 'adam-quadratic'"
    echo "model_amsgrad = 'amsgrad-quadratic'"
    echo "beta2 = 0.5"
    echo "beta2_high = 0.99"
    echo "version = '$("$fdrsim" --version | head -n 1)'"
} >"$work/meta.gp"
# the figure's settings, as fdrsim's --plot writes them (plots/terminal.gp)
{
    echo "plot_formats = '${PLOT_FORMATS:-png pdf}'"
    echo "plot_width = ${PLOT_WIDTH:-3.4}"
} >"$work/plot.gp"
mv "$work/adaptive.dat" "$out/adaptive.dat"
mv "$work/meta.gp" "$out/meta.gp"
mv "$work/plot.gp" "$out/plot.gp"
gnuplot -e "dir='$out'; load '$out/plot.gp'" "$top/plots/adaptive.gp"
echo "adaptive.sh: wrote $out/adaptive.dat, $out/adaptive.png and $out/adaptive.pdf"

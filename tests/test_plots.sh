#!/bin/sh
# test_plots.sh - renders every figure of every bundled model, sweep and schedule, in every
# format, and fails on any message of gnuplot (a warning is as bad as an error: it means a figure
# lost something). TAP output, one line per fdrsim command; skipped when gnuplot is missing.
# Also the edge cases that broke figures before: values that print as powers of ten (1e-05),
# unresolved relations (every z NaN), d = 1 and a failing relation; and the figures' settings:
# --plot-size, --plot-font, --plot-notitle, a [plot] section of the model file, and bad values of
# both (exit 2, nothing written). Every cairolatex figure must typeset in LaTeX (when pdflatex is
# installed).
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
command -v pdflatex >/dev/null 2>&1 ||
    echo "# pdflatex is not installed: the cairolatex figures are drawn but not typeset"
# short runs: the figures, not the statistics, are under test
short="--steps 1000 --replicas 8 -q"
n=0
failed=0

# every format, unless a test says otherwise
all="--plot=png,pdf,svg,cairolatex"

# The commands run two at a time (the figures take the time, and gnuplot is one process);
# start NAME WANT FIGURES -- ARGS... runs fdrsim ARGS into $out/NAME in the background (ARGS
# hold the plot options), and check reports on them in order once all have ended.
names=""
running=0
start() {
    name=$1
    echo "$2" >"$out/$name.want"
    echo "$3" >"$out/$name.figs"
    shift 4
    ("$fdrsim" "$@" -j 1 -o "$out/$name" >/dev/null 2>"$out/$name.err"
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

# the files of figure $1 in format $2 (cairolatex: the LaTeX part and its graphics)
files() {
    case $2 in
    cairolatex) echo "$1-tex.tex $1-tex.pdf" ;;
    *) echo "$1.$2" ;;
    esac
}

# latex_fails DIR: every NAME-tex.tex in DIR and its folders, \input in one LaTeX document per
# folder (the graphics' paths are relative to it) and set by pdflatex; prints the first error and
# succeeds when one does not typeset (nothing when pdflatex is not installed)
latex_fails() {
    command -v pdflatex >/dev/null 2>&1 || return 1
    for d in $(find "$1" -name '*-tex.tex' -exec dirname {} \; | sort -u); do
        {
            printf '\\documentclass{article}\\usepackage{graphicx,color}\\begin{document}\n'
            for t in "$d"/*-tex.tex; do printf '\\input{%s}\\clearpage\n' "$(basename "$t" .tex)"; done
            printf '\\end{document}\n'
        } >"$d/all-figures.tex"
        typesets "$d" all-figures && continue
        # which one: each alone
        for t in "$d"/*-tex.tex; do
            b=$(basename "$t" .tex)
            printf '\\documentclass{article}\\usepackage{graphicx,color}\\begin{document}%s\\end{document}\n' \
                "\\input{$b}" >"$d/one-$b.tex"
            typesets "$d" "one-$b" ||
                { echo "LaTeX cannot typeset $t: $(grep -m1 -A3 '^!' "$d/one-$b.log" | tr '\n' ' ')"; return 0; }
        done
        echo "LaTeX cannot typeset the figures of $d together: $(grep -m1 '^!' "$d/all-figures.log")"
        return 0
    done
    return 1
}
typesets() { (cd "$1" && pdflatex -interaction=nonstopmode -halt-on-error "$2.tex" >/dev/null 2>&1); }

# ok NAME: the command exited with the status wanted, wrote nothing on stderr and left every
# figure it should draw in every format its plot.gp names, with the settings NAME.gp lists;
# figures "none": no output folder, and stderr matches the pattern in NAME.msg.
check() {
    name=$1
    n=$((n + 1))
    why=""
    rc=$(cat "$out/$name.rc")
    want=$(cat "$out/$name.want")
    figs=$(cat "$out/$name.figs")
    [ "$figs" = run ] && figs=$(run_figs "$name")
    [ "$rc" = "$want" ] || why="exit status $rc, expected $want"
    if [ "$figs" = none ]; then
        [ -e "$out/$name" ] && why="${why:+$why; }an output folder was written"
        grep -q -e "$(cat "$out/$name.msg")" "$out/$name.err" ||
            why="${why:+$why; }stderr does not say '$(cat "$out/$name.msg")': $(head -c 300 "$out/$name.err")"
        figs=""
    elif [ -s "$out/$name.err" ]; then
        why="${why:+$why; }messages on stderr: $(head -c 600 "$out/$name.err" | tr '\n' ' ')"
    fi
    formats=""
    if [ -n "$figs" ]; then
        # figures of folders under NAME (fdrsim figures): the first one's plot.gp
        first=${figs%% *}
        case $first in
        */*) gp="$out/$name/${first%/*}/plot.gp" ;;
        *) gp="$out/$name/plot.gp" ;;
        esac
        formats=$(sed -n "s/^plot_formats = '\(.*\)'\$/\1/p" "$gp" 2>/dev/null)
        [ -n "$formats" ] || why="${why:+$why; }no plot_formats in plot.gp"
    fi
    for f in $figs; do
        for ext in $formats; do
            for file in $(files "$f" "$ext"); do
                [ -s "$out/$name/$file" ] || why="${why:+$why; }no $file"
            done
        done
    done
    case " $formats " in
    *" cairolatex "*) tex=$(latex_fails "$out/$name") && why="${why:+$why; }$tex" ;;
    esac
    if [ -f "$out/$name.gp" ]; then
        while IFS= read -r line; do
            grep -qxF "$line" "$gp" 2>/dev/null ||
                why="${why:+$why; }plot.gp lacks '$line'"
        done <"$out/$name.gp"
    fi
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
    # parameter groups are for schedule only: run refuses them (after the helpers, below)
    grep -q '^groups *=' "$m" && continue
    start "run-$b" 0 run -- run "$m" $short $extra $all
done
for m in "$models"/sweep-*.ini; do
    b=$(basename "$m" .ini)
    start "sweep-$b" 0 sweep -- sweep "$m" $short --lr 0.02:0.1:3 $all
done
for m in "$models"/schedule-*.ini; do
    b=$(basename "$m" .ini)
    start "schedule-$b" 0 schedule -- schedule "$m" $short --steps 4000 --t-adaptive 200 $all
done

# a learning rate that awk and gnuplot print as 1e-05 (the quencher's floor, a sweep's grid)
start schedule-1e-05 0 schedule -- schedule "$models/schedule-quartic.ini" $short \
    --steps 4000 --t-adaptive 200 --set optimizer.lr=1e-05 $all
start sweep-1e-05 0 sweep -- sweep "$models/sweep-quadratic.ini" $short --lr 1e-05,1e-04,0.001 $all
# a grid (one curve per line), a sweep off the learning rate, and a key whose values are not numbers
start sweep-grid 0 sweep -- sweep "$models/sweep-quadratic.ini" $short --lr 0.02:0.1:3 \
    --over optimizer.momentum=0,0.5 $all
start sweep-momentum 0 sweep -- sweep "$models/sweep-quadratic.ini" $short \
    --over optimizer.momentum=0,0.5,0.9 $all
start sweep-words 0 sweep -- sweep "$models/sweep-quadratic.ini" $short --set run.fdr2=off \
    --over optimizer.type=sgd,nesterov --over optimizer.momentum=0.5,0.9 $all
# no noise: every relation unresolved, every z NaN, a histogram of one value
start run-unresolved 0 run -- run "$models/isotropic.ini" $short --set "noise.covariance=isotropic 0" $all
# d = 1: no tensor entries off the diagonal, no 2-D map
start run-d1 0 run -- run "$models/isotropic.ini" $short --set landscape.dim=1 $all
# a threshold no relation meets: they fail (--check exits 1), the figures still draw
start run-failing 1 run -- run "$models/default.ini" $short --set run.threshold=1e-6 --check $all
# a sweep without the FDR2 terms: NaN in every anharmonic column
start sweep-nofdr2 0 sweep -- sweep "$models/sweep-quartic.ini" $short --lr 0.02:0.1:3 \
    --set run.fdr2=off $all

# the settings: two column widths, a height, a font, no titles, one format or two each
want_gp() { f=$1; shift; printf '%s\n' "$@" >"$out/$f.gp"; }
want_gp run-7in "plot_width = 7" "plot_height = 0" "plot_formats = 'png'"
start run-7in 0 run -- run "$models/gmm-2d.ini" $short --plot=png --plot-size=7
want_gp run-size "plot_width = 5" "plot_height = 2.5" "plot_font = 'Serif'" "plot_fontsize = 10" \
    "plot_title = 0" "plot_formats = 'pdf svg'"
start run-size 0 run -- run "$models/quartic-anharmonic-1d.ini" $short --plot=svg,pdf \
    --plot-size=5,2.5 --plot-font=Serif,10 --plot-notitle
want_gp sweep-notitle "plot_title = 0" "plot_formats = 'png pdf'"
start sweep-notitle 0 sweep -- sweep "$models/sweep-quadratic.ini" $short --lr 0.02:0.1:3 --plot \
    --plot-notitle
want_gp schedule-font "plot_fontsize = 9" "plot_font = 'Sans'" "plot_formats = 'cairolatex'"
start schedule-font 0 schedule -- schedule "$models/schedule-quartic.ini" $short --steps 4000 \
    --t-adaptive 200 --plot=cairolatex --plot-font=,9
# a [plot] section, and the command line over it
{ cat "$models/isotropic.ini"; printf '\n[plot]\nformats = svg, png\nsize = 7,4\nfont = Serif,9\ntitle = off\n'; } \
    >"$out/plot-section.ini"
want_gp run-section "plot_formats = 'png svg'" "plot_width = 7" "plot_height = 4" \
    "plot_font = 'Serif'" "plot_fontsize = 9" "plot_title = 0"
start run-section 0 run -- run "$out/plot-section.ini" $short --plot
sed 's/^title = off$/title = on/' "$out/plot-section.ini" >"$out/plot-section-on.ini"
want_gp run-section-over "plot_formats = 'pdf'" "plot_width = 3.3999999999999999" "plot_height = 0" \
    "plot_font = 'Serif'" "plot_title = 1"
start run-section-over 0 run -- run "$out/plot-section-on.ini" $short --plot=pdf --plot-size=3.4
# the paper's figures in one command, each in its folder, with the settings passed on
want_gp figures "plot_formats = 'png svg'" "plot_width = 7" "plot_title = 0"
start figures 0 "default/approach default/relations default/fdr2 quartic-anharmonic-1d/fdr2 \
sweep-quadratic/sweep sweep-quartic/sweep sweep-gmm/sweep schedule-nqm/schedule accuracy/accuracy" \
    -- figures -q --plot=png,svg --plot-size=7 \
    --plot-notitle
# bad values: exit 2, the file, line and key (or the option) named, nothing written
bad() {
    b=$1
    echo "$2" >"$out/$b.msg"
    shift 2
    start "$b" 2 none -- "$@"
}
sed 's/^size = 7,4$/size = 70,4/' "$out/plot-section.ini" >"$out/plot-bad-size.ini"
bad run-bad-section 'plot-bad-size.ini:[0-9]*: \[plot\] size' run "$out/plot-bad-size.ini" $short --plot
sed 's/^font = Serif,9$/fnot = Serif,9/' "$out/plot-section.ini" >"$out/plot-bad-key.ini"
bad sweep-bad-key 'plot-bad-key.ini:[0-9]*: \[plot\] fnot' sweep "$out/plot-bad-key.ini" $short \
    --lr 0.02:0.1:3
bad schedule-bad-format 'plot=png,gif' schedule "$models/schedule-quartic.ini" $short --plot=png,gif
bad run-bad-size 'plot-size=0.5' run "$models/isotropic.ini" $short --plot-size=0.5
bad run-groups '\[optimizer\] groups: the relations hold for one lr only' run \
    "$models/schedule-groups.ini" $short --plot
wait
# the adaptive optimizers' figure (scripts/adaptive.sh), over three short windows
name=adaptive-figure
echo 0 >"$out/$name.want"
echo adaptive >"$out/$name.figs"
TMAX=200 JOBS=1 FDRSIM="$fdrsim" sh "${srcdir:-.}/scripts/adaptive.sh" "$out/$name" >/dev/null \
    2>"$out/$name.err"
echo $? >"$out/$name.rc"
names="$names $name"


set -- $names
echo "1..$#"
for name in $names; do
    check "$name"
done
exit $failed

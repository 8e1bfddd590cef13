#!/bin/sh
# fdrsim benchmark: fdrsim against the numpy reference implementations, same work, same machine,
# same run.  See bench/README.md.
#
# usage (from the build directory, where ./fdrsim is):   sh SRCDIR/bench/run.sh
#        (`make bench` does exactly this)
# environment:
#   FDRSIM      fdrsim binary                         (default ./fdrsim)
#   SRCDIR      source tree (models/, bench/)         (default: the directory above this script)
#   BENCH_REPS  repetitions of every measurement      (default 5)
#   PYTHON      Python with numpy                     (default /usr/bin/python3, else python3)
#   RNG_SPEED   generator benchmark binary            (default ./bench/rng_speed or ./rng_speed)
#   BENCH_CPU   core for the one-thread runs          (default: the first this shell may use)
#   BENCH_ONLY  "quadratic" or "anharmonic": run only that half (default: both)
#   BENCH_PLOT  where the anharmonic cost figure goes  (default ./bench-cost.png; needs gnuplot)
#
# Every repetition runs fdrsim and numpy back to back (order alternating between repetitions), so
# that machine drift affects both; the ratios quoted are medians of the per-repetition ratios.
# The environment is left as it is (OPENBLAS_* variables are printed, not changed), except that
# the numpy runs get OPENBLAS_NUM_THREADS=1 so they stay on one core.

set -u

script_dir=$(cd "$(dirname "$0")" && pwd)
SRCDIR=${SRCDIR:-$(dirname "$script_dir")}
FDRSIM=${FDRSIM:-./fdrsim}
REPS=${BENCH_REPS:-5}
ONLY=${BENCH_ONLY:-}
case $ONLY in '' | quadratic | anharmonic) ;; *) echo "run.sh: BENCH_ONLY must be quadratic or anharmonic" >&2; exit 2 ;; esac
PLOT=${BENCH_PLOT:-./bench-cost.png}
case $REPS in '' | *[!0-9]* | 0) echo "run.sh: BENCH_REPS must be a positive integer" >&2; exit 2 ;; esac

if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
have_python=no
"$PYTHON" -c 'import json' >/dev/null 2>&1 && have_python=yes
have_numpy=no
[ "$have_python" = yes ] && "$PYTHON" -c 'import numpy' >/dev/null 2>&1 && have_numpy=yes

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fdrsim-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# Every one-thread measurement (fdrsim, numpy, the generator) runs on the same core: the cores of
# a shared virtual machine can differ in speed by a quarter or more, and a ratio of two runs on
# different cores would measure the cores. taskset is part of util-linux.
pin=""
if command -v taskset >/dev/null 2>&1; then
    core=${BENCH_CPU:-$(taskset -pc $$ 2>/dev/null | sed 's/.*: *//; s/[-,].*//')}
    case $core in '' | *[!0-9]*) echo "run.sh: BENCH_CPU must be a core number" >&2; exit 2 ;; esac
    pin="taskset -c $core"
fi

# ---- helpers ------------------------------------------------------------------------------------

# now: wall clock in seconds with sub-second resolution.
if date +%s.%N 2>/dev/null | grep -q '^[0-9]*\.[0-9][0-9]*$'; then
    now() { date +%s.%N; }
elif [ "$have_python" = yes ]; then
    now() { "$PYTHON" -c 'import time; print("%.6f" % time.time())'; }
else
    now() { date +%s; }
fi

# median FILE: median of the numbers in FILE, one a line ("nan" when there are none).
median() {
    grep -E '^[-+0-9.eE]+$' "$1" 2>/dev/null | sort -g |
        awk '{ x[NR] = $1 } END { if (NR == 0) print "nan";
              else if (NR % 2) print x[(NR + 1) / 2];
              else printf "%.6g\n", (x[NR / 2] + x[NR / 2 + 1]) / 2 }'
}

# fmt X: 3 significant digits, "-" for nan/empty.
fmt() {
    awk -v x="$1" 'BEGIN { if (x == "" || x == "nan") print "-"; else printf "%.3g\n", x }'
}

# summary_field DIR KEY: numbers from DIR/summary.json.
#   KEY = ups   timing.updates_per_second
#   KEY = work  replicas * dim * steps (coordinate updates of the whole run)
#   KEY = fdr1  "FDR1 LHS/RHS=..." (a check that the work done is the intended one)
#   KEY = info  "rng ..., cblas ..."
summary_field() {
    if [ "$have_python" = yes ]; then
        "$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
k = sys.argv[2]
if k == "ups":
    print(s["timing"]["updates_per_second"])
elif k == "work":
    m = s["model"]
    print(m["run"]["replicas"] * m["landscape"]["dim"] * m["run"]["steps"])
elif k == "fdr1":
    r = [x for x in s.get("relations", []) if x.get("name") == "FDR1"]
    if r and r[0]["rhs"]["value"]:
        print("FDR1 LHS/RHS=%.5f" % (r[0]["lhs"]["value"] / r[0]["rhs"]["value"]))
    else:
        print("")
else:
    print("rng %s, cblas %s" % (s.get("rng", "?"), s.get("cblas", "?")))
' "$1" "$2" 2>/dev/null || echo nan
    else # no Python at all: the summary is jansson-indented, one key a line
        case $2 in
        ups) sed -n 's/.*"updates_per_second": *\([-+0-9.eE]*\).*/\1/p' "$1/summary.json" | head -n 1 ;;
        work) echo nan ;;
        fdr1) echo "" ;;
        *) echo "rng ?, cblas ?" ;;
        esac
    fi
}

# run_fdrsim TAG MODEL THREADS [OPTION...]: one fdrsim run; appends loop updates/s to
# $tmp/TAG.ups and whole-process updates/s to $tmp/TAG.wall.
run_fdrsim() {
    tag=$1 model=$2 threads=$3
    shift 3
    out="$tmp/out-$tag"
    rm -rf "$out"
    t0=$(now)
    p=$pin
    [ "$threads" = 1 ] || p=""
    if ! $p "$FDRSIM" run "$model" --threads "$threads" --quiet --out "$out" "$@" >"$tmp/$tag.log" 2>&1; then
        echo "  fdrsim run $model --threads $threads $* failed:" >&2
        sed 's/^/    /' "$tmp/$tag.log" >&2
        fdrsim_failed=yes
        echo nan >>"$tmp/$tag.ups"
        echo nan >>"$tmp/$tag.wall"
        return 1
    fi
    t1=$(now)
    ups=$(summary_field "$out" ups)
    work=$(summary_field "$out" work)
    [ -f "$tmp/$tag.info" ] || summary_field "$out" info >"$tmp/$tag.info"
    echo "$ups" >>"$tmp/$tag.ups"
    awk -v w="$work" -v a="$t0" -v b="$t1" 'BEGIN { if (w == "nan" || b <= a) print "nan";
        else printf "%.6g\n", w / (b - a) }' >>"$tmp/$tag.wall"
    printf '  %-22s loop %s updates/s, whole process %s s  %s\n' "fdrsim $tag" "$(fmt "$ups")" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" "$(summary_field "$out" fdr1)"
}

# run_numpy TAG SCRIPT WORK ARGS...: one numpy run (one BLAS thread).
run_numpy() {
    tag=$1 py=$2 work=$3
    shift 3
    t0=$(now)
    if ! OPENBLAS_NUM_THREADS=1 $pin "$PYTHON" "$SRCDIR/bench/$py" "$@" >"$tmp/$tag.log" 2>&1; then
        echo "  numpy $py failed:" >&2
        sed 's/^/    /' "$tmp/$tag.log" >&2
        echo nan >>"$tmp/$tag.ups"
        echo nan >>"$tmp/$tag.wall"
        return 1
    fi
    t1=$(now)
    ups=$(sed -n 's/^RESULT .*updates\/s=\([-+0-9.eE]*\).*/\1/p' "$tmp/$tag.log" | head -n 1)
    [ -n "$ups" ] || ups=nan
    echo "$ups" >>"$tmp/$tag.ups"
    awk -v w="$work" -v a="$t0" -v b="$t1" 'BEGIN { if (b <= a) print "nan";
        else printf "%.6g\n", w / (b - a) }' >>"$tmp/$tag.wall"
    fdr1=$(sed -n 's/.*\(FDR1ratio=[^ ]*\).*/\1/p' "$tmp/$tag.log")
    printf '  %-22s loop %s updates/s, whole process %s s  %s\n' "numpy $tag" "$(fmt "$ups")" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" "$fdr1"
}

# paired NUM DEN KIND OUT: per-repetition ratios NUM/DEN of the KIND (ups|wall) files, into OUT.
paired() {
    paste "$tmp/$1.$3" "$tmp/$2.$3" 2>/dev/null |
        awk '{ if ($1 == "nan" || $2 == "nan" || $2 + 0 == 0) print "nan"; else printf "%.6g\n", $1 / $2 }' >"$4"
}

# rng_rate LINE: the number next to "normals/s" in LINE (forms: "X normals/s", "normals/s=X",
# "normals/s: X", "normals/s X").
rng_rate() {
    echo "$1" | awk '{
        for (i = 1; i <= NF; i++) if ($i ~ /normals\/s/) {
            s = $i; sub(/.*normals\/s[=:]?/, "", s)
            if (s ~ /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/) { print s; exit }
            if (i < NF && $(i + 1) ~ /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/) { print $(i + 1); exit }
            if (i > 1) { p = $(i - 1); sub(/.*=/, "", p)
                if (p ~ /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/) { print p; exit } }
        }
        print "nan" }'
}

# ---- header -------------------------------------------------------------------------------------

echo "fdrsim benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), ${REPS} repetition(s) of each measurement"
cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
echo "machine: ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo '?') cores, load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
    echo "WARNING: 1-minute load average $load1 (other work, or a run that just ended): if the machine is busy,"
    echo "         figures, 2-thread ones above all, come out low"
fi
echo "environment (left unchanged): OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-<unset>}" \
    "OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE-<unset>} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS-<unset>}" \
    "OMP_NUM_THREADS=${OMP_NUM_THREADS-<unset>}"
echo "  (numpy runs: OPENBLAS_NUM_THREADS=1; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE, when set, can slow numpy's BLAS)"

fdrsim_ok=yes
fdrsim_failed=no
if [ ! -x "$FDRSIM" ]; then
    echo "note: fdrsim binary '$FDRSIM' not found (run from the build directory or set FDRSIM=)"
    fdrsim_ok=no
fi
for m in bench-diag bench-dense bench-quartic-rotated bench-quartic-separable bench-gmm-d10 \
    bench-gmm-d50 bench-gmm-d100; do
    if [ ! -f "$SRCDIR/models/$m.ini" ]; then
        echo "note: $SRCDIR/models/$m.ini not found (set SRCDIR=)"
        fdrsim_ok=no
    fi
done
echo "fdrsim: $FDRSIM   models: $SRCDIR/models"
if [ -n "$pin" ]; then
    echo "one-thread runs pinned to core $core ($pin); the 2-thread runs are not pinned"
else
    echo "note: taskset not found: one-thread runs are not pinned, and ratios may compare different cores"
fi
if [ "$have_numpy" = yes ]; then
    echo "numpy: $("$PYTHON" -c 'import numpy, sys; print("numpy %s, Python %s" % (numpy.__version__, sys.version.split()[0]))') ($PYTHON)"
else
    echo "note: numpy is not available to '$PYTHON' (Debian: apt-get install python3-numpy; or set PYTHON=);"
    echo "      only fdrsim's own figures are printed"
fi

rng_bin=${RNG_SPEED:-}
if [ -z "$rng_bin" ]; then
    for b in ./bench/rng_speed ./rng_speed; do
        if [ -x "$b" ]; then rng_bin=$b; break; fi
    done
fi
echo

# ---- measurements -------------------------------------------------------------------------------

diag_work=$((2000 * 256 * 1000))
dense_work=$((2000 * 256 * 500))
i=1
[ "$ONLY" = anharmonic ] && i=$((REPS + 1))
while [ "$i" -le "$REPS" ]; do
    echo "repetition $i of $REPS"
    # alternate which program goes first, so a slow start or a warming machine hits both
    if [ $((i % 2)) -eq 1 ]; then order="fdrsim numpy"; else order="numpy fdrsim"; fi
    for who in $order; do
        if [ "$who" = fdrsim ] && [ "$fdrsim_ok" = yes ]; then
            run_fdrsim diag1 "$SRCDIR/models/bench-diag.ini" 1
            run_fdrsim diag2 "$SRCDIR/models/bench-diag.ini" 2
            run_fdrsim diag1f "$SRCDIR/models/bench-diag.ini" 1 --set run.fdr2=on
            # the default measurements: FDR2 terms and 8 random tensor directions on
            run_fdrsim diag1m "$SRCDIR/models/bench-diag.ini" 1 --set run.fdr2=on \
                --set run.tensor_directions=8
        elif [ "$who" = numpy ] && [ "$have_numpy" = yes ]; then
            run_numpy npdiag numpy_diag.py "$diag_work" tuned 2000 256 1000
        fi
    done
    # the generator right after the diagonal runs it is compared with
    if [ -n "$rng_bin" ]; then
        if $pin "$rng_bin" >"$tmp/rng.log" 2>&1; then
            # the first normals/s line is fdrsim's own generator; later ones (GSL) are context
            line=$(grep 'normals/s' "$tmp/rng.log" | head -n 1)
            r=$(rng_rate "$line")
            echo "$r" >>"$tmp/rng.ups"
            [ -f "$tmp/rng.name" ] || echo "$line" | sed 's/[[:space:]]*[-+0-9.eE]*[[:space:]]*normals\/s.*//' >"$tmp/rng.name"
            grep 'normals/s' "$tmp/rng.log" | sed 's/^/  generator              /'
        else
            echo "  $rng_bin failed:" >&2
            sed 's/^/    /' "$tmp/rng.log" >&2
            echo nan >>"$tmp/rng.ups"
        fi
    fi
    for who in $order; do
        if [ "$who" = fdrsim ] && [ "$fdrsim_ok" = yes ]; then
            run_fdrsim dense1 "$SRCDIR/models/bench-dense.ini" 1
        elif [ "$who" = numpy ] && [ "$have_numpy" = yes ]; then
            run_numpy npdense numpy_dense.py "$dense_work" tuned 2000 256 500
        fi
    done
    i=$((i + 1))
done
echo


# ---- anharmonic landscapes ----------------------------------------------------------------------
# WORKLOADS: tag, fdrsim model, d, R, steps, numpy script, its extra argument. Steps are chosen so
# that each numpy run takes about a second on the development VM.
anh_workloads="qr100r32 bench-quartic-rotated 100 32 2000 numpy_quartic.py rotated
qr300r32 bench-quartic-rotated 300 32 800 numpy_quartic.py rotated
qr1000r32 bench-quartic-rotated 1000 32 100 numpy_quartic.py rotated
qr100r256 bench-quartic-rotated 100 256 400 numpy_quartic.py rotated
qr300r256 bench-quartic-rotated 300 256 150 numpy_quartic.py rotated
qr1000r256 bench-quartic-rotated 1000 256 40 numpy_quartic.py rotated
qs100r32 bench-quartic-separable 100 32 2000 numpy_quartic.py separable
qs1000r32 bench-quartic-separable 1000 32 400 numpy_quartic.py separable
g10r32 bench-gmm-d10 10 32 4000 numpy_gmm.py -
g50r32 bench-gmm-d50 50 32 4000 numpy_gmm.py -
g100r32 bench-gmm-d100 100 32 1000 numpy_gmm.py -"
i=1
[ "$ONLY" = quadratic ] && i=$((REPS + 1))
while [ "$i" -le "$REPS" ]; do
    echo "anharmonic repetition $i of $REPS (FDR2 terms on, one thread)"
    if [ $((i % 2)) -eq 1 ]; then order="fdrsim numpy"; else order="numpy fdrsim"; fi
    # (wl, not tag: run_fdrsim and run_numpy set tag)
    echo "$anh_workloads" | while read -r wl model d R T py arg; do
        for who in $order; do
            if [ "$who" = fdrsim ] && [ "$fdrsim_ok" = yes ]; then
                set -- --set "landscape.dim=$d" --set "run.replicas=$R" --set "run.steps=$T"
                # the GMM files fix their dimension (the means): no landscape.dim
                case $model in bench-gmm-*) set -- --set "run.replicas=$R" --set "run.steps=$T" ;; esac
                run_fdrsim "$wl" "$SRCDIR/models/$model.ini" 1 "$@"
            elif [ "$who" = numpy ] && [ "$have_numpy" = yes ]; then
                if [ "$arg" = - ]; then
                    run_numpy "np$wl" "$py" $((d * R * T)) "$d" "$R" "$T" 1
                else
                    run_numpy "np$wl" "$py" $((d * R * T)) "$d" "$R" "$T" 1 "$arg"
                fi
            fi
        done
    done
    i=$((i + 1))
done
echo
# ---- table --------------------------------------------------------------------------------------

for t in diag1 diag2 diag1f diag1m dense1 npdiag npdense rng; do
    for k in ups wall; do
        [ -f "$tmp/$t.$k" ] || : >"$tmp/$t.$k"
    done
done
paired diag1 npdiag ups "$tmp/r_diag1"
paired diag1 npdiag wall "$tmp/rw_diag1"
paired diag2 npdiag ups "$tmp/r_diag2"
paired diag2 npdiag wall "$tmp/rw_diag2"
paired dense1 npdense ups "$tmp/r_dense1"
paired dense1 npdense wall "$tmp/rw_dense1"
paired diag2 diag1 ups "$tmp/r_scale"
paired diag1 rng ups "$tmp/r_gen"
paired diag1f npdiag ups "$tmp/r_diag1f"
paired diag1f npdiag wall "$tmp/rw_diag1f"
paired diag1f rng ups "$tmp/r_genf"
paired diag1m npdiag ups "$tmp/r_diag1m"
paired diag1m npdiag wall "$tmp/rw_diag1m"
paired diag1 diag1m ups "$tmp/r_meas"

m_diag1=$(median "$tmp/diag1.ups")
m_diag2=$(median "$tmp/diag2.ups")
m_dense1=$(median "$tmp/dense1.ups")
m_npdiag=$(median "$tmp/npdiag.ups")
m_npdense=$(median "$tmp/npdense.ups")
m_rng=$(median "$tmp/rng.ups")
r_diag1=$(median "$tmp/r_diag1")
r_diag2=$(median "$tmp/r_diag2")
r_dense1=$(median "$tmp/r_dense1")
rw_diag1=$(median "$tmp/rw_diag1")
rw_diag2=$(median "$tmp/rw_diag2")
rw_dense1=$(median "$tmp/rw_dense1")
r_scale=$(median "$tmp/r_scale")
r_gen=$(median "$tmp/r_gen")
m_diag1f=$(median "$tmp/diag1f.ups")
r_diag1f=$(median "$tmp/r_diag1f")
rw_diag1f=$(median "$tmp/rw_diag1f")
r_genf=$(median "$tmp/r_genf")
m_diag1m=$(median "$tmp/diag1m.ups")
r_diag1m=$(median "$tmp/r_diag1m")
rw_diag1m=$(median "$tmp/rw_diag1m")
r_meas=$(median "$tmp/r_meas")

echo "medians of $REPS; updates/s = replicas * dim * steps / time of the stepping loop;"
echo "ratio = median over repetitions of (fdrsim / numpy) in the same repetition;"
echo "whole = the same ratio from the wall time of the whole command (start-up, set-up, analysis, output)"
printf '%-36s %12s %12s %8s %8s %10s\n' workload "fdrsim upd/s" "numpy upd/s" ratio whole "2thr/1thr"
printf '%-36s %12s %12s %8s %8s %10s\n' "diagonal d=1000 R=256, 1 thread" "$(fmt "$m_diag1")" \
    "$(fmt "$m_npdiag")" "$(fmt "$r_diag1")" "$(fmt "$rw_diag1")" ""
printf '%-36s %12s %12s %8s %8s %10s\n' "diagonal d=1000 R=256, 2 threads" "$(fmt "$m_diag2")" \
    "$(fmt "$m_npdiag")" "$(fmt "$r_diag2")" "$(fmt "$rw_diag2")" "$(fmt "$r_scale")"
printf '%-36s %12s %12s %8s %8s %10s\n' "same, 1 thread, FDR2 terms on" "$(fmt "$m_diag1f")" \
    "$(fmt "$m_npdiag")" "$(fmt "$r_diag1f")" "$(fmt "$rw_diag1f")" ""
printf '%-36s %12s %12s %8s %8s %10s\n' "same, FDR2 and 8 tensor directions" "$(fmt "$m_diag1m")" \
    "$(fmt "$m_npdiag")" "$(fmt "$r_diag1m")" "$(fmt "$rw_diag1m")" ""
echo "  (time with the default measurements / bench configuration's time: $(fmt "$r_meas"), same repetition)"
printf '%-36s %12s %12s %8s %8s %10s\n' "dense d=500 R=256, 1 thread" "$(fmt "$m_dense1")" \
    "$(fmt "$m_npdense")" "$(fmt "$r_dense1")" "$(fmt "$rw_dense1")" ""
if [ -n "$rng_bin" ]; then
    printf '%-36s %12s %12s %8s %8s %10s\n' "generator alone, normals/s, 1 core" "$(fmt "$m_rng")" \
        "" "" "" ""
    [ -s "$tmp/rng.name" ] && echo "  (generator: $(cat "$tmp/rng.name"), as measured by $rng_bin)"
else
    echo "generator alone: skipped (no ./bench/rng_speed or ./rng_speed in $(pwd); set RNG_SPEED=)"
fi
if [ "$fdrsim_ok" = yes ]; then
    for t in diag1 dense1; do
        [ -f "$tmp/$t.info" ] && echo "fdrsim $t: $(cat "$tmp/$t.info")"
    done
fi
echo


if [ "$ONLY" != quadratic ]; then
    echo "anharmonic landscapes, FDR2 terms on (F2, F3, F4 and the noise-averaged F2), 1 thread:"
    printf '%-36s %12s %12s %8s %8s\n' workload "fdrsim upd/s" "numpy upd/s" ratio whole
    : >"$tmp/cost.dat"
    echo "$anh_workloads" | while read -r tag model d R T py arg; do
        for k in ups wall; do
            [ -f "$tmp/$tag.$k" ] || : >"$tmp/$tag.$k"
            [ -f "$tmp/np$tag.$k" ] || : >"$tmp/np$tag.$k"
        done
        paired "$tag" "np$tag" ups "$tmp/r_$tag"
        paired "$tag" "np$tag" wall "$tmp/rw_$tag"
        mf=$(median "$tmp/$tag.ups")
        mn=$(median "$tmp/np$tag.ups")
        echo "$(median "$tmp/r_$tag")" >"$tmp/m_$tag"
        case $tag in qr*r32) fam=1 ;; qr*r256) fam=2 ;; qs*) fam=3 ;; *) fam=4 ;; esac
        echo "$fam $d $mf $mn" >>"$tmp/cost.dat"
        case $model in
        bench-quartic-rotated) name="quartic rotated d=$d R=$R" ;;
        bench-quartic-separable) name="quartic separable d=$d R=$R" ;;
        *) name="gmm K=3 d=$d R=$R" ;;
        esac
        printf '%-36s %12s %12s %8s %8s\n' "$name" "$(fmt "$mf")" "$(fmt "$mn")" \
            "$(fmt "$(median "$tmp/r_$tag")")" "$(fmt "$(median "$tmp/rw_$tag")")"
    done
    # slopes of log(seconds per update) against log d, per family, least squares
    echo "slopes of log(cost per update) against log d (0: cost per step O(R d), 1: O(R d^2)):"
    for fam in 1 2 3 4; do
        case $fam in 1) name="quartic rotated, R=32" ;; 2) name="quartic rotated, R=256" ;;
            3) name="quartic separable, R=32" ;; 4) name="gmm K=3, R=32" ;; esac
        awk -v f="$fam" -v name="$name" '$1 == f && $3 != "nan" && $4 != "nan" {
            x = log($2); n++; sx += x; sxx += x * x
            y = -log($3); sy += y; sxy += x * y; z = -log($4); sz += z; sxz += x * z }
            END { if (n < 2) { printf "  %-28s -\n", name; exit }
                  den = n * sxx - sx * sx
                  printf "  %-28s fdrsim %5.2f   numpy %5.2f\n", name, (n * sxy - sx * sy) / den,
                         (n * sxz - sx * sz) / den }' "$tmp/cost.dat"
    done
    if command -v gnuplot >/dev/null 2>&1 && [ -s "$tmp/cost.dat" ]; then
        if gnuplot -e "datafile='$tmp/cost.dat'; outfile='$PLOT'" "$SRCDIR/bench/cost.gp" 2>"$tmp/gp.log"; then
            echo "figure: $PLOT (cost per coordinate update against d; bench/cost.gp)"
        else
            echo "note: gnuplot failed: $(head -n 3 "$tmp/gp.log")"
        fi
    else
        echo "note: no gnuplot: the cost figure is not drawn"
    fi
    echo
fi
# target NAME VALUE LIMIT UNIT
target() {
    v=$2
    if [ "$v" = nan ] || [ -z "$v" ]; then
        st="not measured"
    elif awk -v v="$v" -v l="$3" 'BEGIN { exit !(v >= l) }'; then
        st=met
    else
        st="NOT MET"
    fi
    shown=$(fmt "$v")
    [ "$shown" = - ] || shown=$shown$4
    printf '  %-44s %8s   target >= %-6s %s\n' "$1" "$shown" "$3$4" "$st"
}
echo "targets (paired medians, loop time):"
target "diagonal, 1 thread / tuned numpy" "$r_diag1" 5 x
target "diagonal, 1 thread / generator alone" "$r_gen" 0.8 ""
target "dense, 1 thread / tuned numpy" "$r_dense1" 1.3 x
target "diagonal, 2 threads / 1 thread" "$r_scale" 1.7 x
for tag in qr100r32 qr300r32 qr1000r32 qr100r256 qr300r256 qr1000r256; do
    target "quartic rotated $tag / numpy" "$(cat "$tmp/m_$tag" 2>/dev/null)" 1.5 x
done
for tag in qs100r32 qs1000r32; do
    target "quartic separable $tag / numpy" "$(cat "$tmp/m_$tag" 2>/dev/null)" 4 x
done
for tag in g10r32 g50r32 g100r32; do
    target "gmm $tag / numpy" "$(cat "$tmp/m_$tag" 2>/dev/null)" 1.5 x
done
echo "for information (the numpy programs do not compute FDR2's terms):"
printf '  %-44s %8s\n' "diagonal with FDR2 on, 1 thread / generator" "$(fmt "$r_genf")"

if [ "$fdrsim_ok" = no ] || [ "$fdrsim_failed" = yes ]; then
    echo
    echo "fdrsim could not be measured (see the notes above)"
    exit 1
fi
exit 0

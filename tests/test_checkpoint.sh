#!/bin/sh
# test_checkpoint.sh - `fdrsim run --checkpoint` and `fdrsim resume` (README, "Checkpoint and
# resume"): a run stopped by SIGTERM writes its checkpoint and exits 143, and its resumption
# writes every output file as the uninterrupted run does, bit for bit but for the timing, on the
# fused quadratic path (momentum) and on the general one (quartic with momentum, Adam on a quadratic
# and on a quartic, minibatch noise with its per-replica state, a 2-D mixture, random tensor
# directions); ten runs killed with SIGKILL at random moments (fixed seeds) and resumed from
# their last checkpoint do too; checkpointing at every look changes no bit of the output; a
# changed model, a truncated file, a flipped byte, another format version or model options on
# resume are refused with exit 2, a message saying why and no output folder; a sweep stopped by
# SIGTERM or killed by SIGKILL resumes to the uninterrupted sweep's output, and is refused
# under a changed model. TAP output.
# Environment: FDRSIM (the binary; default ./fdrsim), srcdir (set by make check).

fdrsim=${FDRSIM:-./fdrsim}
case $fdrsim in /*) ;; *) fdrsim=$(pwd)/$fdrsim ;; esac
src=${srcdir:-.}
models=$(cd "$src/models" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fdrsim-checkpoint.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

echo "1..19"
report() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        [ -n "$3" ] && printf '%s\n' "$3" | sed 's/^/# /'
        failed=1
    fi
}

# fdr ARGS...: fdrsim without LeakSanitizer's check at exit (a killed run cannot free; the
# resumed ones' leaks are test_cli's business), in the current folder; in the background
# it is called directly, so that $! is its process (a function would run in a subshell, which
# a signal to $! would stop instead).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
fdr() {
    "$fdrsim" "$@"
}

# same A B: the two output folders hold the same files with the same bytes, but for the
# timing of summary.json; prints the difference.
same() {
    diff -r -I '"seconds":' -I '"updates_per_second":' "$1" "$2" 2>&1 | head -20
}

# wait_for FILE: until FILE exists (at most 60 s): a run writes its checkpoint first at
# step 0, when its set-up is done.
wait_for() {
    k=0
    while [ ! -e "$1" ] && [ $k -lt 3000 ]; do
        sleep 0.02
        k=$((k + 1))
    done
}

# reference NAME ARGS...: the uninterrupted `fdrsim run ARGS` in $tmp/NAME/ref/x, with the
# very command line of the interrupted runs (which run in folders of the same depth).
reference() {
    name=$1
    shift
    mkdir -p "$tmp/$name/ref/x"
    (cd "$tmp/$name/ref/x" && fdr run "$@" >log 2>&1) ||
        echo "# $name: the reference run failed: $(cat "$tmp/$name/ref/x/log")"
}

# ref_seconds NAME: how long the stepping of NAME's reference took.
ref_seconds() {
    sed -n 's/^ *"seconds": \([0-9.e+-]*\).*/\1/p' "$tmp/$1/ref/x/out/summary.json"
}

# (a), (d): SIGTERM half the reference's stepping time after the checkpoint of step 0 (a
# quarter, then a tenth, when a loaded machine let the run end first), with no other one due
# (every 1000 s): the run writes one at its next look, says so and exits 143, writing no
# output; resumed, it writes the reference's output. term NAME MODEL ARGS...
term() {
    name=$1
    shift
    set -- "$@" -q -o out --checkpoint run.ckpt --checkpoint-every 1000
    reference "$name" "$@"
    cut=$tmp/$name/cut/x
    mkdir -p "$cut"
    for part in 0.5 0.25 0.1; do
        (
            cd "$cut" || exit 1
            rm -rf out run.ckpt
            "$fdrsim" run "$@" >log 2>&1 &
            pid=$!
            wait_for run.ckpt
            sleep "$(awk -v t="$(ref_seconds "$name")" -v p=$part 'BEGIN { printf "%.2f", p * t }')"
            kill -TERM $pid
            wait $pid
            echo $? >status
        )
        [ "$(cat "$cut/status")" = 0 ] || break
    done
    st=$(cat "$cut/status")
    msg=""
    [ "$st" = 143 ] || msg="the run exited $st, not 143: $(cat "$cut/log")"
    [ -z "$msg" ] && ! grep -q 'SIGTERM: checkpoint written to run.ckpt at step' "$cut/log" &&
        msg="no message: $(cat "$cut/log")"
    at=$(grep -o 'at step [0-9]* of [0-9]*' "$cut/log")
    [ -z "$msg" ] && [ -e "$cut/out" ] && msg="the stopped run wrote an output folder"
    [ -z "$msg" ] && ! (cd "$cut" && fdr resume run.ckpt -q >log 2>&1) &&
        msg="resume failed: $(cat "$cut/log")"
    [ -z "$msg" ] && msg=$(same "$tmp/$name/ref/x/out" "$cut/out")
    report "$([ -z "$msg" ] && echo 0 || echo 1)" \
        "$name: stopped by SIGTERM ($at), resumed: the same output" "$msg"
}

# Runs of about a second each on this 2-core machine unloaded.
term default default --steps 150000
term quartic-momentum quartic-anharmonic-10d --steps 80000 -s optimizer.momentum=0.5
term adam-quadratic adam-quadratic --steps 150000
term adam-quartic adam-quartic --steps 160000
term minibatch minibatch-regression-b10 --steps 25000
term gmm-2d gmm-2d --steps 60000
term directions quartic-anharmonic-10d --steps 90000 -s run.tensor_full_max=4 \
    -s run.tensor_directions=6

# SIGINT (an interactive ^C) the same way.
cut=$tmp/sigint
mkdir -p "$cut"
(
    cd "$cut" || exit 1
    "$fdrsim" run default --steps 150000 -q -o out --checkpoint run.ckpt >log 2>&1 &
    pid=$!
    wait_for run.ckpt
    kill -INT $pid
    wait $pid
    echo $? >status
)
report "$([ "$(cat "$cut/status")" = 130 ] && grep -q 'SIGINT: checkpoint written' "$cut/log" &&
    echo 0 || echo 1)" "SIGINT writes the checkpoint too and exits 130" \
    "exit $(cat "$cut/status"): $(cat "$cut/log")"

# Checkpointing at every look (about ten a second) changes no bit of a run's output: only the
# command line (in the headers) differs from a run without a checkpoint.
mkdir -p "$tmp/plain" "$tmp/often"
(cd "$tmp/plain" && fdr run adam-quartic --steps 30000 -q -o out >log 2>&1)
(cd "$tmp/often" && fdr run adam-quartic --steps 30000 -q -o out --checkpoint c.ckpt \
    --checkpoint-every 0 >log 2>&1)
msg=$(diff -r -I '"seconds":' -I '"updates_per_second":' -I 'command' "$tmp/plain/out" \
    "$tmp/often/out" 2>&1 | head -20)
[ -e "$tmp/often/c.ckpt" ] || msg="no checkpoint written: $(cat "$tmp/often/log")"
report "$([ -z "$msg" ] && echo 0 || echo 1)" "checkpointing at every look changes no output" \
    "$msg"

# (b) SIGKILL at ten random moments (the seeds fix them) between step 0 and the time the
# uninterrupted run took, checkpoints at every look: each run is resumed from whatever its last
# checkpoint is and must end as the uninterrupted one.
# kills NAME MODEL ARGS...
kills() {
    name=$1
    shift
    set -- "$@" -q -o out --checkpoint ../run.ckpt --checkpoint-every 0
    reference "$name" "$@"
    secs=$(ref_seconds "$name")
    bad=""
    for seed in 1 2 3 4 5 6 7 8 9 10; do
        cut=$tmp/$name/cut/$seed
        mkdir -p "$cut"
        delay=$(awk -v s="$seed" -v t="${secs:-1}" 'BEGIN { srand(s); printf "%.2f", t * rand() }')
        (
            cd "$cut" || exit 1
            "$fdrsim" run "$@" >log 2>&1 &
            pid=$!
            wait_for ../run.ckpt
            sleep "$delay"
            kill -KILL $pid 2>/dev/null
            wait $pid 2>/dev/null
            rm -rf out
            fdr resume ../run.ckpt -q >log 2>&1 || echo "resume failed: $(cat log)"
        ) >"$cut/err"
        [ -s "$cut/err" ] && bad="$bad seed $seed: $(cat "$cut/err");"
        d=$(same "$tmp/$name/ref/x/out" "$cut/out")
        [ -n "$d" ] && bad="$bad seed $seed (killed $delay s after step 0): $d;"
        rm -f "$tmp/$name/cut/run.ckpt"
    done
    report "$([ -z "$bad" ] && echo 0 || echo 1)" \
        "$name: killed at ten random moments, resumed: the same output" "$bad"
}
kills kill-default default --steps 150000
kills kill-adam adam-quartic --steps 160000

# A sweep checkpoints at its points' boundaries (each point is a whole run): stopped by SIGTERM
# half-way through its reference's time (then a quarter, a tenth, if it ended first), it keeps
# the points done, exits 143 and writes no output; resumed, it runs the rest and writes the
# uninterrupted sweep's output. Then three SIGKILLs at random moments (fixed seeds), with a
# checkpoint after every point, each resumed from its last checkpoint: the same output.
sweep_args="quartic-anharmonic-1d --lr 0.02:0.2:6 --steps 1000000 --replicas 8 -j 2 -q -o out"
mkdir -p "$tmp/sweep/ref/x"
t0=$(date +%s.%N)
# shellcheck disable=SC2086
(cd "$tmp/sweep/ref/x" && fdr sweep $sweep_args --checkpoint ../s.ckpt >log 2>&1) ||
    echo "# the reference sweep failed: $(cat "$tmp/sweep/ref/x/log")"
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
cut=$tmp/sweep/cut/x
mkdir -p "$cut"
for part in 0.5 0.25 0.1; do
    (
        cd "$cut" || exit 1
        rm -rf out ../s.ckpt
        # shellcheck disable=SC2086
        "$fdrsim" sweep $sweep_args --checkpoint ../s.ckpt >log 2>&1 &
        pid=$!
        wait_for ../s.ckpt
        sleep "$(awk -v t="$secs" -v p=$part 'BEGIN { printf "%.2f", p * t }')"
        kill -TERM $pid
        wait $pid
        echo $? >status
    )
    [ "$(cat "$cut/status")" = 0 ] || break
done
st=$(cat "$cut/status")
msg=""
[ "$st" = 143 ] || msg="the sweep exited $st, not 143: $(cat "$cut/log")"
[ -z "$msg" ] && ! grep -q 'SIGTERM: checkpoint written to ../s.ckpt, stopped with [0-9]* of 6 points done' \
    "$cut/log" && msg="no message: $(cat "$cut/log")"
at=$(grep -o '[0-9]* of 6 points' "$cut/log")
[ -z "$msg" ] && [ -e "$cut/out" ] && msg="the stopped sweep wrote an output folder"
[ -z "$msg" ] && ! (cd "$cut" && fdr resume ../s.ckpt -q >log 2>&1) &&
    msg="resume failed: $(cat "$cut/log")"
[ -z "$msg" ] && msg=$(same "$tmp/sweep/ref/x/out" "$cut/out")
report "$([ -z "$msg" ] && echo 0 || echo 1)" \
    "a sweep stopped by SIGTERM ($at), resumed: the same output" "$msg"
bad=""
for seed in 1 2 3; do
    cut=$tmp/sweep/kill/$seed
    mkdir -p "$cut"
    delay=$(awk -v s="$seed" -v t="$secs" 'BEGIN { srand(s); printf "%.2f", t * rand() }')
    (
        cd "$cut" || exit 1
        # shellcheck disable=SC2086
        "$fdrsim" sweep $sweep_args --checkpoint ../s.ckpt --checkpoint-every 0 >log 2>&1 &
        pid=$!
        wait_for ../s.ckpt
        sleep "$delay"
        kill -KILL $pid 2>/dev/null
        wait $pid 2>/dev/null
        rm -rf out
        fdr resume ../s.ckpt -q >log 2>&1 || echo "resume failed: $(cat log)"
    ) >"$cut/err"
    [ -s "$cut/err" ] && bad="$bad seed $seed: $(cat "$cut/err");"
    # the reference's command line had no --checkpoint-every: compare all but it
    d=$(diff -r -I '"seconds":' -I 'command' "$tmp/sweep/ref/x/out" "$cut/out" 2>&1 | head -20)
    [ -n "$d" ] && bad="$bad seed $seed (killed $delay s after it began): $d;"
    rm -f "$tmp/sweep/kill/s.ckpt"
done
report "$([ -z "$bad" ] && echo 0 || echo 1)" \
    "a sweep killed at three random moments, resumed: the same output" "$bad"
# a sweep resumed under a changed model is refused: exit 2, the reason, no output
cut=$tmp/sweep/changed
mkdir -p "$cut"
cp "$models/quartic-anharmonic-1d.ini" "$cut/model.ini"
(
    cd "$cut" || exit 1
    "$fdrsim" sweep model.ini --lr 0.02:0.2:3 --steps 1000 --replicas 4 -q -o out \
        --checkpoint s.ckpt >log 2>&1
    rm -rf out
    sed 's/^lr *=.*/lr = 0.0999/' model.ini >changed && mv changed model.ini
    fdr resume s.ckpt -q >log 2>&1
    echo $? >status
)
msg=""
[ "$(cat "$cut/status")" = 2 ] || msg="exit $(cat "$cut/status"), not 2"
grep -q 's.ckpt: the sweep has changed since its checkpoint was written' "$cut/log" ||
    msg="$msg; no reason in: $(cat "$cut/log")"
[ -e "$cut/out" ] && msg="$msg; an output folder was written"
report "$([ -z "$msg" ] && echo 0 || echo 1)" "a sweep resumed under a changed model is refused" \
    "$msg"

# (c) refusals: exit 2, a message saying why, no output folder.
ck=$tmp/refuse
mkdir -p "$ck"
cp "$models/quartic-anharmonic-1d.ini" "$ck/model.ini"
(
    cd "$ck" || exit 1
    "$fdrsim" run model.ini --steps 150000 -q -o out --checkpoint run.ckpt >log 2>&1 &
    pid=$!
    wait_for run.ckpt
    kill -TERM $pid
    wait $pid
)
# refused CHECKPOINT PATTERN DESCRIPTION [ARGS...]
refused() {
    file=$1 pat=$2 what=$3
    shift 3
    rm -rf "$ck/out"
    (cd "$ck" && fdr resume "$file" -q -o out "$@" >log 2>&1)
    st=$?
    msg=""
    [ $st = 2 ] || msg="exit $st, not 2"
    grep -q "$pat" "$ck/log" || msg="$msg; no '$pat' in: $(cat "$ck/log")"
    [ -e "$ck/out" ] && msg="$msg; an output folder was written"
    report "$([ -z "$msg" ] && echo 0 || echo 1)" "$what" "$msg"
}
size=$(wc -c <"$ck/run.ckpt")
head -c $((size / 2)) "$ck/run.ckpt" >"$ck/truncated.ckpt"
refused truncated.ckpt "truncated" "a truncated checkpoint is refused"
cp "$ck/run.ckpt" "$ck/flipped.ckpt"
# one byte in the middle of the state, inverted
off=$((size * 2 / 3))
byte=$(od -An -tu1 -j $off -N1 "$ck/run.ckpt" | tr -d ' ')
printf "$(printf '\\%03o' $((255 - byte)))" |
    dd of="$ck/flipped.ckpt" bs=1 seek=$off conv=notrunc 2>/dev/null
refused flipped.ckpt "corrupted: its checksum" "a checkpoint with one byte flipped is refused"
cp "$ck/run.ckpt" "$ck/format.ckpt"
printf '\011' | dd of="$ck/format.ckpt" bs=1 seek=8 conv=notrunc 2>/dev/null
refused format.ckpt "checkpoint format 9" "another format version is refused"
refused run.ckpt "does not apply" "model options on resume are refused" -s run.seed=2
sed 's/^lr *=.*/lr = 0.0999/' "$ck/model.ini" >"$ck/changed" && mv "$ck/changed" "$ck/model.ini"
refused run.ckpt "the model has changed" "resuming under a changed model is refused"

exit $failed

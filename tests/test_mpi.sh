#!/bin/sh
# test_mpi.sh - `mpirun -np N fdrsim run` (N = 1, 2, 3, 4, one and two OpenMP threads per rank)
# writes outputs identical to the one-process run's, every line but the command line and the
# timing, on the fused quadratic path (default.ini) and the general path (a quartic); a run
# that diverges fails alike (message and exit status); so do sweep, whose points the ranks
# share, and schedule in both modes, whose replica blocks they share. A job's checkpoint is the
# one-process one; a job stopped by SIGTERM or killed by SIGKILL resumes, under any number of
# ranks, to the uninterrupted outputs; a changed model is refused. TAP output; skipped without
# MPI (./configure --with-mpi sets MPIRUN). Environment: FDRSIM (default ./fdrsim), srcdir, MPIRUN.

fdrsim=${FDRSIM:-./fdrsim}
src=${srcdir:-.}
if [ -z "${MPIRUN:-}" ]; then
    echo "1..0 # SKIP fdrsim is built without MPI (./configure --with-mpi)"
    exit 0
fi
mpirun="$MPIRUN --oversubscribe"
[ "$(id -u)" = 0 ] && mpirun="$mpirun --allow-run-as-root"
out=$(mktemp -d "${TMPDIR:-/tmp}/fdrsim-mpi.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
n=0
failed=0
echo "1..44"
report() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
        failed=1
    fi
}

# same DIR1 DIR2: the differences of two output folders but the command line and the timing
same() {
    for f in "$1"/*; do
        b=$(basename "$f")
        [ -f "$2/$b" ] || { echo "$b: missing"; continue; }
        grep -v -e 'command' -e '"seconds"' -e '"updates_per_second"' "$f" >"$out/a"
        grep -v -e 'command' -e '"seconds"' -e '"updates_per_second"' "$2/$b" >"$out/b"
        cmp -s "$out/a" "$out/b" || { echo "$b differs:"; diff "$out/a" "$out/b" | head -5; }
    done
    [ "$(ls "$1" | wc -l)" = "$(ls "$2" | wc -l)" ] || echo "the folders' files differ"
}

for model in default:"--steps 3000" quartic-anharmonic-1d:"--steps 3000 --replicas 200"; do
    name=${model%%:*}
    opts=${model#*:}
    # shellcheck disable=SC2086
    "$fdrsim" run "$src/models/$name.ini" $opts -j 2 -q --out "$out/$name-1" \
        || report 1 "$name: the one-process run"
    for np in 1 2 3 4; do
        for j in 1 2; do
            [ "$j" = 2 ] && [ "$np" != 2 ] && [ "$np" != 3 ] && continue
            d="$out/$name-np$np-j$j"
            # shellcheck disable=SC2086
            $mpirun -np "$np" "$fdrsim" run "$src/models/$name.ini" $opts -j "$j" -q --out "$d" \
                >"$out/log" 2>&1
            rc=$?
            why=$( [ "$rc" = 0 ] || { echo "exit $rc"; cat "$out/log"; }; same "$out/$name-1" "$d")
            report "$([ -z "$why" ] && echo 0 || echo 1)" \
                "$name: mpirun -np $np, $j thread(s) per rank, gives the one-process outputs" "$why"
        done
    done
done

# A run that diverges (its first replica 41, in block 1 of 7: on rank 0 of 3, on rank 1 of 4): the
# same message and exit status, whichever rank holds the replica.
div="$src/models/quartic-anharmonic-1d.ini --steps 3000 --replicas 200 --seed 2 --set optimizer.lr=1.2 -q"
# shellcheck disable=SC2086
"$fdrsim" run $div --out "$out/div1" 2>"$out/err1"
rc1=$?
for np in 3 4; do
    # shellcheck disable=SC2086
    $mpirun -np "$np" "$fdrsim" run $div --out "$out/div$np" 2>"$out/err$np" >/dev/null
    rc=$?
    why=$( [ "$rc" = "$rc1" ] || echo "exit $rc, one process: $rc1"
           grep '^fdrsim' "$out/err$np" >"$out/msg"  # mpirun adds its own lines
           cmp -s "$out/err1" "$out/msg" || diff "$out/err1" "$out/msg"
           [ -e "$out/div$np" ] && echo "an output folder was written")
    report "$([ "$rc1" = 2 ] && [ -z "$why" ] && echo 0 || echo 1)" \
        "a diverging run under mpirun -np $np fails as in one process (exit 2, same message)" \
        "$why"
done
# sweep shares its points over the ranks: along the learning rate (one and two threads per
# rank), and off it, where the points differ in cost (run.steps) and carry graded quantities
# with their reasons; every output is the one-process one.
# under_ranks LABEL TWO CMD ARGS...: `fdrsim CMD ARGS` run alone, then under mpirun -np 1, 2, 3,
# 4 with one thread per rank (and -np 2 with two when TWO is 2), must give the same outputs.
under_ranks() {
    label=$1 two=$2
    shift 2
    dir=$(printf '%s' "$label" | tr -c 'a-z0-9' '-')
    ref="$out/$dir-1"
    "$fdrsim" "$@" -o "$ref" >/dev/null 2>&1
    for np in 1 2 3 4; do
        for j in 1 2; do
            [ "$j" = 2 ] && { [ "$two" != 2 ] || [ "$np" != 2 ]; } && continue
            d="$out/$dir-np$np-j$j"
            $mpirun -np "$np" "$fdrsim" "$@" -j "$j" -o "$d" >"$out/log" 2>&1
            rc=$?
            why=$( [ "$rc" = 0 ] || { echo "exit $rc"; cat "$out/log"; }; same "$ref" "$d")
            report "$([ -z "$why" ] && echo 0 || echo 1)" \
                "$label: mpirun -np $np, $j thread(s) per rank, gives the one-process outputs" \
                "$why"
        done
    done
}
under_ranks "sweep (lr)" 2 sweep "$src/models/sweep-quadratic.ini" --lr 0.02:0.1:5 --steps 400 \
    --replicas 4 -q
under_ranks "sweep (grid)" 1 sweep "$src/models/quartic-anharmonic-1d.ini" \
    --over run.steps=400,1600,800 --over optimizer.momentum=0,0.5 --replicas 8 -q
# A sweep whose third point diverges (run by rank 2 of 3, rank 2 of 4): the one-process message,
# which names the first failing point, and exit status; no output folder.
sdiv="$src/models/quartic-anharmonic-1d.ini --lr 0.1,0.2,1.2,1.3 --steps 3000 --replicas 50 -q"
# shellcheck disable=SC2086
"$fdrsim" sweep $sdiv -o "$out/sdiv1" 2>"$out/err1"
rc1=$?
for np in 3 4; do
    # shellcheck disable=SC2086
    $mpirun -np "$np" "$fdrsim" sweep $sdiv -o "$out/sdiv$np" 2>"$out/err$np" >/dev/null
    rc=$?
    why=$( [ "$rc" = "$rc1" ] || echo "exit $rc, one process: $rc1"
           grep '^fdrsim' "$out/err$np" >"$out/msg"
           cmp -s "$out/err1" "$out/msg" || diff "$out/err1" "$out/msg"
           [ -e "$out/sdiv$np" ] && echo "an output folder was written")
    report "$([ "$rc1" = 2 ] && grep -q 'lr 1.2: .*diverged' "$out/err1" && [ -z "$why" ] \
              && echo 0 || echo 1)" \
        "a sweep point diverging under mpirun -np $np fails as in one process (exit 2, same message)" \
        "$why"
done
# schedule shares its replica blocks over the ranks, in both quencher modes: replica mode (each
# replica's own quenches, gathered to rank 0) and ensemble mode (every check sums all ranks'
# window sums in replica order), on a double well, whose f* comes from every replica's descent.
for mode in replica ensemble; do
    under_ranks "schedule ($mode mode)" 2 schedule "$src/models/schedule-double-well.ini" \
        --mode "$mode" --t-adaptive 100 --steps 3000 --replicas 96 -q
done
# Checkpoints in a job: rank 0 collects every rank's blocks and writes a one-process
# checkpoint, which resumes under any number of ranks.
ck="$out/ck"
mkdir -p "$ck"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"  # killed runs cannot free
export ASAN_OPTIONS
# wait_for FILE: until FILE exists (at most 60 s)
wait_for() {
    k=0
    while [ ! -e "$1" ] && [ $k -lt 3000 ]; do
        sleep 0.02
        k=$((k + 1))
    done
}
# the step-0 checkpoint of -np 3 is, byte for byte, that of one process (same command)
c0="$src/models/quartic-anharmonic-1d.ini --steps 4000 --replicas 64 -q --checkpoint-every 1e9
    --checkpoint $ck/zero.ckpt --out $ck/zero"
# shellcheck disable=SC2086
"$fdrsim" run $c0 >/dev/null 2>&1 && mv "$ck/zero.ckpt" "$ck/zero-1.ckpt" && rm -rf "$ck/zero"
# shellcheck disable=SC2086
$mpirun -np 3 "$fdrsim" run $c0 >"$out/log" 2>&1
rc=$?
why=$( [ "$rc" = 0 ] || { echo "exit $rc"; cat "$out/log"; }
       cmp "$ck/zero-1.ckpt" "$ck/zero.ckpt" 2>&1)
report "$([ -z "$why" ] && echo 0 || echo 1)" \
    "the checkpoint mpirun -np 3 writes at step 0 is the one-process one, byte for byte" "$why"

# A job stopped by SIGTERM (which mpirun forwards to every rank) writes its checkpoint and
# leaves no output; resumed under 3 ranks, and under one process, it gives the outputs of the
# uninterrupted one-process run.
long="$src/models/quartic-anharmonic-1d.ini --steps 2000000 --replicas 32 -q"
# shellcheck disable=SC2086
"$fdrsim" run $long -j 2 --out "$ck/ref" >/dev/null 2>&1
# shellcheck disable=SC2086
$mpirun -np 2 "$fdrsim" run $long --checkpoint "$ck/term.ckpt" --checkpoint-every 0 \
    --out "$ck/term" >"$out/log" 2>&1 &
job=$!
wait_for "$ck/term.ckpt"
sleep 0.3
kill -TERM "$job"
wait "$job"
rc=$?
why=$( [ "$rc" != 0 ] || echo "the job ended (exit 0) before SIGTERM reached it"
       grep -q 'SIGTERM: checkpoint written to' "$out/log" || cat "$out/log"
       [ -e "$ck/term" ] && echo "an output folder was written")
report "$([ -z "$why" ] && echo 0 || echo 1)" \
    "mpirun -np 2 run --checkpoint stopped by SIGTERM writes its checkpoint, no output" "$why"
cp "$ck/term.ckpt" "$ck/term-copy.ckpt"
$mpirun -np 3 "$fdrsim" resume "$ck/term.ckpt" -q >"$out/log" 2>&1
rc=$?
why=$( [ "$rc" = 0 ] || { echo "exit $rc"; cat "$out/log"; }; same "$ck/ref" "$ck/term")
report "$([ -z "$why" ] && echo 0 || echo 1)" \
    "its checkpoint resumed under mpirun -np 3 gives the uninterrupted one-process outputs" "$why"
rm -rf "$ck/term"
"$fdrsim" resume "$ck/term-copy.ckpt" -q >"$out/log" 2>&1
rc=$?
why=$( [ "$rc" = 0 ] || { echo "exit $rc"; cat "$out/log"; }; same "$ck/ref" "$ck/term")
report "$([ -z "$why" ] && echo 0 || echo 1)" \
    "its checkpoint resumed by one process gives the uninterrupted one-process outputs" "$why"

# Jobs killed with SIGKILL (every rank and mpirun) at three moments, checkpointing at every look,
# resumed from their last checkpoint under 2 ranks: the uninterrupted outputs.
for delay in 0.2 0.5 0.9; do
    tag="kill-$delay"
    # shellcheck disable=SC2086
    $mpirun -np 2 "$fdrsim" run $long --checkpoint "$ck/$tag.ckpt" --checkpoint-every 0 \
        --out "$ck/$tag" >/dev/null 2>&1 &
    job=$!
    wait_for "$ck/$tag.ckpt"
    sleep "$delay"
    pkill -KILL -f -- "--out $ck/$tag" 2>/dev/null
    wait "$job" 2>/dev/null
    ended=$([ -e "$ck/$tag" ] && echo "the job had ended before SIGKILL")
    $mpirun -np 2 "$fdrsim" resume "$ck/$tag.ckpt" -q >"$out/log" 2>&1
    rc=$?
    why=$( [ -z "$ended" ] || echo "$ended"
           [ "$rc" = 0 ] || { echo "exit $rc"; cat "$out/log"; }; same "$ck/ref" "$ck/$tag")
    report "$([ -z "$why" ] && echo 0 || echo 1)" \
        "a job killed with SIGKILL after ${delay} s, resumed under mpirun -np 2, gives the uninterrupted outputs" \
        "$why"
done

# a sweep's checkpoint is not written in a job of several ranks yet: refused, nothing written
$mpirun -np 2 "$fdrsim" sweep "$src/models/sweep-quadratic.ini" --lr 0.02:0.1:3 --steps 400 \
    --replicas 4 -q --checkpoint "$ck/sweep.ckpt" -o "$ck/sweep" >"$out/log" 2>&1
rc=$?
why=$( [ "$rc" = 2 ] || echo "exit $rc, not 2"
       grep -q 'a sweep is not checkpointed or resumed in an MPI job' "$out/log" || cat "$out/log"
       [ -e "$ck/sweep.ckpt" ] && echo "a checkpoint was written"
       [ -e "$ck/sweep" ] && echo "an output folder was written")
report "$([ -z "$why" ] && echo 0 || echo 1)" \
    "sweep --checkpoint under mpirun -np 2 is refused (exit 2), nothing written" "$why"

# resuming under a changed model is refused in a job too: exit 2, the reason, no output
cp "$src/models/quartic-anharmonic-1d.ini" "$ck/model.ini"
$mpirun -np 2 "$fdrsim" run "$ck/model.ini" --steps 400 --replicas 16 -q --checkpoint-every 1e9 \
    --checkpoint "$ck/changed.ckpt" --out "$ck/changed" >/dev/null 2>&1
rm -rf "$ck/changed"
sed 's/^lr *=.*/lr = 0.0999/' "$ck/model.ini" >"$ck/edit" && mv "$ck/edit" "$ck/model.ini"
$mpirun -np 2 "$fdrsim" resume "$ck/changed.ckpt" -q >"$out/log" 2>&1
rc=$?
why=$( [ "$rc" = 2 ] || echo "exit $rc, not 2"
       grep -q 'the model has changed' "$out/log" || cat "$out/log"
       [ -e "$ck/changed" ] && echo "an output folder was written")
report "$([ -z "$why" ] && echo 0 || echo 1)" \
    "resuming under a changed model is refused under mpirun -np 2 (exit 2), nothing written" "$why"
exit $failed

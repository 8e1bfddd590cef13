# schedule.gp - learning-rate schedules: the FDR quencher against presets (fdrsim schedule).
#   gnuplot -e "dir='OUTDIR'" plots/schedule.gp  ->  OUTDIR/schedule.png, OUTDIR/schedule.pdf
# Reads OUTDIR/schedule.dat: one block per schedule (gnuplot index 0, 1, ...) with columns
#   step lr lr_lo lr_hi loss_excess loss_err ratio ratio_err exact_loss exact_ratio
# then a block of quench events: replica step lr_before lr_after ratio loss_excess.
# The setting of the paper's Fig. 4 (S. Yaida, arXiv:1810.00004): the excess loss <f> - f* against
# the step, log-log, one colour per schedule (thick: Monte Carlo mean over replicas; thin black
# dashes: the exact expected loss along the same learning-rate sequence, where the header says it
# exists); the learning rate of each schedule on the right axis (thin steps; replica mode: the mean
# over replicas and, shaded, its range); the quenches marked as circles on the fdr curve and on its
# staircase; the target excess loss as a dotted line.
# Everything else it needs is in OUTDIR/meta.gp, written by fdrsim (README.md, "Output").

if (!exists("dir")) dir = "."
file = dir . "/schedule.dat"
load dir . "/meta.gp"
fig = "schedule"; fig_aspect = 0.8
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"
have_target = (target == target && target > 0)
# the first schedule with an exact curve: in replica mode the fdr replicas have none
ex1 = (mode eq "replica" ? 2 : 1)
title_model = (model eq "" ? "" : ": model " . model . " (seed " . seed . ")")

# ---- style -------------------------------------------------------------------------------------
array colour[4] = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"]   # fdr, then the presets in order
array light[4] = ["#f4b6b6", "#a9c8e6", "#aedcae", "#d3c2e6"]
pos(x) = (x > 0 ? x : NaN)                 # log axes: drop values <= 0 and nan
# gnuplot reads the file of a `plot for` clause even when the loop is empty: keep the index valid
ok(i) = (i <= nsched ? i : 1)
qblock = (nquench > 0 ? nsched : 0)

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    set label 91 "Learning-rate schedules" . title_model at screen 0.5, screen 1 - 0.75 * ch center \
        font tfont noenhanced
    set label 92 "quencher: " . quencher at screen 0.5, screen 1 - 1.85 * ch center noenhanced
    if (!plot_title) { unset label 91; unset label 92 }
    set lmargin at screen 0.10
    set rmargin at screen 0.89
    set tmargin at screen 0.89
    set bmargin at screen 0.11
    set logscale x
    set logscale y
    set logscale y2
    set format x "10^{%L}"
    set format y "10^{%L}"
    set format y2 "10^{%L}"
    set mxtics 10
    if (stepmax > 1) { set xrange [1:stepmax] }
    set grid xtics ytics mxtics lc rgb "#dddddd" lw 1, lc rgb "#f0f0f0" lw 1
    set border 11 lw 1
    set tics out
    set xtics nomirror
    set ytics nomirror
    set y2tics
    if (lr_lo > 0 && lr_hi > 0) { set y2range [lr_lo / 3 : lr_hi * 3] }   # room around the steps
    set my2tics 10
    set xlabel "step (log scale; step 0 not shown)"
    set ylabel "excess loss ⟨f⟩ - f*  (thick; exact: black dashes)"
    set y2label "learning rate (thin steps)"
    set key at graph 0.015, graph 0.02 left bottom vertical reverse Left samplen 2.5 spacing 1.1 \
        box lc rgb "#bbbbbb" opaque
    if (nsched > 0) {
        plot for [i = 1:nsched] file index (i - 1) using 1:(pos($2)) axes x1y2 with steps \
                 lw 1.2 lc rgb colour[i] notitle, \
             for [i = 1:(mode eq "replica" && nsched > 0 ? 1 : 0)] file index 0 \
                 using 1:(pos($3)):(pos($4)) axes x1y2 with filledcurves \
                 fs transparent solid 0.25 noborder lc rgb light[1] notitle, \
             for [i = 1:nsched] file index (i - 1) using 1:(pos($5)) with lines lw 3 \
                 lc rgb colour[i] title word(schedules, i), \
             for [i = ex1:(have_exact && ex1 <= nsched ? ex1 : 0)] file index (ok(i) - 1) \
                 using 1:(pos($9)) \
                 with lines lw 1.2 dt (6,4) lc rgb "#000000" title "exact, same lr sequence", \
             for [i = ex1 + 1:(have_exact ? nsched : 0)] file index (ok(i) - 1) using 1:(pos($9)) \
                 with lines lw 1.2 dt (6,4) lc rgb "#000000" notitle, \
             (have_target ? target : NaN) with lines lw 1.5 dt (2,4) lc rgb "#555555" \
                 title (have_target ? sprintf("target %.3g", target) : ""), \
             for [i = 1:(nquench > 0 ? 1 : 0)] file index qblock using 2:(pos($6)) with points \
                 pt 7 ps (mode eq "replica" ? 0.6 : 1.6) lc rgb "#80000000" \
                 title (mode eq "replica" ? "quenches (each replica)" : "quenches"), \
             for [i = 1:(nquench > 0 ? 1 : 0)] file index qblock using 2:(pos($4)) axes x1y2 \
                 with points pt 6 ps (mode eq "replica" ? 0.6 : 1.6) lc rgb colour[1] notitle
    } else {
        set label 1 "no data in schedule.dat" at graph 0.5, graph 0.5 center
        set xrange [1:10]
        set yrange [1:10]
        plot NaN notitle
    }
    set output
}

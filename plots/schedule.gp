# schedule.gp - learning-rate schedules: the FDR quencher against presets (fdrsim schedule).
#   gnuplot -e "dir='OUTDIR'" plots/schedule.gp  ->  OUTDIR/schedule.png, OUTDIR/schedule.pdf
# Reads OUTDIR/schedule.dat: one block per schedule (gnuplot index 0, 1, ...) with columns
#   step lr lr_lo lr_hi loss_excess loss_err ratio ratio_err exact_loss exact_ratio
# then a block of quench events: replica step lr_before lr_after ratio loss_excess. With parameter
# groups ([optimizer] groups) lr, lr_lo, lr_hi, ratio, ratio_err, exact_ratio are the first group's,
# 6 more columns follow per further group, and the quench events end with the group's index.
# The setting of the paper's Fig. 4 (S. Yaida, arXiv:1810.00004): the excess loss <f> - f* against
# the step, log-log, one colour per schedule (top: Monte Carlo mean over replicas with its 1σ band;
# black dashes: the exact expected loss along the same learning-rate sequence, only where it
# exists; the target excess loss dotted); the learning rate of each schedule in the panel below
# (steps, same colours; replica mode: the mean over replicas and, shaded, its range; with
# parameter groups one staircase per group, a dash pattern each); the quenches marked as circles
# in both panels. Size, font and formats come from plots/terminal.gp.
# Everything else it needs is in OUTDIR/meta.gp, written by fdrsim (README.md, "Output").

if (!exists("dir")) dir = "."
file = dir . "/schedule.dat"
load dir . "/meta.gp"
fig = "schedule"; fig_aspect = 0.8
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"
have_target = (target == target && target > 0)
# the first schedule with an exact curve: in replica mode the fdr replicas have none
ex1 = (mode eq "replica" ? 2 : 1)

array colour[4] = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"]   # fdr, then the presets in order
pos(x) = (x > 0 ? x : NaN)                 # log axes: drop values <= 0 and nan
lo1(c) = (pos(column(c) - column(c + 1)) == pos(column(c) - column(c + 1)) ? column(c) - column(c + 1) : pos(column(c)) / 10)
# gnuplot reads the file of a `plot for` clause even when the loop is empty: keep the index valid
ok(i) = (i <= nsched ? i : 1)
qblock = (nquench > 0 ? nsched : 0)
ytop = 1 - (plot_title ? 2.9 : 0.6) * ch
ybot = 3.0 * ch
hmid = ybot + 0.36 * (ytop - ybot)
qps = (mode eq "replica" ? 0.8 : 1.2)
# parameter groups: group g's lr in column lrcol(g), its range over replicas in the next two
ng = (exists("ngroups") ? ngroups : 1)
lrcol(g) = (g == 1 ? 2 : 11 + 6 * (g - 2))

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    set multiplot
    title_model = (model eq "" ? "" : ": " . raw(model) . " (seed " . seed . ")")
    # LaTeX sets the keys' text at the figure's font size, not at vfont's, which gnuplot spaces for
    kspace = (latex ? 1.35 : 1)
    if (plot_title) {
        set label 91 fit_title("Learning-rate schedules", title_model) at screen 0.5, \
            screen 1 - 0.75 * ch center font tfont noenhanced
        set label 92 "quencher: " . raw(quencher) at screen 0.5, screen 1 - 1.85 * ch center font sfont noenhanced
    }
    set lmargin 9
    set rmargin 2
    set logscale x
    set logscale y
    set format x L("10^{%L}", "$10^{%L}$")
    set format y L("10^{%L}", "$10^{%L}$")
    if (stepmax > 1) { set xrange [1:stepmax] }
    set grid xtics ytics lc rgb "#e0e0e0" lw 1
    set border 3 lw 1
    set tics nomirror out scale 0.6

    # -- top: excess loss
    set tmargin at screen ytop
    set bmargin at screen hmid + 0.4 * ch
    set format x ""
    set ylabel L("⟨f⟩ − f*", "$\\langle f\\rangle - f^*$")
    set key bottom left Left reverse samplen 1.5 spacing 0.9 * kspace opaque box lc rgb "#cccccc" font vfont maxrows 4
    if (nsched > 0) {
        plot for [i = 1:nsched] file index (i - 1) using 1:(lo1(5)):(pos($5 + $6)) with filledcurves \
                 fs transparent solid 0.2 noborder lc rgb colour[i] notitle, \
             NaN with filledcurves fs solid 0.3 noborder lc rgb "#909090" title L("±1σ", "$\\pm 1\\sigma$"), \
             for [i = 1:nsched] file index (i - 1) using 1:(pos($5)) with lines lw 2 \
                 lc rgb colour[i] title raw(word(schedules, i)), \
             for [i = ex1:(have_exact && ex1 <= nsched ? ex1 : 0)] file index (ok(i) - 1) \
                 using 1:(pos($9)) with lines lw 1 dt (6,4) lc rgb "#000000" title "exact", \
             for [i = ex1 + 1:(have_exact ? nsched : 0)] file index (ok(i) - 1) using 1:(pos($9)) \
                 with lines lw 1 dt (6,4) lc rgb "#000000" notitle, \
             (have_target ? target : NaN) with lines lw 1.2 dt (2,3) lc rgb "#555555" \
                 title (have_target ? sprintf("target %.3g", target) : ""), \
             for [i = 1:(nquench > 0 ? 1 : 0)] file index qblock using 2:(pos($6)) with points \
                 pt 6 ps qps * psc lc rgb "#000000" title "quench"
    } else {
        set label 1 "no data in schedule.dat" at graph 0.5, graph 0.5 center
        set xrange [1:10]
        set yrange [1:10]
        plot NaN notitle
        unset label 1
    }
    unset label 91
    unset label 92
    unset key

    # -- bottom: the learning rates
    set tmargin at screen hmid - 0.4 * ch
    set bmargin at screen ybot
    set format x L("10^{%L}", "$10^{%L}$")
    set xlabel "step"
    set ylabel L("η", "$\\eta$")
    if (lr_lo > 0 && lr_hi > 0) {
        set yrange [lr_lo / 2 : lr_hi * 2]
        set ytics 10 ** ceil(log10(4 * lr_hi / lr_lo) / 3.0)
    }
    if ((mode eq "replica" || ng > 1) && nsched > 0) {
        set key bottom left Left reverse samplen (ng > 1 ? 2.5 : 1.5) spacing 0.9 * kspace opaque box lc rgb "#cccccc" font vfont
    }
    if (nsched > 0) {
        plot for [i = 1:(mode eq "replica" ? 1 : 0)] file index 0 using 1:(pos($3)):(pos($4)) \
                 with filledcurves fs transparent solid 0.25 noborder lc rgb colour[1] \
                 title (mode eq "replica" ? "fdr: range over replicas" : ""), \
             for [g = 2:(mode eq "replica" ? ng : 0)] file index 0 \
                 using 1:(pos(column(lrcol(g) + 1))):(pos(column(lrcol(g) + 2))) \
                 with filledcurves fs transparent solid 0.25 noborder lc rgb colour[1] notitle, \
             for [i = 1:nsched] for [g = 1:ng] file index (i - 1) using 1:(pos(column(lrcol(g)))) \
                 with steps lw 1.5 dt g lc rgb colour[i] notitle, \
             for [g = 1:(ng > 1 ? ng : 0)] NaN with lines lw 1.5 dt g lc rgb "#000000" \
                 title (ng > 1 ? "group " . raw(word(groups, g)) : ""), \
             for [i = 1:(nquench > 0 ? 1 : 0)] file index qblock using 2:(pos($4)) \
                 with points pt 6 ps qps * psc lc rgb "#000000" notitle
    } else {
        set yrange [1:10]
        plot NaN notitle
    }
    unset multiplot
    set output
}

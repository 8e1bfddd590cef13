# adaptive.gp - the violation of FDR1 against the step, Adam against AMSGrad (fdrsim).
#   sh scripts/adaptive.sh OUTDIR  (runs the models, then gnuplot -e "dir='OUTDIR'" plots/adaptive.gp)
#   ->  OUTDIR/adaptive.png, OUTDIR/adaptive.pdf (the formats of OUTDIR/plot.gp)
# Reads OUTDIR/adaptive.dat, one row per window [t0, t1) of one trajectory:
#   t0 t1 tmid adam_rel adam_rel_err adam99_rel adam99_rel_err amsgrad_rel amsgrad_rel_err
# with rel = (LHS - RHS) / LHS of FDR1 in preconditioned form, <theta . grad f> against
# c <v^T P^-1 v>, over the window (1-sigma errors from the replicas), and OUTDIR/meta.gp.
# One panel, log step axis: each window a point at its geometric middle with its extent as a
# horizontal bar. Adam at a small beta2 stays off 0 (its P moves every step), at beta2 -> 1 it
# comes close; AMSGrad's running maximum settles and its violation goes to 0, where the
# fixed-P relation is exact (doc/theory.md section 8.3).
# Size, font and formats come from plots/terminal.gp.

if (!exists("dir")) dir = "."
file = dir . "/adaptive.dat"
load dir . "/meta.gp"
fig = "adaptive"; fig_aspect = 0.75
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"

c_adam = "#d62728"; c_adam99 = "#ff9896"; c_ams = "#1f77b4"
fin(c) = (valid(c) && column(c) == column(c) ? column(c) : NaN)

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    if (plot_title) {
        set label 91 "FDR1's violation: Adam against AMSGrad" at screen 0.5, \
            screen 1 - 0.75 * ch center font tfont
        set label 92 raw(model_adam) . ", " . raw(model_amsgrad) . "; early windows: the approach" \
            at screen 0.5, screen 1 - 1.85 * ch center font sfont noenhanced
        set tmargin at screen 1 - 2.9 * ch
    } else {
        set tmargin at screen 1 - 0.6 * ch
    }
    set bmargin at screen 3.2 * ch
    set lmargin at screen 9 * cw
    set rmargin at screen 1 - 2 * cw
    set logscale x 10
    set format x L("10^{%T}", "$10^{%T}$")
    set xlabel L("step (window [t_0, t_1) at √(t_0 t_1))", \
                 "step (window $[t_0, t_1)$ at $\\sqrt{t_0 t_1}$)") offset 0, 0.3
    set ylabel L("(LHS − RHS)/LHS of FDR1 (±1σ)", "(LHS $-$ RHS)/LHS of FDR1 ($\\pm 1\\sigma$)") \
        offset (latex ? 2 : 1), 0
    # (LaTeX: gnuplot places it by the tick labels' source, "$-0.05$", two characters wider than
    # the text, and drops it when that puts it off the figure)
    set border 3
    set tics nomirror out
    set grid ytics lc rgb "#e4e4e4"
    set xzeroaxis lt 1 lc rgb "#404040" lw 1.5
    set key bottom right reverse Left samplen 1.5 font sfont
    plot file using ($3 * 0.97):(fin(4)):1:2:($4 - $5):($4 + $5) with xyerrorbars \
            pt 7 ps 0.9*psc lw 1 lc rgb c_adam title sprintf(L("Adam, β_2 = %g", "Adam, $\\beta_2 = %g$"), beta2), \
         file using ($3 * 0.97):(fin(4)) with lines lw 1 lc rgb c_adam notitle, \
         file using 3:(fin(6)):1:2:($6 - $7):($6 + $7) with xyerrorbars \
            pt 9 ps 1.0*psc lw 1 lc rgb c_adam99 title sprintf(L("Adam, β_2 = %g", "Adam, $\\beta_2 = %g$"), beta2_high), \
         file using 3:(fin(6)) with lines lw 1 lc rgb c_adam99 notitle, \
         file using ($3 * 1.03):(fin(8)):1:2:($8 - $9):($8 + $9) with xyerrorbars \
            pt 5 ps 0.8*psc lw 1 lc rgb c_ams title sprintf(L("AMSGrad, β_2 = %g", "AMSGrad, $\\beta_2 = %g$"), beta2), \
         file using ($3 * 1.03):(fin(8)) with lines lw 1 lc rgb c_ams notitle
    set output
}

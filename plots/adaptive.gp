# adaptive.gp - the violation of FDR1 against the step, Adam against AMSGrad (fdrsim).
#   sh scripts/adaptive.sh OUTDIR  (runs the models, then gnuplot -e "dir='OUTDIR'" plots/adaptive.gp)
#   ->  OUTDIR/adaptive.png, OUTDIR/adaptive.pdf
# Reads OUTDIR/adaptive.dat, one row per window [t0, t1) of one trajectory:
#   t0 t1 tmid adam_rel adam_rel_err adam99_rel adam99_rel_err amsgrad_rel amsgrad_rel_err
# with rel = (LHS - RHS) / LHS of FDR1 in preconditioned form, <theta . grad f> against
# c <v^T P^-1 v>, over the window (1-sigma errors from the replicas), and OUTDIR/meta.gp.
# One panel, log step axis: each window a point at its geometric middle with its extent as a
# horizontal bar. Adam at a small beta2 stays off 0 (its P moves every step), at beta2 -> 1 it
# comes close; AMSGrad's running maximum settles and its violation goes to 0, where the
# fixed-P relation is exact (doc/theory.md section 8.2).

if (!exists("dir")) dir = "."
file = dir . "/adaptive.dat"
load dir . "/meta.gp"

c_adam = "#d62728"; c_adam99 = "#ff9896"; c_ams = "#1f77b4"
fin(c) = (valid(c) && column(c) == column(c) ? column(c) : NaN)

do for [ext in "png pdf"] {
    if (ext eq "png") {
        set terminal pngcairo size 1100,700 enhanced font "Sans,13" linewidth 1
        tfont = "Sans,15"
        psc = 1.0
    } else {
        set terminal pdfcairo size 9in,5.727in enhanced font "Sans,9" fontscale 1.0 linewidth 1.5
        tfont = "Sans,10.5"
        psc = 0.8
    }
    set output dir . "/adaptive." . ext
    reset
    set encoding utf8
    set label 91 "FDR1 of adaptive optimizers: its violation over windows of one run" \
        at screen 0.5, screen 0.965 center font tfont noenhanced
    set label 92 "models " . model_adam . " and " . model_amsgrad . ", " . version . \
        "   (S. Yaida, arXiv:1810.00004)" at screen 0.5, screen 0.925 center noenhanced
    set label 93 "the early windows (left) include the approach to stationarity, which FDR1 assumes" \
        at graph 0.97, graph 0.06 right tc rgb "#606060" noenhanced
    set tmargin 5
    set logscale x 2
    set format x "%.0f"
    set xlabel "step (window [t_0, t_1), point at √(t_0 t_1))"
    set ylabel "(LHS - RHS) / LHS  of  ⟨θ·∇f⟩ = c ⟨v^T P^{-1} v⟩   (±1σ)"
    set border 3
    set tics nomirror out
    set grid ytics lc rgb "#e4e4e4"
    set xzeroaxis lt 1 lc rgb "#404040" lw 1.5
    set key top right reverse Left samplen 1.5 box lc rgb "#c0c0c0"
    plot file using ($3 * 0.97):(fin(4)):1:2:($4 - $5):($4 + $5) with xyerrorbars \
            pt 7 ps 1.1*psc lw 1.5 lc rgb c_adam title sprintf("Adam, β_2 = %g", beta2), \
         file using ($3 * 0.97):(fin(4)) with lines lw 1 lc rgb c_adam notitle, \
         file using 3:(fin(6)):1:2:($6 - $7):($6 + $7) with xyerrorbars \
            pt 9 ps 1.2*psc lw 1.5 lc rgb c_adam99 title sprintf("Adam, β_2 = %g", beta2_high), \
         file using 3:(fin(6)) with lines lw 1 lc rgb c_adam99 notitle, \
         file using ($3 * 1.03):(fin(8)):1:2:($8 - $9):($8 + $9) with xyerrorbars \
            pt 5 ps 1.0*psc lw 1.5 lc rgb c_ams title sprintf("AMSGrad, β_2 = %g", beta2), \
         file using ($3 * 1.03):(fin(8)) with lines lw 1 lc rgb c_ams notitle
    set output
}

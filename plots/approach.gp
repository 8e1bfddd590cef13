# approach.gp - approach to stationarity (fdrsim).
#   gnuplot -e "dir='OUTDIR'" plots/approach.gp   ->  OUTDIR/approach.png, OUTDIR/approach.pdf
# Reads OUTDIR/timeseries.dat: step lr O_L O_R O_L_half O_R_half loss_excess grad_sq
# Top panel: O_L = (theta - c).grad f and O_R = (1 + mu)/(2 eta_b) |v|^2 (replica means) at every
# recorded step (thin, light) and their half-running averages (thick), on a log step axis, with the
# exact stationary value O_L = O_R (FDR1, S. Yaida, arXiv:1810.00004) when the header gives it.
# Bottom panel: the excess loss, when the file has it.
# Everything else it needs is in OUTDIR/meta.gp, written by fdrsim (README.md, "Output").

if (!exists("dir")) dir = "."
file = dir . "/timeseries.dat"
load dir . "/meta.gp"
have_exact = (ts_exact == ts_exact)
logx = (ts_npos > 0)                      # log axis needs steps > 0; else plot step linearly
panel2 = (ts_nloss > 1)
title_model = (model eq "" ? "" : ": model " . model . " (seed " . seed . ")")

# ---- style -------------------------------------------------------------------------------------
c_L = "#1f77b4"; c_Lraw = "#a9c8e6"
c_R = "#d62728"; c_Rraw = "#f2b0b0"
c_ex = "#000000"; c_loss = "#2ca02c"
# a range around a flat line (every value y, or none), as gnuplot would widen it, without a warning
flat_lo(y) = (y != y ? -1 : y - (y == 0 ? 1 : 0.01 * abs(y)))
flat_hi(y) = (y != y ? 1 : y + (y == 0 ? 1 : 0.01 * abs(y)))
xcol(c) = (logx ? (column(1) > 0 ? column(1) : NaN) : column(1))

do for [ext in "png pdf"] {
    if (ext eq "png") {
        set terminal pngcairo size 1200,800 enhanced font "Sans,13" linewidth 1
        tfont = "Sans,15"
    } else {
        set terminal pdfcairo size 10in,6.667in enhanced font "Sans,9" fontscale 1.0 linewidth 1.5
        tfont = "Sans,10.5"
    }
    set output dir . "/approach." . ext
    reset
    set encoding utf8
    set multiplot
    set label 91 "Approach to stationarity" . title_model at screen 0.535, screen 0.965 center \
        font tfont noenhanced
    set label 92 "O_L = (θ - c)·∇f,   O_R = (1 + μ)/(2η_b) |v|^2   (means over replicas)" \
        at screen 0.535, screen 0.925 center
    set lmargin at screen 0.105
    set rmargin at screen 0.97
    if (logx) {
        set logscale x
        set format x "10^{%L}"
        set mxtics 10
        if (ts_stepmax > 1) { set xrange [*:ts_stepmax] } else { set xrange [*:*] }
    } else {
        unset logscale x
        set format x "%g"
        set mxtics default
        if (ts_stepmax > 0) { set xrange [0:ts_stepmax] } else { set xrange [-1:1] }
    }
    set grid xtics ytics mxtics lc rgb "#dddddd" lw 1, lc rgb "#f0f0f0" lw 1
    set border 3 lw 1
    set tics nomirror out
    set ytics format "%g"

    # -- top panel: O_L, O_R
    if (panel2) {
        set tmargin at screen 0.81
        set bmargin at screen 0.41
        set format x ""
        unset xlabel
    } else {
        set tmargin at screen 0.81
        set bmargin at screen 0.11
        set xlabel "step" . (logx ? " (log scale; step 0 not shown)" : "")
    }
    set ylabel "O_L, O_R (loss units)"
    set key at screen 0.535, screen 0.87 center center vertical maxrows 2 reverse Left samplen 2.5 \
        spacing 1.1 width -5 box lc rgb "#bbbbbb" opaque
    if (!(ts_ymax > ts_ymin)) { set yrange [flat_lo(ts_ymin) : flat_hi(ts_ymin)] }
    if (ts_rows > 0) {
        plot file using (xcol(0)):3 with lines lw 0.8 lc rgb c_Lraw title "O_L per step", \
             file using (xcol(0)):4 with lines lw 0.8 lc rgb c_Rraw title "O_R per step", \
             file using (xcol(0)):5 with lines lw 3 lc rgb c_L title "O_L half-running average", \
             file using (xcol(0)):6 with lines lw 3 lc rgb c_R title "O_R half-running average", \
             (have_exact ? ts_exact : NaN) with lines lw 2 dt (8,5) lc rgb c_ex \
                 title (have_exact ? sprintf("exact stationary value %.4g", ts_exact) : "")
    } else {
        set label 1 "no data in timeseries.dat" at graph 0.5, graph 0.5 center
        set xrange [1:10]
        set yrange [0:1]
        plot NaN notitle
        unset label 1
    }
    unset label 91
    unset label 92

    # -- bottom panel: excess loss
    if (panel2) {
        set tmargin at screen 0.36
        set bmargin at screen 0.11
        set format x (logx ? "10^{%L}" : "%g")
        set xlabel "step" . (logx ? " (log scale; step 0 not shown)" : "")
        set ylabel "loss excess (loss units)"
        if (ts_nlosspos == ts_nloss && ts_lossratio > 30) {   # log scale when it spans decades
            set logscale y
            set format y "10^{%L}"
        }
        unset key
        set ytics autofreq
        if (ts_lossmax > ts_lossmin) { set yrange [*:*] } else {
            set yrange [flat_lo(ts_lossmin) : flat_hi(ts_lossmin)]
        }
        set ylabel offset 0,0
        plot file using (xcol(0)):7 with lines lw 2 lc rgb c_loss notitle
        unset logscale y
        set format y "%g"
    }
    unset multiplot
    set output
}

# histogram.gp - stationary marginal of one coordinate of theta against the Gaussian (fdrsim).
#   gnuplot -e "dir='OUTDIR'" plots/histogram.gp  ->  OUTDIR/histogram.png, OUTDIR/histogram.pdf
# Reads OUTDIR/histogram.dat. Header lines, each optional, in any order:
#   # model NAME ... seed N          as in the other .dat files
#   # noise LAW                       the [noise] type
#   # coordinate I                    which coordinate of theta (1-based)
#   # samples N                       all stationary samples, those outside the bins included
#   # exact mean M                    centre of the exact Gaussian marginal (theta*_I), or nan
#   # exact variance V                its variance (S_tt)_II from the Lyapunov solution, or nan
# then rows "x density count": bin centre (equal widths, increasing), count / (N * binwidth), count.
# Top panel: the histogram and the Gaussian. Bottom panel: the same on a log density axis with
# Poisson error bars, where the tails show how far a non-Gaussian noise law moves the marginal away
# from the Gaussian while its variance stays exact (the relations of S. Yaida, arXiv:1810.00004,
# hold for any law). Without an exact variance the Gaussian drawn has the histogram's own mean and
# variance, and says so. The header's facts and the bins' counts, range and moments are in
# OUTDIR/meta.gp, written by fdrsim (README.md, "Output").

if (!exists("dir")) dir = "."
file = dir . "/histogram.dat"
load dir . "/meta.gp"

have_exact = (hist_exact_var == hist_exact_var && hist_exact_var > 0)
gm = (have_exact && hist_exact_mean == hist_exact_mean) ? hist_exact_mean : hist_mean
gv = have_exact ? hist_exact_var : hist_var
have_gauss = (gv > 0)
outside = (hist_samples == hist_samples && hist_samples > hist_binned) ? hist_samples - hist_binned : 0

xname = sprintf("θ_{%d}", hist_coord)
title_model = (model eq "" ? "" : ": model " . model . " (seed " . seed . ")")
gauss_title = have_exact ? sprintf("exact Gaussian marginal (Lyapunov): mean %.4g, variance %.4g", gm, gv) \
                         : sprintf("Gaussian with the histogram's mean %.4g and variance %.4g", gm, gv)
sub = hist_binned + outside == 0 ? "no samples" : \
      sprintf("%d samples%s%s;  binned: variance %.4g, excess kurtosis %.3g", \
              hist_binned + outside, (outside > 0 ? sprintf(" (%d outside the bins)", outside) : ""), \
              (hist_noise eq "" ? "" : ", " . hist_noise . " noise"), hist_var, hist_kurt)

gauss(x) = exp(-(x - gm)**2 / (2 * gv)) / sqrt(2 * pi * gv)
# Poisson error of a density from its count; the lower end is kept inside the log axis
derr(d, c) = c > 0 ? d / sqrt(c) : NaN
dlow(d, c, floor) = c > 0 ? (d - derr(d, c) > floor ? d - derr(d, c) : floor) : NaN
pos(d, c) = (c > 0 && d > 0) ? d : NaN

# ---- style -------------------------------------------------------------------------------------
c_L = "#1f77b4"; c_Lraw = "#a9c8e6"
c_R = "#d62728"
c_ex = "#000000"
c_g = have_exact ? c_ex : c_R

do for [ext in "png pdf"] {
    if (ext eq "png") {
        set terminal pngcairo size 1200,800 enhanced font "Sans,13" linewidth 1
        tfont = "Sans,15"
    } else {
        set terminal pdfcairo size 10in,6.667in enhanced font "Sans,9" fontscale 1.0 linewidth 1.5
        tfont = "Sans,10.5"
    }
    set output dir . "/histogram." . ext
    reset
    set encoding utf8
    set multiplot
    set label 91 "Stationary marginal of " . xname . title_model at screen 0.535, screen 0.965 \
        center font tfont
    set label 92 sub at screen 0.535, screen 0.925 center noenhanced
    set lmargin at screen 0.105
    set rmargin at screen 0.97
    set grid xtics ytics lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    if (hist_rows > 0) {
        set xrange [hist_xmin - hist_binw / 2 : hist_xmax + hist_binw / 2]
    } else {
        set xrange [-1:1]
    }
    set samples 1000

    # -- top panel: linear density (the whole height when there is no log panel)
    set tmargin at screen 0.81
    if (hist_npos > 0) {
        set bmargin at screen 0.48
        set format x ""
        unset xlabel
    } else {
        set bmargin at screen 0.11
        set xlabel xname
    }
    set ylabel "density"
    set yrange [0:*]
    set boxwidth hist_binw absolute
    set style fill solid 0.6 border lc rgb c_L
    set key at screen 0.535, screen 0.87 center center vertical maxrows 2 reverse Left samplen 2.5 \
        spacing 1.1 width -5 box lc rgb "#bbbbbb" opaque noenhanced
    if (hist_rows > 0) {
        plot file using 1:2 with boxes lc rgb c_Lraw title "histogram (density = count / (N · bin width))", \
             (have_gauss ? gauss(x) : NaN) with lines lw 2.5 dt (8,5) lc rgb c_g title gauss_title
    } else {
        set label 1 "no data in histogram.dat" at graph 0.5, graph 0.5 center
        unset key
        set yrange [0:1]
        plot NaN notitle
        unset label 1
    }
    unset label 91
    unset label 92

    # -- bottom panel: log density, where the tails show
    if (hist_npos > 0) {
        floor = hist_dmin / 3
        set tmargin at screen 0.44
        set bmargin at screen 0.11
        set format x "%g"
        set xlabel xname
        set ylabel "density (log scale)"
        set logscale y
        set format y "10^{%L}"
        set yrange [floor : hist_dmax * 3]
        unset key
        set style fill empty
        plot file using 1:(pos($2, $3)):(dlow($2, $3, floor)):(pos($2, $3) + derr($2, $3)) \
                 with yerrorbars pt 7 ps 0.6 lc rgb c_L notitle, \
             (have_gauss ? gauss(x) : NaN) with lines lw 2.5 dt (8,5) lc rgb c_g notitle
        unset logscale y
    }
    unset multiplot
    set output
}

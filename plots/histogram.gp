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
# Top panel: the histogram and, on a quadratic landscape only, the exact Gaussian reference (mean
# and variance from the Lyapunov solution). Bottom panel: the same on a log density axis with
# Poisson error bars, where the tails show how far a non-Gaussian noise law moves the marginal away
# from the Gaussian while its variance stays exact (the relations of S. Yaida, arXiv:1810.00004,
# hold for any law). Off the quadratic no Gaussian is drawn (the marginal may have several modes),
# and the subtitle says so. The axis spans the 0.1 % to 99.9 % quantiles; the rest is counted. The header's facts and the bins' counts, range and moments are in
# OUTDIR/meta.gp, written by fdrsim (README.md, "Output").

if (!exists("dir")) dir = "."
file = dir . "/histogram.dat"
load dir . "/meta.gp"
fig = "histogram"; fig_aspect = 0.75
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"

isfinite(x) = (x == x && abs(x) < 1e300)
have_exact = (isfinite(hist_exact_var) && hist_exact_var > 0)
gm = (have_exact && isfinite(hist_exact_mean)) ? hist_exact_mean : hist_mean
gv = hist_exact_var
outside = (hist_samples == hist_samples && hist_samples > hist_binned) ? hist_samples - hist_binned : 0

# the Gaussian only where it is the reference: the exact marginal of a quadratic landscape (exact
# for Gaussian noise; for another law its mean and variance are exact, its shape is not). Off the
# quadratic the marginal may have several modes, and a Gaussian through its moments means nothing.
gauss_title = (hist_noise eq "gaussian" ? "exact marginal (Gaussian)" : "Gaussian, exact mean and variance")

gauss(x) = exp(-(x - gm)**2 / (2 * gv)) / sqrt(2 * pi * gv)
# Poisson error of a density from its count; the lower end is kept inside the log axis
derr(d, c) = c > 0 ? d / sqrt(c) : NaN
dlow(d, c, floor) = c > 0 ? (d - derr(d, c) > floor ? d - derr(d, c) : floor) : NaN
pos(d, c) = (c > 0 && d > 0) ? d : NaN

c_L = "#1f77b4"; c_Lraw = "#a9c8e6"; c_ex = "#000000"
ytop = 1 - (plot_title ? 3.4 : 0.6) * ch
ybot = 2.9 * ch
hmid = ybot + 0.5 * (ytop - ybot)

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    set multiplot
    xname = sprintf(L("θ_{%d}", "$\\theta_{%d}$"), hist_coord)
    title_model = (model eq "" ? "" : ": " . raw(model) . " (seed " . seed . ")")
    sub = hist_binned + outside == 0 ? "no samples" : \
          sprintf(L("%d samples%s; excess kurtosis %.2g", "%d samples%s; excess kurtosis $%.2g$"), \
                  hist_binned + outside, (outside > 0 ? sprintf(", %d beyond the axis", outside) : ""), \
                  hist_kurt)
    sub2 = (hist_noise eq "" ? "" : raw(hist_noise) . " noise; ") . \
           (have_exact ? "quadratic: exact reference" : "not a quadratic: no Gaussian reference")
    if (plot_title) {
        set label 91 fit_title("Marginal of " . xname, title_model) at screen 0.5, \
            screen 1 - 0.75 * ch center font tfont
        set label 92 sub at screen 0.5, screen 1 - 1.8 * ch center font sfont noenhanced
        set label 93 sub2 at screen 0.5, screen 1 - 2.7 * ch center font sfont noenhanced
    }
    set lmargin 9
    set rmargin 2
    set grid xtics ytics lc rgb "#e0e0e0" lw 1
    set border 3 lw 1
    set tics nomirror out scale 0.6
    if (hist_rows > 0) {
        set xrange [hist_xmin - hist_binw / 2 : hist_xmax + hist_binw / 2]
    } else {
        set xrange [-1:1]
    }
    set samples 1000

    # -- top panel: linear density (the whole height when there is no log panel)
    set tmargin at screen ytop
    if (hist_npos > 0) {
        set bmargin at screen hmid + 0.4 * ch
        set format x ""
        unset xlabel
    } else {
        set bmargin at screen ybot
        set xlabel xname
    }
    set ylabel "density"
    set yrange [0:*]
    set offsets 0, 0, graph (have_exact ? 0.45 : 0.25), 0
    if (hist_dmax > 0) { set ytics nicestep(hist_dmax * 1.4 / 4) }
    set boxwidth hist_binw absolute
    set style fill solid 0.6 border lc rgb c_L
    set key top right reverse Left samplen 1.5 width (latex ? 4 : 0) opaque box lc rgb "#cccccc" font sfont
    if (hist_rows > 0) {
        plot file using 1:2 with boxes lc rgb c_Lraw title "histogram", \
             (have_exact ? gauss(x) : NaN) with lines lw 2 dt (10,6) lc rgb c_ex \
                 title (have_exact ? gauss_title : "")
    } else {
        set label 1 "no data in histogram.dat" at graph 0.5, graph 0.5 center
        unset key
        set yrange [0:1]
        plot NaN notitle
        unset label 1
    }
    unset label 91
    unset label 92
    unset label 93
    set offsets 0, 0, 0, 0
    set ytics autofreq

    # -- bottom panel: log density, where the tails show
    if (hist_npos > 0) {
        floor = hist_dmin / 3
        set tmargin at screen hmid - 0.4 * ch
        set bmargin at screen ybot
        set format x L("%g", "$%g$")
        set xlabel xname
        set ylabel "density (log)"
        set logscale y
        set format y L("10^{%L}", "$10^{%L}$")
        set yrange [floor : hist_dmax * 3]
        unset key
        set style fill empty
        plot file using 1:(pos($2, $3)):(dlow($2, $3, floor)):(pos($2, $3) + derr($2, $3)) \
                 with yerrorbars pt 7 ps 0.5 * psc lc rgb c_L notitle, \
             (have_exact ? gauss(x) : NaN) with lines lw 2 dt (10,6) lc rgb c_ex notitle
        unset logscale y
    }
    unset multiplot
    set output
}

# accuracy.gp - how well the estimators read a landscape off SGD's fluctuations (fdrsim figures).
#   fdrsim figures -o DIR   ->  DIR/accuracy/accuracy.png, .pdf (the formats of plot.gp)
# Reads DIR/accuracy/accuracy.dat, one row per (model, estimator):
#   model estimator x est err exact dev dev_err z
# the eta -> 0 estimators of the sweeps of a quadratic, a quartic and a Gaussian mixture (fits of
# G(eta) over each sweep's learning rates: the intercept a1 -> Tr(H* C*)/2, the curvature limit
# Tr(H* C*)/Tr(C*), and the anharmonic coefficients b2, b3), against their exact values.
# Top: the deviation (est - exact)/|exact| in percent with 1-sigma error bars (none
# where the exact value is 0: the quadratic's anharmonic part). Bottom: z = (est - exact)/error,
# with the band |z| < 2 shaded: a point outside it is an estimator biased at the sweep's learning
# rates (or a fit that leaves out higher orders), not noise.
# Size, font and formats come from plots/terminal.gp.

if (!exists("dir")) dir = "."
file = dir . "/accuracy.dat"
load dir . "/meta.gp"
fig = "accuracy"; fig_aspect = 0.9
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"

array pal[3] = ["#1f77b4", "#d62728", "#2ca02c"]
array ptype[3] = [7, 5, 9]
nm = |acc_models|; ne = |acc_names|
array label[4] = ["a_1", "curvature", "b_2", "b_3"]
array label_tex[4] = ["$a_1$", "curvature", "$b_2$", "$b_3$"]
fin(c) = (valid(c) && column(c) == column(c) && abs(column(c)) < 1e300 ? column(c) : NaN)
mid(j) = (j - 1) * (nm + 1) + (nm - 1) / 2.0

ytop = 1 - (plot_title ? 2.9 : 0.6) * ch
ybot = 3.2 * ch
ymid = ybot + 0.45 * (ytop - ybot)

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    set multiplot
    if (plot_title) {
        set label 91 "Estimators against their exact values" at screen 0.5, \
            screen 1 - 0.75 * ch center font tfont
        set label 92 L("η → 0 fits of G(η) over three sweeps (±1σ)", \
                       "$\\eta \\to 0$ fits of $G(\\eta)$ over three sweeps ($\\pm 1\\sigma$)") at screen 0.5, \
            screen 1 - 1.85 * ch center font sfont
    }
    set lmargin 10
    set rmargin 2
    set border 3
    set tics nomirror out
    set grid ytics lc rgb "#e4e4e4"
    set xrange [-0.8:(ne - 1) * (nm + 1) + nm - 0.2]
    set xtics ()
    do for [j = 1:ne] { set xtics add ("" mid(j)) }
    set xzeroaxis lt 1 lc rgb "#606060" lw 1

    # -- top: relative deviation
    set tmargin at screen ytop
    set bmargin at screen ymid + 0.3 * ch
    set ylabel L("deviation (%)", "deviation (\\%)")
    set key top left Left reverse samplen 1 font vfont box lc rgb "#cccccc" opaque
    plot for [k = 1:nm] file using (strcol(1) eq acc_models[k] ? $3 : NaN):(100 * fin(7)):(100 * fin(8)) \
             with yerrorbars pt ptype[k] ps psc lw 1.5 lc rgb pal[k] title raw(acc_models[k]) noenhanced
    unset label 91
    unset label 92

    # -- bottom: z
    set tmargin at screen ymid - 0.3 * ch
    set bmargin at screen ybot
    set xtics ()
    do for [j = 1:ne] { set xtics add (L(label[j], label_tex[j]) mid(j)) }
    set ylabel L("z", "$z$")
    stats file using (fin(9)) nooutput
    zmax = (STATS_records > 0 ? (abs(STATS_min) > abs(STATS_max) ? abs(STATS_min) : abs(STATS_max)) : 4)
    set ytics nicestep(zmax / 2.0)
    unset key
    set object 1 rect from graph 0, first -2 to graph 1, first 2 fc rgb "#eeeeee" fs solid noborder behind
    plot for [k = 1:nm] file using (strcol(1) eq acc_models[k] ? $3 : NaN):(fin(9)) \
             with points pt ptype[k] ps psc lc rgb pal[k] notitle
    unset object 1
    unset multiplot
    set output
}

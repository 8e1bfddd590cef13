# sweep.gp - G and its estimators over a sweep's grid, one curve per line of the grid; along the
#   learning rate the paper's Fig. 3 where the truth is known (fdrsim).
#   gnuplot -e "dir='OUTDIR'" plots/sweep.gp   ->  OUTDIR/sweep.png, OUTDIR/sweep.pdf
# Reads OUTDIR/sweep.dat (written by `fdrsim sweep`): per line L (0-based) index 2L one row per
#   point: x lr G(3) G_err G_exact G_harmonic ... anharmonic(22) anharmonic_err
#   anharmonic_terms anharmonic_terms_err hessian(26) hessian_err hessian_exact ... fdr1_z(32),
# and index 2L+1 the curves: x G_fit a1_lr a1_exact_lr G_curve hessian_fit hessian_curve (off the
#   learning rate: the exact values at the points).
# x is the learning rate when it is swept, else the first other swept key; a line is a run of
#   points along x at fixed values of the other keys (titles[L] in the key).
# Top panel: G = (1 - nu)<|grad f|^2> - (mu/eta)<v.grad f> with 1-sigma error bars and the exact
#   curve (Lyapunov) on a quadratic, or the harmonic approximation at the minimum elsewhere;
#   along lr also the weighted fit a1 eta + a2 eta^2 + a3 eta^3 (and, for one line, the harmonic
#   line a1 eta and its exact eta -> 0 slope) (S. Yaida, arXiv:1810.00004, Fig. 3).
# Middle panel: the Hessian-magnitude estimator 2 G/eta (times (1 - mu^2)/(1 - nu)^2), whose
#   eta -> 0 limit is Tr(H* C*), with its exact value.
# Bottom panel: the anharmonic part G - F2/eta with error bars against (F3 + F4 + ...)/eta,
#   equal by FDR2 (zero on a quadratic).
# Everything else it needs is in OUTDIR/meta.gp, written by fdrsim (README.md, "Output").

if (!exists("dir")) dir = "."
file = dir . "/sweep.dat"
load dir . "/meta.gp"

isfinite(x) = (x == x && abs(x) < 1e300)
have_curve = (curve eq "exact" || curve eq "harmonic approximation")
curve_title = (curve eq "exact" ? "exact (Lyapunov)" : "harmonic approximation at the minimum")
title_model = (model eq "" ? "" : ": model " . model . " (seed " . seed . " + p·1000003)")
one = (nlines == 1)
xname = (x_is_lr ? "learning rate η" : xkey)
# the title of line L in the key: its values of the other keys, or the quantity for one line
ltitle(L, what) = (one || titles[L] eq "" ? what : titles[L])

# ---- style -------------------------------------------------------------------------------------
array pal[8] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
color(L) = pal[(L - 1) % 8 + 1]
c_fit = "#9ecae1"; c_harm = "#d62728"; c_lim = "#7f7f7f"; c_ex = "#000000"
c_anh = "#2ca02c"; c_terms = "#ff7f0e"
fin(c) = (valid(c) && isfinite(column(c)) ? column(c) : NaN)
excolor(L) = (one ? c_ex : color(L))
fitcolor(L) = (one ? c_fit : color(L))
fitdt = (one ? 1 : 3)
have_a1 = isfinite(a1[1])
have_a1_exact = isfinite(a1_exact[1])
have_trhc = x_is_lr && isfinite(trhc[1])

do for [ext in "png pdf"] {
    if (ext eq "png") {
        set terminal pngcairo size 1200,1000 enhanced font "Sans,13" linewidth 1
        tfont = "Sans,15"
    } else {
        set terminal pdfcairo size 10in,8.333in enhanced font "Sans,9" fontscale 1.0 linewidth 1.5
        tfont = "Sans,10.5"
    }
    set output dir . "/sweep." . ext
    reset
    set encoding utf8
    set multiplot
    set label 91 (x_is_lr ? "G(η) over learning rates" : "G and its estimators over " . xkey) . \
        title_model at screen 0.535, screen 0.972 center font tfont noenhanced
    set label 92 (x_is_lr ? "G(η) = (1 - ν)<|∇f|²> - (μ/η)<v·∇f> = a1 η + a2 η² + a3 η³,   " . \
        "a1 → (1 - ν)²/(1 - μ²) Tr(H* C*)/2   (errors 1σ)" : \
        "G = (1 - ν)<|∇f|²> - (μ/η)<v·∇f> at each point against its exact value   (errors 1σ)") \
        at screen 0.535, screen 0.94 center noenhanced
    set lmargin at screen 0.105
    set rmargin at screen 0.97
    set grid xtics ytics lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    set ytics format "%g"
    if (x_is_lr) {
        if (xmax > 0) { set xrange [0:1.04 * xmax] } else { set xrange [0:*] }
    } else {
        # values that are not numbers sit at their index, labelled (bottom panel) with the value
        if (!x_numeric) {
            set xtics ()
            do for [i = 1:|xvalues|] { set xtics add ("" i - 1) }
        }
        pad = (xmax > xmin ? 0.05 * (xmax - xmin) : 0.5)
        set xrange [xmin - pad:xmax + pad]
    }

    if (npts == 0) {
        set label 1 "no data in sweep.dat" at graph 0.5, graph 0.5 center
        set xrange [0:1]
        set yrange [0:1]
        plot NaN notitle
    } else {
        # -- top panel: G
        set tmargin at screen 0.90
        set bmargin at screen 0.52
        set format x ""
        set ylabel (x_is_lr ? "G(η) (loss units per unit η)" : "G (loss units per unit η)")
        if (!x_is_lr) { set offsets 0, 0, graph 0.35, graph 0.05 }
        set key top left Left reverse samplen 2.5 spacing 1.15 box lc rgb "#bbbbbb" opaque
        plot for [L=1:nlines] file index 2 * L - 1 using 1:(fin(5)) with linespoints lw 2.5 \
                 pt (x_is_lr ? -1 : 6) ps 1.8 lc rgb excolor(L) title (L == 1 && have_curve ? curve_title : ""), \
             for [L=1:(one && x_is_lr ? 1 : 0)] file index 1 using 1:(fin(4)) with lines lw 1.5 \
                 dt (2,4) lc rgb c_lim \
                 title (have_a1_exact ? sprintf("exact η → 0 line, slope %.4g", a1_exact[1]) : ""), \
             for [L=1:(one && x_is_lr ? 1 : 0)] file index 1 using 1:(fin(3)) with lines lw 2 \
                 dt (8,5) lc rgb c_harm \
                 title (have_a1 ? sprintf("fitted harmonic line a_1 η, a_1 = %.4g ± %.2g", a1[1], a1_err[1]) : ""), \
             for [L=1:(x_is_lr ? nlines : 0)] file index 2 * L - 1 using 1:(fin(2)) with lines lw 1.5 \
                 dt fitdt lc rgb fitcolor(L) \
                 title (L == 1 ? "fit a_1 η + a_2 η^2 + a_3 η^3" . (one ? "" : " (dotted)") : ""), \
             for [L=1:nlines] file index 2 * L - 2 using 1:(fin(3)):(fin(4)) with yerrorbars pt 7 \
                 ps 1.1 lw 1.5 lc rgb color(L) title ltitle(L, "G, simulated") noenhanced
        unset label 91
        unset label 92

        # -- middle panel: Hessian magnitude 2 G / eta
        set tmargin at screen 0.50
        set bmargin at screen 0.31
        set ylabel "2G/η · (1-μ^2)/(1-ν)^2"
        # only a single line along lr keeps the top left free for the key: else make room above
        if (x_is_lr && one) { set offsets 0, 0, graph 0.08, graph 0.08 } else { set offsets 0, 0, graph 0.25 * (nlines + 2), graph 0.08 }
        set key top left Left reverse samplen 2.5 spacing 1.1 box lc rgb "#bbbbbb" opaque
        plot for [L=1:nlines] file index 2 * L - 1 using 1:(!x_is_lr || column(1) > 0 ? fin(7) : NaN) \
                 with linespoints lw 2.5 pt (x_is_lr ? -1 : 6) ps 1.8 lc rgb excolor(L) \
                 title (L == 1 && have_curve ? curve_title : ""), \
             (have_trhc ? trhc[1] : NaN) with lines lw 1.5 dt (2,4) lc rgb c_lim \
                 title (have_trhc ? sprintf("limit Tr(H^* C^*) = %.4g", trhc[1]) : ""), \
             for [L=1:(x_is_lr ? nlines : 0)] file index 2 * L - 1 using 1:(fin(6)) with lines \
                 lw 1.5 dt fitdt lc rgb fitcolor(L) title (L == 1 ? "from the fit of G" : ""), \
             for [L=1:nlines] file index 2 * L - 2 using 1:(fin(26)):(fin(27)) with yerrorbars pt 7 \
                 ps 1.1 lw 1.5 lc rgb color(L) title ltitle(L, "Hessian-magnitude estimator") noenhanced

        # -- bottom panel: anharmonic part
        set tmargin at screen 0.29
        set bmargin at screen 0.08
        set format x "%g"
        if (!x_numeric) {
            set xtics ()
            do for [i = 1:|xvalues|] { set xtics add (xvalues[i] i - 1) }
        }
        set xlabel xname noenhanced
        set ylabel "G - F_2/η"
        # room for the key on the side the anharmonic part does not grow towards
        if (anhlast > 0) {
            set offsets 0, 0, graph 0.05, graph 0.45
            set key bottom right Left reverse samplen 2.5 spacing 1.1 box lc rgb "#bbbbbb" opaque
        } else {
            set offsets 0, 0, graph 0.45, graph 0.05
            set key top right Left reverse samplen 2.5 spacing 1.1 box lc rgb "#bbbbbb" opaque
        }
        if (nanh > 0) {
            plot 0 with lines lw 1 lc rgb c_lim notitle, \
                 for [L=1:nlines] file index 2 * L - 2 using 1:(fin(24)):(fin(25)) with yerrorbars \
                     pt 5 ps 0.9 lw 1.5 lc rgb (one ? c_terms : color(L)) \
                     title (L == 1 ? "(F_3 + F_4 + ...)/η, exact derivatives" . (one ? "" : " (squares)") : ""), \
                 for [L=1:nlines] file index 2 * L - 2 using 1:(fin(22)):(fin(23)) with yerrorbars \
                     pt 7 ps 1.1 lw 1.5 lc rgb (one ? c_anh : color(L)) \
                     title (L == 1 ? "anharmonic part G - F_2/η" . (one ? "" : " (circles)") : "")
        } else {
            unset key
            set label 2 "FDR2 terms not measured (run.fdr2 = off)" at graph 0.5, graph 0.5 center
            set yrange [-1:1]
            plot NaN notitle
        }
    }
    unset multiplot
    set output
}

# sweep.gp - G(eta) over learning rates, the paper's Fig. 3 where the truth is known (fdrsim).
#   gnuplot -e "dir='OUTDIR'" plots/sweep.gp   ->  OUTDIR/sweep.png, OUTDIR/sweep.pdf
# Reads OUTDIR/sweep.dat (written by `fdrsim sweep`): index 0 one row per learning rate
#   lr G G_err G_exact G_harmonic ... anharmonic(21) anharmonic_err anharmonic_terms
#   anharmonic_terms_err hessian(25) hessian_err hessian_exact ...
# and index 1 the curves: lr G_fit a1_lr a1_exact_lr G_curve hessian_fit hessian_curve.
# Top panel: G(eta) = (1 - nu)<|grad f|^2> - (mu/eta)<v.grad f> with 1-sigma error bars, the
#   weighted fit a1 eta + a2 eta^2 + a3 eta^3, the harmonic line a1 eta (fitted) and its exact
#   eta -> 0 slope, and the exact curve (Lyapunov) on a quadratic, or the harmonic approximation
#   at the minimum elsewhere (S. Yaida, arXiv:1810.00004, Fig. 3).
# Middle panel: the Hessian-magnitude estimator 2 G/eta (times (1 - mu^2)/(1 - nu)^2), whose
#   eta -> 0 limit is Tr(H* C*): the departure of G from linear, magnified.
# Bottom panel: the anharmonic part G - F2/eta with error bars against (F3 + F4 + ...)/eta,
#   equal by FDR2 (zero on a quadratic).
# Everything else it needs is in OUTDIR/meta.gp, written by fdrsim (README.md, "Output").

if (!exists("dir")) dir = "."
file = dir . "/sweep.dat"
load dir . "/meta.gp"
fig = "sweep"; fig_aspect = 1.1
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"

isfinite(x) = (x == x && abs(x) < 1e300)
have_a1 = isfinite(a1)
have_a1_exact = isfinite(a1_exact)
have_trhc = isfinite(trhc)
have_curve = (curve eq "exact" || curve eq "harmonic approximation")
curve_title = (curve eq "exact" ? "exact G(η) (Lyapunov)" : "harmonic approximation at the minimum")
curve_title2 = (curve eq "exact" ? "exact (Lyapunov)" : "harmonic approximation at the minimum")
title_model = (model eq "" ? "" : ": model " . model . " (seed " . seed . " + p·1000003)")

# ---- style -------------------------------------------------------------------------------------
c_pts = "#1f77b4"; c_fit = "#9ecae1"; c_harm = "#d62728"; c_lim = "#7f7f7f"; c_ex = "#000000"
c_anh = "#2ca02c"; c_terms = "#ff7f0e"
fin(c) = (valid(c) && isfinite(column(c)) ? column(c) : NaN)

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    set multiplot
    set label 91 "G(η) over learning rates" . title_model at screen 0.535, screen 1 - 0.75 * ch center \
        font tfont noenhanced
    set label 92 "G(η) = (1 - ν)<|∇f|²> - (μ/η)<v·∇f> = a1 η + a2 η² + a3 η³,   " . \
        "a1 → (1 - ν)²/(1 - μ²) Tr(H* C*)/2   (errors 1σ)" at screen 0.535, screen 1 - 1.85 * ch center \
        noenhanced
    if (!plot_title) { unset label 91; unset label 92 }
    set lmargin at screen 0.105
    set rmargin at screen 0.97
    set grid xtics ytics lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    set ytics format "%g"
    if (lrmax > 0) { set xrange [0:1.04 * lrmax] } else { set xrange [0:*] }

    if (npts == 0) {
        set label 1 "no data in sweep.dat" at graph 0.5, graph 0.5 center
        set xrange [0:1]
        set yrange [0:1]
        plot NaN notitle
    } else {
        # -- top panel: G(eta)
        set tmargin at screen 0.90
        set bmargin at screen 0.52
        set format x ""
        set ylabel "G(η) (loss units per unit η)"
        set key top left Left reverse samplen 2.5 spacing 1.15 box lc rgb "#bbbbbb" opaque
        plot file index 1 using 1:(fin(5)) with lines lw 2.5 lc rgb c_ex \
                 title (have_curve ? curve_title : ""), \
             file index 1 using 1:(fin(4)) with lines lw 1.5 dt (2,4) lc rgb c_lim \
                 title (have_a1_exact ? sprintf("exact η → 0 line, slope %.4g", a1_exact) : ""), \
             file index 1 using 1:(fin(3)) with lines lw 2 dt (8,5) lc rgb c_harm \
                 title (have_a1 ? sprintf("fitted harmonic line a_1 η, a_1 = %.4g ± %.2g", a1, a1_err) : ""), \
             file index 1 using 1:(fin(2)) with lines lw 1.5 lc rgb c_fit title "fit a_1 η + a_2 η^2 + a_3 η^3", \
             file index 0 using 1:(fin(2)):(fin(3)) with yerrorbars pt 7 ps 1.1 lw 1.5 lc rgb c_pts \
                 title "G(η), simulated"
        unset label 91
        unset label 92

        # -- middle panel: Hessian magnitude 2 G / eta
        set tmargin at screen 0.50
        set bmargin at screen 0.31
        set ylabel "2G/η · (1-μ^2)/(1-ν)^2"
        set offsets 0, 0, graph 0.08, graph 0.08
        set key top left Left reverse samplen 2.5 spacing 1.1 box lc rgb "#bbbbbb" opaque
        plot file index 1 using 1:(column(1) > 0 ? fin(7) : NaN) with lines lw 2.5 lc rgb c_ex \
                 title (have_curve ? curve_title2 : ""), \
             (have_trhc ? trhc : NaN) with lines lw 1.5 dt (2,4) lc rgb c_lim \
                 title (have_trhc ? sprintf("limit Tr(H^* C^*) = %.4g", trhc) : ""), \
             file index 1 using 1:(fin(6)) with lines lw 1.5 lc rgb c_fit title "from the fit of G", \
             file index 0 using 1:(fin(25)):(fin(26)) with yerrorbars pt 7 ps 1.1 lw 1.5 lc rgb c_pts \
                 title "Hessian-magnitude estimator"

        # -- bottom panel: anharmonic part
        set tmargin at screen 0.29
        set bmargin at screen 0.08
        set format x "%g"
        set xlabel "learning rate η"
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
                 file index 0 using 1:(fin(23)):(fin(24)) with yerrorbars pt 5 ps 0.9 lw 1.5 lc rgb c_terms \
                     title "(F_3 + F_4 + ...)/η, exact derivatives", \
                 file index 0 using 1:(fin(21)):(fin(22)) with yerrorbars pt 7 ps 1.1 lw 1.5 lc rgb c_anh \
                     title "anharmonic part G - F_2/η"
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

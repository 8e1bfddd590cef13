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
title_model = (model eq "" ? "" : ": " . model . " (seed " . seed . " + p·1000003)")

# ---- style -------------------------------------------------------------------------------------
c_pts = "#1f77b4"; c_fit = "#9ecae1"; c_harm = "#d62728"; c_lim = "#7f7f7f"; c_ex = "#000000"
c_anh = "#2ca02c"; c_terms = "#ff7f0e"
fin(c) = (valid(c) && isfinite(column(c)) ? column(c) : NaN)

ytop = 1 - (plot_title ? 2.9 : 0.6) * ch
ybot = 3.0 * ch
y1 = ybot + 0.55 * (ytop - ybot)
y2 = ybot + 0.27 * (ytop - ybot)
gmax = 1
if (npts > 0) {
    stats file index 0 using (fin(2) + (fin(3) == fin(3) ? fin(3) : 0)) nooutput
    if (STATS_records > 0 && STATS_max > 0) { gmax = STATS_max }
}
# tick steps of the two lower panels from the spans of their points and error bars
span(lo, hi) = (hi > lo ? hi - lo : 1)
hstep = 1; astep = 1
if (npts > 0) {
    stats file index 0 using (fin(25) + (fin(26) == fin(26) ? fin(26) : 0)) nooutput
    if (STATS_records > 0) { hhi = STATS_max; stats file index 0 using (fin(25) - (fin(26) == fin(26) ? fin(26) : 0)) nooutput; hstep = nicestep(span(STATS_min, hhi) / 2.0) }
}
if (nanh > 0) {
    stats file index 0 using (fin(21) + (fin(22) == fin(22) ? fin(22) : 0)) nooutput
    if (STATS_records > 0) { ahi = STATS_max; stats file index 0 using (fin(21) - (fin(22) == fin(22) ? fin(22) : 0)) nooutput; astep = nicestep(span(STATS_min, ahi < 0 ? 0 : ahi) / 2.5) }
}

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    set multiplot
    if (plot_title) {
        set label 91 fit_title("G(η) over learning rates", title_model) at screen 0.5, \
            screen 1 - 0.75 * ch center font tfont noenhanced
        set label 92 "G(η) = (1 − ν)⟨|∇f|^2⟩ − (μ/η)⟨v·∇f⟩ = a_1η + a_2η^2 + a_3η^3 (±1σ)" \
            at screen 0.5, screen 1 - 1.85 * ch center font sfont
    }
    set lmargin 10
    set rmargin 2
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
        set tmargin at screen ytop
        set bmargin at screen y1
        set format x ""
        set ylabel "G(η)"
        set ytics nicestep(gmax / 3.0)
        set offsets 0, 0, graph 0.6, 0
        set key top left Left reverse samplen 1.5 spacing 0.9 box lc rgb "#cccccc" opaque font vfont
        plot file index 1 using 1:(fin(5)) with lines lw 2.5 lc rgb c_ex \
                 title (have_curve ? curve_title : ""), \
             file index 1 using 1:(fin(4)) with lines lw 1.5 dt (2,4) lc rgb c_lim \
                 title (have_a1_exact ? sprintf("exact η → 0 slope %.4g", a1_exact) : ""), \
             file index 1 using 1:(fin(3)) with lines lw 2 dt (8,5) lc rgb c_harm \
                 title (have_a1 ? sprintf("a_1η, a_1 = %.4g ± %.2g", a1, a1_err) : ""), \
             file index 1 using 1:(fin(2)) with lines lw 1.5 lc rgb c_fit title "cubic fit", \
             file index 0 using 1:(fin(2)):(fin(3)) with yerrorbars pt 7 ps psc lw 1.5 lc rgb c_pts \
                 title "simulated"
        unset label 91
        unset label 92

        # -- middle panel: Hessian magnitude 2 G / eta
        set tmargin at screen y1 - 0.6 * ch
        set bmargin at screen y2
        set ylabel "2G/η·(1−μ^2)/(1−ν)^2" font vfont
        set ytics hstep
        set offsets 0, 0, graph 0.08, graph 0.08
        unset key
        if (have_trhc) {
            set label 3 sprintf("Tr(H^*C^*) = %.4g", trhc) at graph 0.98, first trhc right offset 0, 0.6 \
                font vfont tc rgb c_lim
        }
        plot file index 1 using 1:(column(1) > 0 ? fin(7) : NaN) with lines lw 2.5 lc rgb c_ex \
                 title (have_curve ? curve_title2 : ""), \
             (have_trhc ? trhc : NaN) with lines lw 1.5 dt (2,4) lc rgb c_lim \
                 title (have_trhc ? sprintf("limit Tr(H^* C^*) = %.4g", trhc) : ""), \
             file index 1 using 1:(fin(6)) with lines lw 1.5 lc rgb c_fit title "from the fit of G", \
             file index 0 using 1:(fin(25)):(fin(26)) with yerrorbars pt 7 ps psc lw 1.5 lc rgb c_pts \
                 notitle
        unset label 3

        # -- bottom panel: anharmonic part
        set tmargin at screen y2 - 0.6 * ch
        set bmargin at screen ybot
        set format x "%g"
        set xlabel "learning rate η"
        set ylabel "G − F_2/η"
        set ytics astep
        # room for the key on the side the anharmonic part does not grow towards
        if (anhlast > 0) {
            set offsets 0, 0, graph 0.05, graph 0.45
            set key bottom right Left reverse samplen 1.5 spacing 0.9 box lc rgb "#cccccc" opaque font vfont
        } else {
            set offsets 0, 0, graph 0.45, graph 0.05
            set key top right Left reverse samplen 1.5 spacing 0.9 box lc rgb "#cccccc" opaque font vfont
        }
        if (nanh > 0) {
            plot 0 with lines lw 1 lc rgb c_lim notitle, \
                 file index 0 using 1:(fin(23)):(fin(24)) with yerrorbars pt 5 ps 0.8*psc lw 1.5 lc rgb c_terms \
                     title "(F_3 + F_4 + …)/η", \
                 file index 0 using 1:(fin(21)):(fin(22)) with yerrorbars pt 7 ps psc lw 1.5 lc rgb c_anh \
                     title "G − F_2/η"
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

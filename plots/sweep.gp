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
fig = "sweep"; fig_aspect = 1.1
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"

isfinite(x) = (x == x && abs(x) < 1e300)
have_curve = (curve eq "exact" || curve eq "harmonic approximation")
curve_title = (curve eq "exact" ? "exact (Lyapunov)" : "harmonic approximation at the minimum")
one = (nlines == 1)
# the title of line L in the key: its values of the other keys, or the quantity for one line
ltitle(L, what) = (one || titles[L] eq "" ? what : raw(titles[L]))

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

ytop = 1 - (plot_title ? 2.9 : 0.6) * ch
ybot = 3.0 * ch
y1 = ybot + 0.55 * (ytop - ybot)
y2 = ybot + 0.27 * (ytop - ybot)
gmax = 1
if (npts > 0) {
    stats file index 0:(2 * (nlines - 1)):2 using (fin(3) + (fin(4) == fin(4) ? fin(4) : 0)) nooutput
    if (STATS_records > 0 && STATS_max > 0) { gmax = STATS_max }
}
# tick steps of the two lower panels from the spans of their points and error bars
span(lo, hi) = (hi > lo ? hi - lo : 1)
hstep = 1; astep = 1
if (npts > 0) {
    stats file index 0:(2 * (nlines - 1)):2 using (fin(26) + (fin(27) == fin(27) ? fin(27) : 0)) nooutput
    if (STATS_records > 0) { hhi = STATS_max; stats file index 0:(2 * (nlines - 1)):2 using (fin(26) - (fin(27) == fin(27) ? fin(27) : 0)) nooutput; hstep = nicestep(span(STATS_min, hhi) / 2.0) }
}
if (nanh > 0) {
    stats file index 0:(2 * (nlines - 1)):2 using (fin(22) + (fin(23) == fin(23) ? fin(23) : 0)) nooutput
    if (STATS_records > 0) { ahi = STATS_max; stats file index 0:(2 * (nlines - 1)):2 using (fin(22) - (fin(23) == fin(23) ? fin(23) : 0)) nooutput; astep = nicestep(span(STATS_min, ahi < 0 ? 0 : ahi) / 2.5) }
}

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    set multiplot
    title_model = (model eq "" ? "" : ": model " . raw(model) . " (seed " . seed . \
                   L(" + p·1000003)", " + $p\\cdot 1000003$)"))
    # LaTeX sets the key's text at the figure's font size, not at vfont's, which gnuplot spaces for
    kspace = (latex ? 1.4 : 0.9)
    xname = (x_is_lr ? L("learning rate η", "learning rate $\\eta$") : raw(xkey))
    if (plot_title) {
        set label 91 fit_title(x_is_lr ? L("G(η) over learning rates", "$G(\\eta)$ over learning rates") : \
                               L("G", "$G$") . " over " . raw(xkey), title_model) \
            at screen 0.5, screen 1 - 0.75 * ch center font tfont noenhanced
        g_tex = "$G = (1 - \\nu)\\langle|\\nabla f|^2\\rangle - (\\mu/\\eta)\\langle v\\cdot\\nabla f\\rangle"
        set label 92 (x_is_lr ? L("G(η) = (1 − ν)⟨|∇f|^2⟩ − (μ/η)⟨v·∇f⟩ = a_1η + a_2η^2 + a_3η^3 (±1σ)", \
                                  g_tex . " = a_1\\eta + a_2\\eta^2 + a_3\\eta^3$ ($\\pm 1\\sigma$)") : \
            L("G = (1 − ν)⟨|∇f|^2⟩ − (μ/η)⟨v·∇f⟩ against its exact value (±1σ)", \
              g_tex . "$ against its exact value ($\\pm 1\\sigma$)")) \
            at screen 0.5, screen 1 - 1.85 * ch center font sfont
    }
    set lmargin 10
    set rmargin 2
    set grid xtics ytics lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    set ytics format L("%g", "$%g$")
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
        set tmargin at screen ytop
        set bmargin at screen y1
        set format x ""
        set ylabel (x_is_lr ? L("G(η)", "$G(\\eta)$") : L("G", "$G$"))
        set ytics nicestep(gmax / 3.0)
        if (x_is_lr) { set offsets 0, 0, graph 0.6, 0 } else { set offsets 0, 0, graph 0.6, graph 0.05 }
        set key top left Left reverse samplen 1.5 spacing kspace box lc rgb "#cccccc" opaque font vfont
        plot for [L=1:nlines] file index 2 * L - 1 using 1:(fin(5)) with linespoints lw 2.5 \
                 pt (x_is_lr ? -1 : 6) ps 1.2*psc lc rgb excolor(L) title (L == 1 && have_curve ? curve_title : ""), \
             for [L=1:(one && x_is_lr ? 1 : 0)] file index 1 using 1:(fin(4)) with lines lw 1.5 \
                 dt (2,4) lc rgb c_lim \
                 title (have_a1_exact ? sprintf(L("exact η → 0 slope %.4g", "exact $\\eta \\to 0$ slope $%.4g$"), a1_exact[1]) : ""), \
             for [L=1:(one && x_is_lr ? 1 : 0)] file index 1 using 1:(fin(3)) with lines lw 2 \
                 dt (8,5) lc rgb c_harm \
                 title (have_a1 ? sprintf(L("a_1η, a_1 = %.4g ± %.2g", "$a_1\\eta$, $a_1 = %.4g \\pm %.2g$"), a1[1], a1_err[1]) : ""), \
             for [L=1:(x_is_lr ? nlines : 0)] file index 2 * L - 1 using 1:(fin(2)) with lines lw 1.5 \
                 dt fitdt lc rgb fitcolor(L) \
                 title (L == 1 ? "cubic fit" . (one ? "" : " (dotted)") : ""), \
             for [L=1:nlines] file index 2 * L - 2 using 1:(fin(3)):(fin(4)) with yerrorbars pt 7 \
                 ps psc lw 1.5 lc rgb color(L) title ltitle(L, "simulated") noenhanced
        unset label 91
        unset label 92

        # -- middle panel: Hessian magnitude 2 G / eta
        set tmargin at screen y1 - 0.6 * ch
        set bmargin at screen y2
        set ylabel L("2G/η·(1−μ^2)/(1−ν)^2", "$\\frac{2G}{\\eta}\\frac{1-\\mu^2}{(1-\\nu)^2}$") font vfont
        set ytics hstep
        # the lines' colours are named in the top panel's key: here only the limit, then
        if (x_is_lr && one) { set offsets 0, 0, graph 0.08, graph 0.08 } else { set offsets 0, 0, graph 0.3, graph 0.08 }
        set key top left Left reverse samplen 1.5 spacing kspace box lc rgb "#cccccc" opaque font vfont
        plot for [L=1:nlines] file index 2 * L - 1 using 1:(!x_is_lr || column(1) > 0 ? fin(7) : NaN) \
                 with linespoints lw 2.5 pt (x_is_lr ? -1 : 6) ps 1.2*psc lc rgb excolor(L) \
                 title (L == 1 && one && have_curve ? curve_title : ""), \
             (have_trhc ? trhc[1] : NaN) with lines lw 1.5 dt (2,4) lc rgb c_lim \
                 title (have_trhc ? sprintf(L("limit Tr(H^* C^*) = %.4g", "limit $\\mathrm{Tr}(H^* C^*) = %.4g$"), trhc[1]) : ""), \
             for [L=1:(x_is_lr ? nlines : 0)] file index 2 * L - 1 using 1:(fin(6)) with lines \
                 lw 1.5 dt fitdt lc rgb fitcolor(L) title (L == 1 && one ? "from the fit of G" : ""), \
             for [L=1:nlines] file index 2 * L - 2 using 1:(fin(26)):(fin(27)) with yerrorbars pt 7 \
                 ps psc lw 1.5 lc rgb color(L) title (one ? "estimator" : "")

        # -- bottom panel: anharmonic part
        set tmargin at screen y2 - 0.6 * ch
        set bmargin at screen ybot
        set format x L("%g", "$%g$")
        if (!x_numeric) {
            set xtics ()
            do for [i = 1:|xvalues|] { set xtics add (raw(xvalues[i]) i - 1) }
        }
        set xlabel xname noenhanced
        set ylabel L("G − F_2/η", "$G - F_2/\\eta$")
        set ytics astep
        # room for the key on the side the anharmonic part does not grow towards
        if (anhlast > 0) {
            set offsets 0, 0, graph 0.05, graph 0.45
            set key bottom right Left reverse samplen 1.5 spacing kspace box lc rgb "#cccccc" opaque font vfont
        } else {
            set offsets 0, 0, graph 0.45, graph 0.05
            set key top right Left reverse samplen 1.5 spacing kspace box lc rgb "#cccccc" opaque font vfont
        }
        if (nanh > 0) {
            plot 0 with lines lw 1 lc rgb c_lim notitle, \
                 for [L=1:nlines] file index 2 * L - 2 using 1:(fin(24)):(fin(25)) with yerrorbars \
                     pt 5 ps 0.8*psc lw 1.5 lc rgb (one ? c_terms : color(L)) \
                     title (L == 1 ? L("(F_3 + F_4 + …)/η", "$(F_3 + F_4 + \\dots)/\\eta$") . (one ? "" : " (squares)") : ""), \
                 for [L=1:nlines] file index 2 * L - 2 using 1:(fin(22)):(fin(23)) with yerrorbars \
                     pt 7 ps psc lw 1.5 lc rgb (one ? c_anh : color(L)) \
                     title (L == 1 ? L("G − F_2/η", "$G - F_2/\\eta$") . (one ? "" : " (circles)") : "")
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

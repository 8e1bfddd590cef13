# approach.gp - approach to stationarity (fdrsim): does FDR1 close, and when?
#   gnuplot -e "dir='OUTDIR'" plots/approach.gp   ->  OUTDIR/approach.png, OUTDIR/approach.pdf
# Reads OUTDIR/timeseries.dat: step lr O_L O_R O_L_half O_R_half loss_excess grad_sq
# Top: O_L = (θ - c)·∇f and O_R (the optimizer's FDR1 right side; replica means) per record (thin)
#   and their half-running averages (thick), on log axes when they are > 0, with the exact
#   stationary value O_L = O_R (FDR1, S. Yaida, arXiv:1810.00004) when there is one.
# Middle: the gap (O_L - O_R)/O_R of the half-running averages in percent (O_R: the exact value,
#   else the last half-running one), which FDR1 says goes to 0.
# Bottom: the excess loss, with its exact stationary value when there is one.
# The measurement window is shaded. The step axis starts at 1 (log scale).
# Everything else it needs is in OUTDIR/meta.gp, written by fdrsim (README.md, "Output"); size,
# font and formats come from plots/terminal.gp.

if (!exists("dir")) dir = "."
file = dir . "/timeseries.dat"
load dir . "/meta.gp"
fig = "approach"; fig_aspect = 1.0
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"

isfinite(x) = (x == x && abs(x) < 1e300)
have_exact = isfinite(ts_exact)
have_loss_exact = isfinite(ts_loss_exact)
logx = (ts_npos > 0)                      # log axis needs steps > 0; else plot step linearly
logy = (logx && ts_logy)
panel3 = (ts_nloss > 1)

c_L = "#1f77b4"; c_Lraw = "#b5cfe8"
c_R = "#d62728"; c_Rraw = "#f2b8b8"
c_ex = "#000000"; c_loss = "#2ca02c"; c_win = "#f0f0f0"
# a range around a flat line (every value y, or none), as gnuplot would widen it, without a warning
flat_lo(y) = (y != y ? -1 : y - (y == 0 ? 1 : 0.01 * abs(y)))
flat_hi(y) = (y != y ? 1 : y + (y == 0 ? 1 : 0.01 * abs(y)))
xcol(c) = (logx ? (column(1) > 0 ? column(1) : NaN) : column(1))
gap(c5, c6) = 100 * (column(c5) - column(c6)) / abs(ts_ref)
gmax = (isfinite(ts_gap) && ts_gap > 0 ? 100 * ts_gap * 2.5 : 1)

# layout (screen coordinates, in text lines ch): title lines, three panels, the step label
ytop = 1 - (plot_title ? 2.7 : 0.6) * ch
ybot = 2.9 * ch
avail = ytop - ybot - (panel3 ? 2 : 1) * 0.7 * ch
h1 = avail * (panel3 ? 0.46 : 0.62)
h2 = avail * (panel3 ? 0.24 : 0.38)

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    set multiplot
    title_model = (model eq "" ? "" : ": " . raw(model) . " (seed " . seed . ")")
    if (plot_title) {
        set label 91 fit_title("Approach to stationarity", title_model) at screen 0.5, \
            screen 1 - 0.75 * ch center font tfont noenhanced
        set label 92 L("O_L = (θ - c)·∇f, O_R: FDR1's right side; thick: half-running averages", \
                       "$O_L = (\\theta - c)\\cdot\\nabla f$, $O_R$: FDR1's right side; " . \
                       "thick: half-running averages") \
            at screen 0.5, screen 1 - 1.85 * ch center font sfont
    }
    set lmargin 10
    set rmargin 2
    if (logx) {
        set logscale x
        set format x L("10^{%L}", "$10^{%L}$")
        set xrange [1:(ts_stepmax > 1 ? ts_stepmax : 10)]
    } else {
        set format x L("%g", "$%g$")
        if (ts_stepmax > 0) { set xrange [0:ts_stepmax] } else { set xrange [-1:1] }
    }
    set grid xtics ytics lc rgb "#e0e0e0" lw 1
    set border 3 lw 1
    set tics nomirror out scale 0.6
    set ytics format L("%g", "$%g$")
    if (ts_window > 0 && ts_window < ts_stepmax) {
        set object 1 rect from ts_window, graph 0 to ts_stepmax, graph 1 behind \
            fc rgb c_win fs solid 1.0 noborder
    }

    # -- top: O_L, O_R
    set tmargin at screen ytop
    set bmargin at screen ytop - h1
    set format x ""
    set ylabel L("O_L, O_R", "$O_L$, $O_R$")
    if (logy) {
        set logscale y
        set format y L("10^{%L}", "$10^{%L}$")
    }
    set key top left reverse Left samplen 1.5 spacing 1.0 opaque box lc rgb "#cccccc" font sfont
    if (ts_window > 0 && ts_window < ts_stepmax) {
        set label 2 L("window →", "window $\\rightarrow$") at ts_window, graph 0.07 right offset -0.3, 0 font vfont tc rgb "#808080"
    }
    if (!(ts_ymax > ts_ymin)) { set yrange [flat_lo(ts_ymin) : flat_hi(ts_ymin)] }
    if (ts_rows > 0) {
        plot file using (xcol(0)):3 with lines lw 0.7 lc rgb c_Lraw notitle, \
             file using (xcol(0)):4 with lines lw 0.7 lc rgb c_Rraw notitle, \
             file using (xcol(0)):5 with lines lw 2.5 lc rgb c_L title L("O_L", "$O_L$"), \
             file using (xcol(0)):6 with lines lw 2.5 lc rgb c_R title L("O_R", "$O_R$"), \
             (have_exact ? ts_exact : NaN) with lines lw 1.5 dt (10,6) lc rgb c_ex \
                 title (have_exact ? "exact" : "")
    } else {
        set label 1 "no data in timeseries.dat" at graph 0.5, graph 0.5 center
        set yrange [0:1]
        plot NaN notitle
        unset label 1
    }
    unset label 2
    unset label 91
    unset label 92
    unset logscale y
    set format y L("%g", "$%g$")

    # -- middle: the gap of the half-running averages
    set tmargin at screen ytop - h1 - 0.7 * ch
    set bmargin at screen ytop - h1 - 0.7 * ch - h2
    if (!panel3) {
        set format x (logx ? L("10^{%L}", "$10^{%L}$") : L("%g", "$%g$"))
        set xlabel "step"
    }
    set ylabel L("gap (%)", "gap (\\%)") font sfont
    set label 3 L("O_L/O_R − 1", "$O_L/O_R - 1$") at graph 0.02, graph 0.86 left font vfont
    set yrange [-gmax:gmax]
    set ytics nicestep(0.6 * gmax)   # three to five ticks on the short panel
    unset key
    set xzeroaxis lt 1 lc rgb "#808080" lw 1
    if (ts_rows > 0 && isfinite(ts_ref)) {
        plot file using (xcol(0)):(gap(5, 6)) with lines lw 2 lc rgb "#555555" notitle
    } else {
        set label 1 "no reference value" at graph 0.5, graph 0.5 center
        plot NaN notitle
        unset label 1
    }
    unset xzeroaxis
    unset label 3
    set ytics autofreq

    # -- bottom: excess loss
    if (panel3) {
        set tmargin at screen ytop - h1 - h2 - 1.4 * ch
        set bmargin at screen ybot
        set format x (logx ? L("10^{%L}", "$10^{%L}$") : L("%g", "$%g$"))
        set xlabel "step"
        set ylabel L("f − f(c)", "$f - f(c)$") font sfont
        if (ts_nlosspos == ts_nloss && ts_lossratio > 30) {   # log scale when it spans decades
            set logscale y
            set format y L("10^{%L}", "$10^{%L}$")
        }
        if (ts_lossmax > ts_lossmin) {
            set yrange [*:*]
            if (!(ts_nlosspos == ts_nloss && ts_lossratio > 30)) { set ytics nicestep((ts_lossmax - ts_lossmin) / 3.0) }
        } else {
            set yrange [flat_lo(ts_lossmin) : flat_hi(ts_lossmin)]
        }
        # the key where the curve is not: below it when the loss ends in the upper half
        loss_mid = (ts_nlosspos == ts_nloss && ts_lossratio > 30 ? sqrt(ts_lossmin * ts_lossmax) : \
                    0.5 * (ts_lossmin + ts_lossmax))
        if (ts_loss_last > loss_mid) { set key bottom right } else { set key top right }
        set key reverse Left samplen 1.5 opaque box lc rgb "#cccccc" font sfont
        plot file using (xcol(0)):7 with lines lw 2 lc rgb c_loss title "excess loss", \
             (have_loss_exact ? ts_loss_exact : NaN) with lines lw 1.5 dt (10,6) lc rgb c_ex \
                 title (have_loss_exact ? "exact" : "")
    }
    unset multiplot
    set output
}

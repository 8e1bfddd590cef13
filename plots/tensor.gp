# tensor.gp - the tensor FDR1 entry by entry (fdrsim): does it hold for every entry, and how closely?
#   gnuplot -e "dir='OUTDIR'" plots/tensor.gp   ->  OUTDIR/tensor.png, OUTDIR/tensor.pdf
# Reads OUTDIR/tensor.dat (same columns as relations.dat), one row per tensor entry "(i,j)" or per
# random unit direction "uK":
#   index name lhs lhs_err rhs rhs_err diff diff_err z threshold pass lhs_exact rhs_exact
# Top: z = (LHS - RHS)/σ of every entry with the ±threshold band: is any entry off?
# Bottom: LHS - RHS with its 1σ error bar, in percent of the entry's scale (sqrt(RHS_ii RHS_jj)
#   for (i,j), |RHS| for a direction; meta.gp's tens_scale): how closely it holds, entry by entry.
# The rows' values are in OUTDIR/meta.gp (arrays tens_*), written by fdrsim (README.md, "Output");
# size, font and formats come from plots/terminal.gp.

if (!exists("dir")) dir = "."
file = dir . "/tensor.dat"
load dir . "/meta.gp"
fig = "tensor"; fig_aspect = 0.95
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"

isfinite(x) = (x == x && abs(x) < 1e300)
n = tens_n
entries = tens_full                       # "(i,j)" entries, else directions "uK"
# largest |z|; finite z; passing; failing; z nan; largest threshold; the scaled deviations' range
zmax = 0; nz = 0; npass = 0; nfail = 0; nnan = 0; tmax = 0; nrel = 0; rmax = 0
do for [i = 1:n] {
    if (isfinite(tens_z[i])) {
        nz = nz + 1
        zmax = (abs(tens_z[i]) > zmax ? abs(tens_z[i]) : zmax)
    } else {
        nnan = nnan + 1
    }
    if (tens_pass[i] == 1) { npass = npass + 1 }
    if (tens_verdict[i] == 2) { nfail = nfail + 1 }
    if (isfinite(tens_threshold[i]) && tens_threshold[i] > tmax) { tmax = tens_threshold[i] }
    if (isfinite(tens_lhs[i]) && isfinite(tens_rhs[i]) && isfinite(tens_scale[i]) && tens_scale[i] > 0) {
        d = 100 * abs(tens_lhs[i] - tens_rhs[i]) / tens_scale[i]
        e = 100 * sqrt((isfinite(tens_lhs_err[i]) ? tens_lhs_err[i] : 0) ** 2 + \
                       (isfinite(tens_rhs_err[i]) ? tens_rhs_err[i] : 0) ** 2) / tens_scale[i]
        rmax = (d + e > rmax ? d + e : rmax)
        nrel = nrel + 1
    }
}
if (tmax <= 0) tmax = 3
ymax = (1.1 * zmax > 1.3 * tmax ? 1.1 * zmax : 1.3 * tmax)
rmax = (rmax > 0 ? 1.15 * rmax : 1)

# meta.gp's tens_what is enhanced text; its LaTeX twin, with or without the preconditioner P
# (named on the verdict's line, which has room for it)
pre = tens_pre
what_tex = (entries ? "$\\langle x_i " . (pre ? "(P\\nabla f)_j" : "\\partial_j f") . " + x_j " . \
                      (pre ? "(P\\nabla f)_i" : "\\partial_i f") . \
                      "\\rangle = (1 + \\mu)/\\eta_b \\langle v_i v_j\\rangle$, every entry $i \\le j$" : \
            "$2\\langle(u\\cdot x)(u\\cdot " . (pre ? "P" : "") . "\\nabla f)\\rangle = " . \
                      "(1 + \\mu)/\\eta_b \\langle(u\\cdot v)^2\\rangle$, random unit directions $u$")
# cairolatex ignores a label's font: the line at sfont's size
what_tex = sprintf("{\\fontsize{%.3g}{%.3g}\\selectfont %s}", 0.9 * fs, fs, what_tex)
verdict = (n == 0 ? "no rows" : sprintf("%d of %d %s within the threshold%s", npass, n, \
           entries ? "entries" : "directions", nnan > 0 ? sprintf(" (%d unresolved)", nnan) : "")) . \
          (pre ? "; P: the preconditioner" : "")

okcol(c) = (valid(c) && isfinite(column(c)))
c_pass = "#2ca02c"; c_fail = "#d62728"; c_band = "#e2e2e2"; c_rel = "#1f77b4"
named = (n > 0 && n * 6 * cw < 0.85)      # entry names as tick labels when they fit
rotn = (named && n * 6 * cw > 0.45)
ytop = 1 - (plot_title ? 4.6 : 1.6) * ch
ybot = (named ? (rotn ? 5.0 : 3.0) : 3.0) * ch
hmid = ybot + 0.5 * (ytop - ybot)

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    set multiplot
    title_model = (model eq "" ? "" : ": " . raw(model) . " (seed " . seed . ")")
    if (plot_title) {
        set label 91 fit_title("Tensor FDR1", title_model) at screen 0.5, screen 1 - 0.75 * ch \
            center font tfont noenhanced
        set label 92 L(tens_what, what_tex) at screen 0.5, screen 1 - 1.85 * ch center font sfont
        set label 93 verdict at screen 0.5, screen 1 - 2.85 * ch center font sfont noenhanced
    }
    set border 3
    set tics nomirror out scale 0.6
    set grid ytics lc rgb "#e4e4e4" lw 1
    set lmargin 9
    set rmargin 2
    set xrange [0.4 : (n > 0 ? n : 1) + 0.6]
    set xzeroaxis lt 1 lc rgb "#808080" lw 1
    ps = (n > 200 ? 0.5 : (n > 50 ? 0.8 : 1.1)) * psc

    # -- top: z against entry
    set tmargin at screen ytop
    set bmargin at screen hmid + 0.5 * ch
    set format x ""
    set ylabel L("z", "$z$")
    set yrange [-ymax:ymax]
    set ytics nicestep(ymax / 2.5)
    set key at screen 0.5, screen ytop + 0.65 * ch center center horizontal reverse Left samplen 1 \
        width (latex ? 3 : 0) maxrows 1 font sfont
    if (named) {
        set xtics scale 0 ("" 1)
        do for [i = 2:n] { set xtics add ("" i) }
    } else {
        set xtics autofreq
    }
    if (n > 0) {
        set object 1 rect from 0.5, -tmax to n + 0.5, tmax behind fc rgb c_band fs solid 1.0 noborder
        t_band = L("±threshold", "$\\pm$threshold")
        cmd = "plot NaN with boxes fs solid 1.0 fc rgb c_band title t_band"
        if (nz > 0) {
            cmd = cmd . ", file using ($1 + 1):(okcol(9) && $11 == 1 ? $9 : NaN) with points pt 7 ps ps lc rgb c_pass title 'pass'"
            if (nfail > 0) {
                cmd = cmd . ", file using ($1 + 1):(okcol(9) && $11 != 1 ? $9 : NaN) with points pt 7 ps ps lc rgb c_fail title 'fail'"
            }
        }
        eval cmd
    } else {
        set label 1 "no rows in tensor.dat" at graph 0.5, graph 0.5 center
        plot NaN notitle
        unset label 1
    }
    unset object 1
    unset label 91
    unset label 92
    unset label 93
    unset key

    # -- bottom: the relative deviation with its error bar
    set tmargin at screen hmid - 0.5 * ch
    set bmargin at screen ybot
    set format x L("%g", "$%g$")
    set ylabel (entries ? L("(LHS−RHS)/√(R_{ii}R_{jj}) (%)", \
                            "$(\\mathrm{LHS}-\\mathrm{RHS})/\\sqrt{R_{ii}R_{jj}}$ (\\%)") : \
                L("LHS/RHS − 1 (%)", "LHS/RHS $-$ 1 (\\%)")) font sfont
    set yrange [-rmax:rmax]
    set ytics nicestep(rmax / 2.5)
    if (named) {
        set xtics (raw(tens_name[1]) 1) scale 0 noenhanced font vfont
        do for [i = 2:n] { set xtics add (raw(tens_name[i]) i) }
        if (rotn) { set xtics rotate by 90 right } else { set xtics norotate center }
        unset xlabel
    } else {
        set xlabel (entries ? L("entry k ((i,j), i ≤ j, row by row)", "entry $k$ ($(i,j)$, $i \\le j$, row by row)") : \
                    L("direction k", "direction $k$"))
    }
    scale(c) = tens_scale[int(column(1)) + 1]
    rel(c) = (okcol(3) && okcol(5) && scale(0) > 0 ? 100 * ($3 - $5) / scale(0) : NaN)
    relerr(c) = 100 * sqrt((okcol(4) ? $4 : 0) ** 2 + (okcol(6) ? $6 : 0) ** 2) / scale(0)
    if (nrel > 0) {
        plot file using ($1 + 1):(rel(0)):(relerr(0)) with yerrorbars pt 7 ps ps lw 1.2 lc rgb c_rel notitle
    } else {
        set label 1 "no entry with a scale" at graph 0.5, graph 0.5 center
        plot NaN notitle
        unset label 1
    }
    unset multiplot
    set output
}

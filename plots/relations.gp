# relations.gp - the fluctuation-dissipation relations of a run (fdrsim): do they hold?
#   gnuplot -e "dir='OUTDIR'" plots/relations.gp   ->  OUTDIR/relations.png, OUTDIR/relations.pdf
# Reads OUTDIR/relations.dat, one row per relation (any number of them):
#   index name lhs lhs_err rhs rhs_err diff diff_err z threshold pass lhs_exact rhs_exact
# and from OUTDIR/meta.gp (arrays rel_*, README.md, "Output") whether each is an identity (exact
# at stationarity) or an approximation shown for comparison, and its verdict.
# Top panel: z = (LHS - RHS)/σ of every relation with its ±threshold band (grey). Identities:
#   green passes, red fails, a grey square "unresolved" when there is no error bar to judge by.
#   Approximations (e.g. FDR2.harmonic off a quadratic): hollow grey diamonds, never counted.
#   A z beyond the axis is drawn as a triangle at the edge with its value written beside it.
# Bottom rows: one small panel per relation with LHS and RHS (1σ error bars) in the relation's own
#   units and scale, and the exact values (dashed) when they are finite.
# Size, font and formats come from plots/terminal.gp.

if (!exists("dir")) dir = "."
file = dir . "/relations.dat"
load dir . "/meta.gp"
fig = "relations"
# the shape follows the rows of small panels (about 0.85 in wide each, at most 3 rows): inches of
# the title lines, the key, the z panel, the names and each row, over the width
n = rel_n
w0 = (exists("plot_width") ? plot_width : 3.4)
fs0 = (exists("plot_fontsize") ? plot_fontsize : 8)
ncols_max = (int(w0 / 0.85) > 1 ? int(w0 / 0.85) : 1)
ncols = (n <= ncols_max ? n : ceil(n / (1.0 * ceil(n / (1.0 * ncols_max)))))
if (ncols < 1) ncols = 1
nrows = ceil(n / (1.0 * ncols))
small = (n > 0 && nrows <= 3)
line_in = 1.35 * fs0 / 72.0
rot = (n * 12 * 0.55 * fs0 / 72.0 > 0.85 * w0)      # names rotated when they do not fit side by side
keyrows = (w0 < 5 ? 2 : 1)
z_in = (w0 < 5 ? 1.5 : 2.0)
head_in = ((exists("plot_title") && !plot_title) ? 0.5 : 2.6) * line_in + keyrows * line_in
names_in = (rot ? 5.5 : 2.6) * line_in
rows_in = (small ? 1.6 * line_in + nrows * (w0 < 5 ? 1.0 : 1.2) : 0.6)
fig_inches = head_in + z_in + names_in + rows_in
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"

isfinite(x) = (x == x && abs(x) < 1e300)
# identities, those passing, failing, unresolved; approximations; largest threshold; the largest
# |z| of all and of those within 3 thresholds (the axis shows these; beyond: clipped)
nid = 0; npass = 0; nfail = 0; nunres = 0; napprox = 0; tmax = 0; zmax = 0
do for [i = 1:n] {
    if (rel_identity[i] == 1) {
        nid = nid + 1
        if (rel_verdict[i] == 1) { npass = npass + 1 }
        if (rel_verdict[i] == 2) { nfail = nfail + 1 }
        if (rel_verdict[i] == 0) { nunres = nunres + 1 }
    } else {
        napprox = napprox + 1
    }
    if (isfinite(rel_threshold[i]) && rel_threshold[i] > tmax) { tmax = rel_threshold[i] }
}
if (tmax <= 0) tmax = 3
do for [i = 1:n] {
    if (isfinite(rel_z[i]) && abs(rel_z[i]) > zmax && abs(rel_z[i]) <= 3 * tmax) { zmax = abs(rel_z[i]) }
}
ymax = (1.15 * zmax > 1.3 * tmax ? 1.15 * zmax : 1.3 * tmax)
zedge = 0.9 * ymax
zc(z) = (z > zedge ? zedge : (z < -zedge ? -zedge : z))
clipped(z) = (abs(z) > zedge)

# per row the y range of its panel: both sides, their error bars and the exact values, padded,
# never empty, in units of 10^kexp (0 unless the values are below 1e-3 or above 1e4, so tick
# labels stay short)
array ylo[n > 0 ? n : 1]
array yhi[n > 0 ? n : 1]
array kexp[n > 0 ? n : 1]
err0(x) = (isfinite(x) ? x : 0)
do for [i = 1:n] {
    lo = NaN; hi = NaN
    array v[6] = [rel_lhs[i] - err0(rel_lhs_err[i]), rel_lhs[i] + err0(rel_lhs_err[i]), \
                  rel_rhs[i] - err0(rel_rhs_err[i]), rel_rhs[i] + err0(rel_rhs_err[i]), \
                  rel_lhs_exact[i], rel_rhs_exact[i]]
    do for [j = 1:6] {
        if (isfinite(v[j])) {
            if (!(lo <= v[j])) { lo = v[j] }
            if (!(hi >= v[j])) { hi = v[j] }
        }
    }
    if (lo != lo) { lo = -1; hi = 1 }
    span = hi - lo
    if (span <= 0) { span = abs(lo) * 0.2 }
    if (span == 0) { span = 1 }
    lo = lo - 0.15 * span; hi = hi + 0.15 * span
    k = floor(log10(abs(lo) > abs(hi) ? abs(lo) : abs(hi)))
    if (k > -3 && k < 4) { k = 0 }
    kexp[i] = k; ylo[i] = lo / 10.0 ** k; yhi[i] = hi / 10.0 ** k
}

verdict = (n == 0 ? "no relations" : sprintf("%d of %d identities hold", npass, nid) . \
           (nfail > 0 ? sprintf(", %d fail", nfail) : "") . \
           (nunres > 0 ? sprintf(", %d unresolved", nunres) : "") . \
           (napprox > 0 ? sprintf("; %d approximation%s shown, not tested", napprox, napprox > 1 ? "s" : "") : ""))

c_pass = "#2ca02c"; c_fail = "#d62728"; c_band = "#e2e2e2"; c_unres = "#7f7f7f"; c_approx = "#6b7b8c"
c_lhs = "#1f77b4"; c_rhs = "#ff7f0e"
# cairolatex ignores a label's font: the small panels' text at vfont's size in LaTeX
vsz(s) = (latex ? sprintf("{\\fontsize{%.3g}{%.3g}\\selectfont %s}", 0.8 * fs, 0.96 * fs, s) : s)
# the class of row i (1-based): 1 pass, 2 fail, 0 unresolved (identities), 3 approximation
cls(i) = (rel_identity[i] == 1 ? rel_verdict[i] : 3)
ccol(i) = (cls(i) == 1 ? 0x2ca02c : cls(i) == 2 ? 0xd62728 : cls(i) == 0 ? 0x7f7f7f : 0xb9c3cc)
row(c) = int(column(1)) + 1
zok(c) = (valid(9) && isfinite(column(9)))
# z of the rows of one class, clipped at the edge (NaN elsewhere), and of clipped rows
zof(k) = (zok(0) && cls(row(0)) == k ? zc($9) : NaN)

# layout (screen coordinates) from the top, in the inches above scaled by the figure's height
f_in = 1.0 / fig_h
y_key = 1 - (plot_title ? 2.6 : 0.5) * line_in * f_in - 0.5 * keyrows * line_in * f_in
ztop = 1 - head_in * f_in - 0.4 * line_in * f_in
zbot = ztop - z_in * f_in
yrow_top = zbot - names_in * f_in - 1.6 * line_in * f_in

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    set multiplot
    title_model = (model eq "" ? "" : ": " . raw(model) . " (seed " . seed . ")")
    if (plot_title) {
        set label 91 fit_title("Relations", title_model) at screen 0.5, \
            screen 1 - 0.75 * ch center font tfont noenhanced
        set label 92 verdict at screen 0.5, screen 1 - 1.85 * ch center font sfont noenhanced
    }
    set border 3
    set tics nomirror out scale 0.6
    set grid ytics lc rgb "#e4e4e4" lw 1

    # -- top panel: z-scores with the ±threshold band of each relation
    set lmargin 8
    set rmargin 2
    set tmargin at screen ztop
    set bmargin at screen zbot
    set xrange [-0.6:(n > 0 ? n : 1) - 0.4]
    set yrange [-ymax:ymax]
    set ytics nicestep(ymax / 2.5)
    set xzeroaxis lt 1 lc rgb "#808080" lw 1
    set ylabel L("z = (LHS − RHS)/σ", "$z = (\\mathrm{LHS} - \\mathrm{RHS})/\\sigma$")
    set key at screen 0.5, screen y_key center center horizontal reverse Left samplen 1 width (latex ? 3 : -1) \
        maxrows keyrows font sfont
    set style fill solid 1.0 noborder
    if (n > 0) {
        if (rot) {
            set xtics scale 0 rotate by 45 right noenhanced font sfont
        } else {
            set xtics scale 0 norotate center noenhanced font sfont
        }
        set xtics (raw(rel_name[1]) 0)      # the relations' names at 0, 1, ...
        do for [i = 2:n] { set xtics add (raw(rel_name[i]) i - 1) }
        t_band = L("±threshold", "$\\pm$threshold"); zfmt = L("%.3g", "$%.3g$")
        cmd = "plot file using 1:(0):($1 - 0.38):($1 + 0.38):(-$10):($10) with boxxyerror " . \
              "fc rgb c_band title t_band" . \
              ", file using 1:(zok(0) ? zc($9) : NaN):(0.22):(ccol(row(0))) with boxes lc rgb variable notitle"
        if (npass > 0) { cmd = cmd . ", file using 1:(zof(1)) with points pt 7 ps 1.1*psc lc rgb c_pass title 'pass'" }
        if (nfail > 0) { cmd = cmd . ", file using 1:(zof(2)) with points pt 7 ps 1.1*psc lc rgb c_fail title 'fail'" }
        if (napprox > 0) { cmd = cmd . ", file using 1:(zof(3)) with points pt 12 ps 1.3*psc lw 1.5 lc rgb c_approx title 'approximation'" }
        if (nunres > 0) {
            cmd = cmd . ", file using 1:(cls(row(0)) == 0 ? 0 : NaN) with points pt 4 ps 1.3*psc lw 1.5 lc rgb c_unres title 'unresolved'" . \
                  ", file using 1:(cls(row(0)) == 0 ? 0.12 * ymax : NaN):('n/a') with labels tc rgb c_unres font vfont notitle"
        }
        # beyond the axis: a triangle at the edge and the value
        cmd = cmd . ", file using 1:(zok(0) && clipped($9) ? zc($9) : NaN):($9 > 0 ? 9 : 11):(ccol(row(0))) " . \
              "with points pt variable ps 1.4*psc lc rgb variable notitle" . \
              ", file using ($1 + 0.2):(zok(0) && clipped($9) ? zc($9) : NaN):(sprintf(zfmt, $9)) " . \
              "with labels left font vfont notitle"
        eval cmd
    } else {
        unset xtics
        set label 1 "no rows in relations.dat" at graph 0.5, graph 0.5 center
        plot NaN notitle
        unset label 1
    }
    unset label 91
    unset label 92
    unset xzeroaxis
    unset ylabel

    # -- bottom rows: LHS and RHS of each relation on its own scale
    if (small) {
        # legend of the rows: an empty plot that only draws its key
        unset border
        unset tics
        unset grid
        set xrange [0:1]
        set yrange [0:1]
        set tmargin at screen yrow_top + 1.2 * ch
        set bmargin at screen yrow_top + 0.2 * ch
        set key at screen 0.5, screen yrow_top + 0.7 * ch center center horizontal reverse Left \
            samplen 1.5 width (latex ? 3 : -1) maxrows 1 font sfont
        plot NaN with points pt 7 ps psc lc rgb c_lhs title L("LHS ±1σ", "LHS $\\pm1\\sigma$"), \
             NaN with points pt 5 ps psc lc rgb c_rhs title L("RHS ±1σ", "RHS $\\pm1\\sigma$"), \
             NaN with lines dt (6,4) lw 1.5 lc rgb '#000000' title 'exact'
        unset key
        set border 3
        set xtics nomirror out scale 0
        set ytics nomirror out scale 0.5 font vfont
        x0 = cw; x1 = 1.0; y0 = 0.0; y1 = yrow_top
        W = (x1 - x0) / ncols
        H = (y1 - y0) / nrows
        set xrange [-0.7:1.7]
        set xtics (vsz("L") 0, vsz("R") 1) norotate center font vfont
        set ytics format vsz(L("%g", "$%g$"))
        set grid ytics
        do for [i = 0:n - 1] {
            col = i % ncols
            row = i / ncols
            set lmargin at screen x0 + col * W + 5.5 * cw
            set rmargin at screen x0 + (col + 1) * W - 1.2 * cw
            set tmargin at screen y1 - row * H - 1.4 * ch
            set bmargin at screen y1 - (row + 1) * H + 1.2 * ch
            set yrange [ylo[i + 1] : yhi[i + 1]]
            set ytics nicestep((yhi[i + 1] - ylo[i + 1]) / 2.5)
            ke = kexp[i + 1]
            sc = 10.0 ** (-ke)
            c = cls(i + 1)
            set title vsz(raw(rel_name[i + 1]) . (ke != 0 ? sprintf(L(" ×1e%d", " $\\times10^{%d}$"), ke) : "")) font vfont \
                tc rgb (c == 1 ? "#1a7a1a" : c == 2 ? c_fail : c == 0 ? c_unres : c_approx) noenhanced \
                offset 0, -0.8
            sel = sprintf("every ::%d::%d ", i, i)
            cmd = "plot NaN notitle"
            if (isfinite(rel_lhs[i + 1])) {
                cmd = cmd . ", file " . sel . "using (0):($3 * sc):(valid(4) && isfinite($4) ? $4 * sc : 0) with yerrorbars " . \
                      "pt 7 ps psc lw 1.5 lc rgb c_lhs notitle"
            }
            if (isfinite(rel_rhs[i + 1])) {
                cmd = cmd . ", file " . sel . "using (1):($5 * sc):(valid(6) && isfinite($6) ? $6 * sc : 0) with yerrorbars " . \
                      "pt 5 ps psc lw 1.5 lc rgb c_rhs notitle"
            }
            if (isfinite(rel_lhs_exact[i + 1])) {
                cmd = cmd . ", file " . sel . "using (-0.4):($12 * sc):(0.8):(0) with vectors nohead " . \
                      "dt (6,4) lw 1.5 lc rgb '#000000' notitle"
            }
            if (isfinite(rel_rhs_exact[i + 1])) {
                cmd = cmd . ", file " . sel . "using (0.6):($13 * sc):(0.8):(0) with vectors nohead " . \
                      "dt (6,4) lw 1.5 lc rgb '#000000' notitle"
            }
            eval cmd
        }
    } else {
        if (n > 0) {
            set label 1 sprintf("%d relations: too many for one panel each; see relations.dat", n) \
                at screen 0.5, screen 0.25 center
            unset border
            unset tics
            unset grid
            set xrange [0:1]
            set yrange [0:1]
            set tmargin at screen 0.45
            set bmargin at screen 0.05
            plot NaN notitle
        }
    }
    unset multiplot
    set output
}

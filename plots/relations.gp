# relations.gp - the fluctuation-dissipation relations of a run (fdrsim).
#   gnuplot -e "dir='OUTDIR'" plots/relations.gp   ->  OUTDIR/relations.png, OUTDIR/relations.pdf
# Reads OUTDIR/relations.dat, one row per relation (any number of them):
#   index name lhs lhs_err rhs rhs_err diff diff_err z threshold pass lhs_exact rhs_exact
# Top panel: z = (LHS - RHS)/sigma of every relation with its +-threshold band (grey): green
#   passes, red fails, "n/a" when z is not a number.  Relation names as x tick labels.
# Bottom row: one small panel per relation with LHS and RHS side by side (1-sigma error bars) in
#   the relation's own units and scale, and the exact values (dashed) when they are finite.
#   (FDR0 sides are ~0 and FDR1 sides O(1): a shared axis would hide one or the other.)
# The rows' values are in OUTDIR/meta.gp (arrays rel_*), written by fdrsim (README.md, "Output").

if (!exists("dir")) dir = "."
file = dir . "/relations.dat"
load dir . "/meta.gp"

isfinite(x) = (x == x && abs(x) < 1e300)
n = rel_n
# largest |z|; rows with finite z; passing rows; rows with z not a number; largest threshold
zmax = 0; nz = 0; npass = 0; nnan = 0; tmax = 0
do for [i = 1:n] {
    if (isfinite(rel_z[i])) {
        nz = nz + 1
        if (abs(rel_z[i]) > zmax) { zmax = abs(rel_z[i]) }
    } else {
        nnan = nnan + 1
    }
    if (rel_pass[i] == 1) { npass = npass + 1 }
    if (isfinite(rel_threshold[i]) && rel_threshold[i] > tmax) { tmax = rel_threshold[i] }
}
if (tmax <= 0) tmax = 3
ymax = (1.08 * zmax > 1.15 * tmax ? 1.08 * zmax : 1.15 * tmax)

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

title_model = (model eq "" ? "" : ": model " . model . " (seed " . seed . ")")
verdict = (n == 0 ? "no relations" : sprintf("%d of %d relations hold within |z| < threshold", npass, n))

okcol(c) = (valid(c) && isfinite(column(c)))
c_pass = "#2ca02c"; c_fail = "#d62728"; c_band = "#dadada"
c_lhs = "#1f77b4"; c_rhs = "#ff7f0e"

# small-multiples layout: up to 6 panels a row, at most 3 rows
ncols = (n <= 6 ? n : (n <= 12 ? ceil(n / 2.0) : 6))
if (ncols < 1) ncols = 1
nrows = ceil(n / (1.0 * ncols))
small = (n > 0 && nrows <= 3)
# vertical layout: the z panel needs more room below it for rotated names
zbot = (n > 8 ? 0.64 : 0.565)
legy = zbot - (n > 8 ? 0.135 : 0.07)
# a tick step of 1, 2 or 5 x 10^k giving about nt ticks over a span
pw(r) = 10.0 ** floor(log10(r))
nicestep(r) = (r / pw(r) < 1.5 ? 1 : (r / pw(r) < 3.5 ? 2 : (r / pw(r) < 7.5 ? 5 : 10))) * pw(r)

do for [ext in "png pdf"] {
    if (ext eq "png") {
        set terminal pngcairo size 1200,800 enhanced font "Sans,13" linewidth 1
        tfont = "Sans,15"; sfont = "Sans,12"
        psc = 1.0
    } else {
        set terminal pdfcairo size 10in,6.667in enhanced font "Sans,9" fontscale 1.0 linewidth 1.5
        tfont = "Sans,10.5"; sfont = "Sans,8.5"
        psc = 0.8
    }
    set output dir . "/relations." . ext
    reset
    set encoding utf8
    set multiplot
    set label 91 "Fluctuation-dissipation relations" . title_model at screen 0.53, screen 0.965 \
        center font tfont noenhanced
    set label 92 verdict . "   (S. Yaida, arXiv:1810.00004)" at screen 0.53, screen 0.928 center noenhanced
    set border 3
    set tics nomirror out
    set grid ytics lc rgb "#e4e4e4" lw 1

    # -- top panel: z-scores with the +-threshold band of each relation
    set lmargin at screen 0.09
    set rmargin at screen 0.97
    set tmargin at screen 0.855
    set bmargin at screen zbot
    set xrange [-0.6:(n > 0 ? n : 1) - 0.4]
    set yrange [-ymax:ymax]
    set xzeroaxis lt 1 lc rgb "#808080" lw 1
    set ylabel "z = (LHS - RHS) / σ_{LHS-RHS}"
    set key at screen 0.53, screen 0.888 center center horizontal reverse Left samplen 1.5 maxrows 1
    set style fill solid 1.0 noborder
    if (n > 0) {
        if (n > 8) {
            set xtics scale 0 rotate by 30 right noenhanced
        } else {
            set xtics scale 0 norotate center noenhanced
        }
        set xtics (rel_name[1] 0)           # the relations' names at 0, 1, ...
        do for [i = 2:n] { set xtics add (rel_name[i] i - 1) }
        cmd = "plot file using 1:(0):($1 - 0.38):($1 + 0.38):(-$10):($10) with boxxyerror " . \
              "fc rgb c_band title '±threshold (pass band)'"
        if (nz > 0) {
            cmd = cmd . ", file using 1:(okcol(9) ? $9 : NaN):(0.25):($11 == 1 ? 0x2ca02c : 0xd62728) " . \
                  "with boxes fs solid 0.85 lc rgb variable notitle" . \
                  ", file using 1:(okcol(9) && $11 == 1 ? $9 : NaN) with points pt 7 ps 1.3*psc lc rgb c_pass title 'pass'" . \
                  ", file using 1:(okcol(9) && $11 != 1 ? $9 : NaN) with points pt 7 ps 1.3*psc lc rgb c_fail title 'fail'"
            if (n <= 8) {   # z written next to its bar while there is room
                cmd = cmd . ", file using ($1 + 0.13):(okcol(9) ? $9 : NaN):(sprintf('%.2f', $9)) " . \
                      "with labels left offset 0.6, 0 notitle"
            }
        }
        if (nnan > 0) {
            cmd = cmd . ", file using 1:(0):(okcol(9) ? '' : 'n/a') with labels tc rgb '#606060' notitle"
        }
        eval cmd
    } else {
        unset xtics
        set label 1 "no rows in relations.dat" at graph 0.5, graph 0.75 center
        plot NaN notitle
        unset label 1
    }
    unset label 91
    unset label 92
    unset xzeroaxis
    unset ylabel

    # -- bottom row: LHS and RHS of each relation on its own scale
    if (small) {
        set label 93 "LHS, RHS (±1σ)" at screen 0.015, screen 0.255 \
            center rotate by 90
        # legend of the row: an empty full-width plot that only draws its key
        set lmargin at screen 0.09
        set rmargin at screen 0.97
        set tmargin at screen legy + 0.02
        set bmargin at screen legy - 0.02
        unset border
        unset tics
        unset grid
        set xrange [0:1]
        set yrange [0:1]
        set key at screen 0.53, screen legy center center horizontal reverse Left samplen 2 maxrows 1
        plot NaN with points pt 7 ps 1.2*psc lc rgb c_lhs title 'LHS', \
             NaN with points pt 5 ps 1.1*psc lc rgb c_rhs title 'RHS', \
             NaN with lines dt (4,3) lw 2 lc rgb '#000000' title 'exact value'
        unset key
        unset label 93
        set border 3
        set xtics nomirror out
        set ytics nomirror out
        x0 = 0.07; x1 = 0.985; y0 = 0.035; y1 = legy - 0.02
        W = (x1 - x0) / ncols
        H = (y1 - y0) / nrows
        set xrange [-0.7:1.7]
        set xtics ("LHS" 0, "RHS" 1) scale 0 norotate center
        set ytics format "%g"
        set grid ytics
        do for [i = 0:n - 1] {
            col = i % ncols
            row = i / ncols
            set lmargin at screen x0 + col * W + 0.058
            set rmargin at screen x0 + (col + 1) * W - 0.012
            set tmargin at screen y1 - row * H - 0.045
            set bmargin at screen y1 - (row + 1) * H + 0.04
            set yrange [ylo[i + 1] : yhi[i + 1]]
            set ytics nicestep((yhi[i + 1] - ylo[i + 1]) / (nrows == 1 ? 5.0 : 3.0))
            ke = kexp[i + 1]
            sc = 10.0 ** (-ke)
            set title rel_name[i + 1] . (ke != 0 ? sprintf("  (×1e%d)", ke) : "") font sfont \
                tc rgb (rel_pass[i + 1] == 1 ? "#1a7a1a" : c_fail) noenhanced offset 0, -0.7
            sel = sprintf("every ::%d::%d ", i, i)
            cmd = "plot NaN notitle"
            if (isfinite(rel_lhs[i + 1])) {
                cmd = cmd . ", file " . sel . "using (0):($3 * sc):(okcol(4) ? $4 * sc : 0) with yerrorbars " . \
                      "pt 7 ps 1.2*psc lw 1.5 lc rgb c_lhs notitle"
            }
            if (isfinite(rel_rhs[i + 1])) {
                cmd = cmd . ", file " . sel . "using (1):($5 * sc):(okcol(6) ? $6 * sc : 0) with yerrorbars " . \
                      "pt 5 ps 1.1*psc lw 1.5 lc rgb c_rhs notitle"
            }
            if (isfinite(rel_lhs_exact[i + 1])) {
                cmd = cmd . ", file " . sel . "using (-0.4):($12 * sc):(0.8):(0) with vectors nohead " . \
                      "dt (4,3) lw 2 lc rgb '#000000' notitle"
            }
            if (isfinite(rel_rhs_exact[i + 1])) {
                cmd = cmd . ", file " . sel . "using (0.6):($13 * sc):(0.8):(0) with vectors nohead " . \
                      "dt (4,3) lw 2 lc rgb '#000000' notitle"
            }
            eval cmd
        }
    } else {
        if (n > 0) {
            set label 1 sprintf("%d relations: too many for one panel each; see relations.dat", n) \
                at screen 0.53, screen 0.25 center
            set lmargin at screen 0.09
            set rmargin at screen 0.97
            set tmargin at screen 0.45
            set bmargin at screen 0.05
            unset border
            unset tics
            unset grid
            set xrange [0:1]
            set yrange [0:1]
            plot NaN notitle
        }
    }
    unset multiplot
    set output
}

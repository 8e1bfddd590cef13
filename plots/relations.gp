# relations.gp - the fluctuation-dissipation relations of a run (fdrsim).
#   gnuplot -e "dir='OUTDIR'" plots/relations.gp   ->  OUTDIR/relations.png, OUTDIR/relations.pdf
# Reads OUTDIR/relations.dat, one row per relation (any number of them):
#   index name lhs lhs_err rhs rhs_err diff diff_err z threshold pass lhs_exact rhs_exact
# Top panel: z = (LHS - RHS)/sigma of every relation with its +-threshold band (grey): green
#   passes, red fails, "n/a" when z is not a number.  Relation names as x tick labels.
# Bottom row: one small panel per relation with LHS and RHS side by side (1-sigma error bars) in
#   the relation's own units and scale, and the exact values (dashed) when they are finite.
#   (FDR0 sides are ~0 and FDR1 sides O(1): a shared axis would hide one or the other.)
# Header and counts are read with POSIX sed/awk; "nan" anywhere never fails.

if (!exists("dir")) dir = "."
file = dir . "/relations.dat"
q(s) = "'" . s . "'"

model = system("sed -n 's/^# model \\([^ ]*\\).*/\\1/p' " . q(file) . " | head -n 1")
seed = system("sed -n 's/^# model .*seed \\([0-9][0-9]*\\).*/\\1/p' " . q(file) . " | head -n 1")
isnum = "function ok(s) { return s ~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/ } "
# largest |z|; rows; rows with finite z; passing rows; rows with z not a number; largest threshold
counts = system("awk '" . isnum . "!/^#/ && NF >= 13 { n++; " . \
                "if (ok($9)) { nz++; a = $9 < 0 ? -$9 : $9; if (a > zmax) zmax = a } else nn++; " . \
                "if ($11 == 1) np++; if (ok($10) && $10 > tmax) tmax = $10 } " . \
                "END { print zmax + 0, n + 0, nz + 0, np + 0, nn + 0, tmax + 0 }' " . q(file))
zmax = word(counts, 1) + 0
n = word(counts, 2) + 0
nz = word(counts, 3) + 0
npass = word(counts, 4) + 0
nnan = word(counts, 5) + 0
tmax = word(counts, 6) + 0
if (tmax <= 0) tmax = 3
ymax = (1.08 * zmax > 1.15 * tmax ? 1.08 * zmax : 1.15 * tmax)

# x tick labels of the z panel: ("name" index, ...)
ticlist = system("awk '!/^#/ && NF >= 13 { gsub(/\"/, \"\", $2); s = s (s == \"\" ? \"\" : \", \") \"\\\"\" $2 \"\\\" \" $1 } " . \
                 "END { print \"(\" s \")\" }' " . q(file))
# per row, 9 words: name pass okL okR okXL okXR ylo yhi k: the y range covers both sides, their
# error bars and the exact values, padded, never empty, in units of 10^k (k = 0 unless the
# values are below 1e-3 or above 1e4, so tick labels stay short)
K = 9
rows = system("awk '" . isnum . "function upd(v) { if (!h || v < lo) lo = v; if (!h || v > hi) hi = v; h = 1 } " . \
              "!/^#/ && NF >= 13 { h = 0; L = ok($3); R = ok($5); XL = ok($12); XR = ok($13); " . \
              "if (L) { e = ok($4) ? $4 : 0; upd($3 - e); upd($3 + e) } " . \
              "if (R) { e = ok($6) ? $6 : 0; upd($5 - e); upd($5 + e) } " . \
              "if (XL) upd($12); if (XR) upd($13); " . \
              "if (!h) { lo = -1; hi = 1 } s = hi - lo; if (s <= 0) { s = (lo < 0 ? -lo : lo) * 0.2; if (s == 0) s = 1 } " . \
              "lo -= 0.15 * s; hi += 0.15 * s; m = (lo < 0 ? -lo : lo); if ((hi < 0 ? -hi : hi) > m) m = (hi < 0 ? -hi : hi); " . \
              "x = log(m) / log(10); k = int(x); if (k > x) k--; if (k > -3 && k < 4) k = 0; " . \
              "gsub(/\"/, \"\", $2); printf \"%s %d %d %d %d %d %.10g %.10g %d\\n\", $2, ($11 == 1), L, R, XL, XR, " . \
              "lo / 10 ^ k, hi / 10 ^ k, k }' " . q(file))
tok(i, k) = word(rows, i * K + k)

title_model = (model eq "" ? "" : ": model " . model . (seed eq "" ? "" : " (seed " . seed . ")"))
verdict = (n == 0 ? "no relations" : sprintf("%d of %d relations hold within |z| < threshold", npass, n))

isfinite(x) = (x == x && abs(x) < 1e300)
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
            eval "set xtics " . ticlist . " scale 0 rotate by 30 right noenhanced"
        } else {
            eval "set xtics " . ticlist . " scale 0 norotate center noenhanced"
        }
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
            set yrange [tok(i, 7) + 0 : tok(i, 8) + 0]
            set ytics nicestep((tok(i, 8) - tok(i, 7)) / (nrows == 1 ? 5.0 : 3.0))
            ke = tok(i, 9) + 0
            sc = 10.0 ** (-ke)
            set title tok(i, 1) . (ke != 0 ? sprintf("  (×1e%d)", ke) : "") font sfont \
                tc rgb (tok(i, 2) eq "1" ? "#1a7a1a" : c_fail) noenhanced offset 0, -0.7
            sel = sprintf("every ::%d::%d ", i, i)
            cmd = "plot NaN notitle"
            if (tok(i, 3) eq "1") {
                cmd = cmd . ", file " . sel . "using (0):($3 * sc):(okcol(4) ? $4 * sc : 0) with yerrorbars " . \
                      "pt 7 ps 1.2*psc lw 1.5 lc rgb c_lhs notitle"
            }
            if (tok(i, 4) eq "1") {
                cmd = cmd . ", file " . sel . "using (1):($5 * sc):(okcol(6) ? $6 * sc : 0) with yerrorbars " . \
                      "pt 5 ps 1.1*psc lw 1.5 lc rgb c_rhs notitle"
            }
            if (tok(i, 5) eq "1") {
                cmd = cmd . ", file " . sel . "using (-0.4):($12 * sc):(0.8):(0) with vectors nohead " . \
                      "dt (4,3) lw 2 lc rgb '#000000' notitle"
            }
            if (tok(i, 6) eq "1") {
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

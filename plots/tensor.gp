# tensor.gp - the tensor FDR1 entry by entry (fdrsim).
#   gnuplot -e "dir='OUTDIR'" plots/tensor.gp   ->  OUTDIR/tensor.png, OUTDIR/tensor.pdf
# Reads OUTDIR/tensor.dat (same columns as relations.dat), one row per tensor entry "(i,j)" or per
# random unit direction "uK":
#   index name lhs lhs_err rhs rhs_err diff diff_err z threshold pass lhs_exact rhs_exact
# Left: z = (LHS - RHS)/sigma of every entry against its index, with the +-threshold band.
# Right: LHS against RHS with 1-sigma error bars and the line LHS = RHS.
# Header and counts read with POSIX sed/awk; "nan" never fails.

if (!exists("dir")) dir = "."
file = dir . "/tensor.dat"
q(s) = "'" . s . "'"

model = system("sed -n 's/^# model \\([^ ]*\\).*/\\1/p' " . q(file) . " | head -n 1")
seed = system("sed -n 's/^# model .*seed \\([0-9][0-9]*\\).*/\\1/p' " . q(file) . " | head -n 1")
what = system("sed -n '1s/^# fdrsim [^:]*: *//p' " . q(file))
isnum = "function ok(s) { return s ~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/ } "
# rows; finite z; passing; z nan; largest threshold; rows with finite lhs and rhs; first name;
# first and last index
counts = system("awk '" . isnum . "!/^#/ && NF >= 13 { n++; if (ok($9)) { a = $9 < 0 ? -$9 : $9; if (a > zmax) zmax = a } if (ok($9)) nz++; else nn++; " . \
                "if ($11 == 1) np++; if (ok($10)) { if (!t++ || $10 > tmax) tmax = $10; if (t == 1 || $10 < tmin) tmin = $10 } if (ok($3) && ok($5)) ns++; " . \
                "if (n == 1) { first = $2; i0 = $1 } i1 = $1; " . \
                "if ($2 ~ /^[(]/ && ok($3) && ok($5)) { split(substr($2, 2, length($2) - 2), ij, \",\"); if (ij[1] == ij[2]) nd++; else no++ } } " . \
                "END { print zmax + 0, n + 0, nz + 0, np + 0, nn + 0, tmax + 0, ns + 0, (first == \"\" ? \"-\" : first), i0 + 1, i1 + 1, tmin + 0, nd + 0, no + 0 }' " . q(file))
n = word(counts, 2) + 0
nz = word(counts, 3) + 0
npass = word(counts, 4) + 0
nnan = word(counts, 5) + 0
tmax = word(counts, 6) + 0
nscat = word(counts, 7) + 0
first = word(counts, 8)
i0 = word(counts, 9) + 0
i1 = word(counts, 10) + 0
tmin = word(counts, 11) + 0
ndiag = word(counts, 12) + 0              # scatter points on the diagonal (i,i) / off it
noff = word(counts, 13) + 0
# is the name "(i,j)" a diagonal entry?
comma(s) = strstrt(s, ",")
isdiag(s) = (s[1:1] eq "(" && comma(s) > 2 && s[2:comma(s) - 1] eq s[comma(s) + 1:strlen(s) - 1])
if (tmax <= 0) tmax = 3
zmax = word(counts, 1) + 0
ymax = (1.08 * zmax > 1.15 * tmax ? 1.08 * zmax : 1.15 * tmax)
entries = (first[1:1] eq "(")             # "(i,j)" entries, else directions "uK"
# tick labels when there are few rows
ticlist = system("awk '!/^#/ && NF >= 13 { gsub(/\"/, \"\", $2); s = s (s == \"\" ? \"\" : \", \") \"\\\"\" $2 \"\\\" \" ($1 + 1) } " . \
                 "END { print \"(\" s \")\" }' " . q(file))

# common range of the scatter: all finite LHS +- err and RHS +- err, padded by 5 %
srange = system("awk '" . isnum . "!/^#/ && NF >= 13 && ok($3) && ok($5) { e3 = ok($4) ? $4 : 0; e5 = ok($6) ? $6 : 0; " . \
                "a = $3 - e3; b = $3 + e3; c = $5 - e5; d = $5 + e5; if (a > c) a = c; if (b < d) b = d; " . \
                "if (!k++ || a < lo) lo = a; if (k == 1 || b > hi) hi = b } " . \
                "END { if (!k) { lo = 0; hi = 1 } p = (hi - lo) * 0.05; if (p <= 0) p = (lo == 0 ? 1 : 0.05 * (lo < 0 ? -lo : lo)); " . \
                "printf \"%.10g %.10g\\n\", lo - p, hi + p }' " . q(file))
slo = word(srange, 1) + 0
shi = word(srange, 2) + 0
# about 4 ticks on the scatter axes: step 1, 2 or 5 x 10^k
tstep_raw = (shi - slo) / 4.0
tstep_p = 10.0 ** floor(log10(tstep_raw))
tstep_m = tstep_raw / tstep_p
tstep = (tstep_m < 1.5 ? 1 : (tstep_m < 3.5 ? 2 : (tstep_m < 7.5 ? 5 : 10))) * tstep_p

title_model = (model eq "" ? "" : ": model " . model . (seed eq "" ? "" : " (seed " . seed . ")"))
verdict = (n == 0 ? "no rows" : sprintf("%d of %d %s within |z| < threshold%s", npass, n, \
           entries ? "entries" : "directions", nnan > 0 ? sprintf(" (%d without z)", nnan) : ""))

isfinite(x) = (x == x && abs(x) < 1e300)
okcol(c) = (valid(c) && isfinite(column(c)))
c_pass = "#2ca02c"; c_fail = "#d62728"; c_band = "#dadada"

do for [ext in "png pdf"] {
    if (ext eq "png") {
        set terminal pngcairo size 1200,800 enhanced font "Sans,13" linewidth 1
        tfont = "Sans,15"
        psc = 1.0
    } else {
        set terminal pdfcairo size 10in,6.667in enhanced font "Sans,9" fontscale 1.0 linewidth 1.5
        tfont = "Sans,10.5"
        psc = 0.8
    }
    set output dir . "/tensor." . ext
    reset
    set encoding utf8
    set multiplot
    set label 91 "Tensor FDR1" . title_model at screen 0.5, screen 0.965 center font tfont noenhanced
    set label 92 what at screen 0.5, screen 0.928 center noenhanced
    set label 93 verdict at screen 0.5, screen 0.893 center noenhanced
    set border 3
    set tics nomirror out
    set grid xtics ytics lc rgb "#e4e4e4" lw 1
    set style fill solid 1.0 noborder
    ps = (n > 200 ? 0.5 : (n > 50 ? 0.8 : 1.2)) * psc

    # -- left: z against index
    set lmargin at screen 0.08
    set rmargin at screen 0.56
    set tmargin at screen 0.80
    set bmargin at screen 0.16
    set ylabel "z = (LHS - RHS) / σ_{LHS-RHS}"
    set yrange [-ymax:ymax]
    set xrange [i0 - 0.6 : i1 + 0.6]
    set xzeroaxis lt 1 lc rgb "#808080" lw 1
    set grid noxtics ytics
    set key at screen 0.32, screen 0.845 center center horizontal reverse Left samplen 1.5 maxrows 1
    if (n > 0 && n <= 30) {
        eval "set xtics " . ticlist . " rotate by -45 left noenhanced"
        set xlabel (entries ? "tensor entry (i,j)" : "random unit direction u") offset 0, -0.5
    } else {
        set xtics autofreq norotate
        set xlabel (entries ? "entry number k (entries (i,j), i ≤ j, row by row)" : "direction k (u_k)")
    }
    if (n > 0) {
        if (tmin == tmax) {
            # one threshold for all: one band (adjacent boxes would show seams)
            set object 1 rect from i0 - 0.5, -tmax to i1 + 0.5, tmax behind fc rgb c_band fs solid 1.0 noborder
            cmd = "plot NaN with boxes fc rgb c_band title '±threshold'"
        } else {
            cmd = "plot file using ($1 + 1):(0):($1 + 0.5):($1 + 1.5):(-$10):($10) with boxxyerror " . \
                  "fc rgb c_band title '±threshold'"
        }
        if (nz > 0) {
            if (n <= 60) {
                cmd = cmd . ", file using ($1 + 1):(okcol(9) ? $9 : NaN) with impulses lw 2 lc rgb '#9a9a9a' notitle"
            }
            cmd = cmd . ", file using ($1 + 1):(okcol(9) && $11 == 1 ? $9 : NaN) with points pt 7 ps ps lc rgb c_pass title 'pass'" . \
                  ", file using ($1 + 1):(okcol(9) && $11 != 1 ? $9 : NaN) with points pt 7 ps ps lc rgb c_fail title 'fail'"
        }
        eval cmd
    } else {
        set label 1 "no rows in tensor.dat" at graph 0.5, graph 0.5 center
        plot NaN notitle
        unset label 1
    }
    unset label 91
    unset label 92
    unset label 93
    unset object 1

    # -- right: LHS against RHS
    set lmargin at screen 0.67
    set rmargin at screen 0.97
    set tmargin at screen 0.80
    set bmargin at screen 0.16
    unset xzeroaxis
    set xtics tstep norotate
    set ytics tstep
    set xrange [slo:shi]
    set yrange [slo:shi]
    set size square
    set grid xtics ytics
    set xlabel "RHS (loss units)" offset 0, 0
    set ylabel "LHS (loss units)"
    set key inside top left vertical maxrows auto maxcols auto reverse Left samplen 2 opaque box lc rgb "#bbbbbb"
    if (nscat > 0) {
        sx = "(okcol(3) ? $5 : NaN):3:(okcol(6) ? $6 : 0):(okcol(4) ? $4 : 0)"
        if (ndiag > 0 && noff > 0) {
            cmd = "plot file using " . sx . " with xyerrorbars pt 7 ps ps lc rgb '#1f77b4' title 'i ≠ j'" . \
                  ", file using (isdiag(strcol(2)) ? $5 : NaN):3:(okcol(6) ? $6 : 0):(okcol(4) ? $4 : 0) " . \
                  "with xyerrorbars pt 7 ps ps lc rgb '#ff7f0e' title 'i = j'"
        } else {
            cmd = "plot file using " . sx . " with xyerrorbars pt 7 ps ps lc rgb '#1f77b4' " . \
                  "title (entries ? 'entries' : 'directions')"
        }
        eval cmd . ", x with lines lc rgb '#000000' dt (6,4) title 'LHS = RHS'"
    } else {
        set label 1 "no finite LHS, RHS" at graph 0.5, graph 0.5 center
        set xrange [0:1]
        set yrange [0:1]
        plot NaN notitle
        unset label 1
    }
    unset multiplot
    set output
}

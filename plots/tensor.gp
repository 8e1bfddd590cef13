# tensor.gp - the tensor FDR1 entry by entry (fdrsim).
#   gnuplot -e "dir='OUTDIR'" plots/tensor.gp   ->  OUTDIR/tensor.png, OUTDIR/tensor.pdf
# Reads OUTDIR/tensor.dat (same columns as relations.dat), one row per tensor entry "(i,j)" or per
# random unit direction "uK":
#   index name lhs lhs_err rhs rhs_err diff diff_err z threshold pass lhs_exact rhs_exact
# Left: z = (LHS - RHS)/sigma of every entry against its index, with the +-threshold band.
# Right: LHS against RHS with 1-sigma error bars and the line LHS = RHS.
# The rows' values are in OUTDIR/meta.gp (arrays tens_*), written by fdrsim (README.md, "Output").

if (!exists("dir")) dir = "."
file = dir . "/tensor.dat"
load dir . "/meta.gp"
fig = "tensor"; fig_aspect = 0.8
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"

isfinite(x) = (x == x && abs(x) < 1e300)
n = tens_n
what = tens_what
entries = tens_full                       # "(i,j)" entries, else directions "uK"
# is the name "(i,j)" a diagonal entry?
comma(s) = strstrt(s, ",")
isdiag(s) = (s[1:1] eq "(" && comma(s) > 2 && s[2:comma(s) - 1] eq s[comma(s) + 1:strlen(s) - 1])
# largest |z|; finite z; passing; z nan; range of the finite thresholds; rows with finite lhs and
# rhs (the scatter), those on the diagonal (i,i) and off it; the scatter's range: all finite
# LHS +- err and RHS +- err
zmax = 0; nz = 0; npass = 0; nnan = 0; nt = 0; tmin = 0; tmax = 0
nscat = 0; ndiag = 0; noff = 0; slo = 0; shi = 1
err0(x) = (isfinite(x) ? x : 0)
min(a, b) = (a < b ? a : b)
max(a, b) = (a > b ? a : b)
do for [i = 1:n] {
    if (isfinite(tens_z[i])) {
        nz = nz + 1
        zmax = max(zmax, abs(tens_z[i]))
    } else {
        nnan = nnan + 1
    }
    if (tens_pass[i] == 1) { npass = npass + 1 }
    t = tens_threshold[i]
    if (isfinite(t)) {
        tmin = (nt == 0 ? t : min(tmin, t)); tmax = (nt == 0 ? t : max(tmax, t)); nt = nt + 1
    }
    if (isfinite(tens_lhs[i]) && isfinite(tens_rhs[i])) {
        lo = min(tens_lhs[i] - err0(tens_lhs_err[i]), tens_rhs[i] - err0(tens_rhs_err[i]))
        hi = max(tens_lhs[i] + err0(tens_lhs_err[i]), tens_rhs[i] + err0(tens_rhs_err[i]))
        slo = (nscat == 0 ? lo : min(slo, lo)); shi = (nscat == 0 ? hi : max(shi, hi))
        nscat = nscat + 1
        if (entries) {
            if (isdiag(tens_name[i])) { ndiag = ndiag + 1 } else { noff = noff + 1 }
        }
    }
}
i0 = 1
i1 = (n > 0 ? n : 1)
if (tmax <= 0) tmax = 3
ymax = (1.08 * zmax > 1.15 * tmax ? 1.08 * zmax : 1.15 * tmax)
# the scatter's range padded by 5 %
pad = (shi - slo) * 0.05
if (pad <= 0) { pad = (slo == 0 ? 1 : 0.05 * abs(slo)) }
slo = slo - pad; shi = shi + pad
# about 4 ticks on the scatter axes: step 1, 2 or 5 x 10^k
tstep_raw = (shi - slo) / 4.0
tstep_p = 10.0 ** floor(log10(tstep_raw))
tstep_m = tstep_raw / tstep_p
tstep = (tstep_m < 1.5 ? 1 : (tstep_m < 3.5 ? 2 : (tstep_m < 7.5 ? 5 : 10))) * tstep_p

title_model = (model eq "" ? "" : ": model " . model . " (seed " . seed . ")")
verdict = (n == 0 ? "no rows" : sprintf("%d of %d %s within |z| < threshold%s", npass, n, \
           entries ? "entries" : "directions", nnan > 0 ? sprintf(" (%d without z)", nnan) : ""))

okcol(c) = (valid(c) && isfinite(column(c)))
c_pass = "#2ca02c"; c_fail = "#d62728"; c_band = "#dadada"

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
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
        set xtics rotate by -45 left noenhanced
        set xtics (tens_name[1] 1)          # the entries' names at 1, 2, ...
        do for [i = 2:n] { set xtics add (tens_name[i] i) }
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

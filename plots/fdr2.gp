# fdr2.gp - the FDR2 decomposition of a run (fdrsim).
#   gnuplot -e "dir='OUTDIR'" plots/fdr2.gp   ->  OUTDIR/fdr2.png, OUTDIR/fdr2.pdf
# Reads OUTDIR/fdr2.dat, one row per term (loss stationarity: dissipation = F2 + F3 + ... + FK):
#   term value error exact
# rows dissipation, F2, F2_noise_averaged, F3 ... FK, residual (= dissipation - F2) and anharmonic
# (= F3 + ... + FK); the same rows, and whether the series closes, are in OUTDIR/meta.gp
# (fdr2_*), written by fdrsim (README.md, "Output").
# Left: every term as a bar with its 1-sigma error bar and its exact value (dashed) when finite.
#   When the non-zero values span more than two decades the axis is log |value|, otherwise linear;
#   the sign is shown by the fill (solid blue positive, hatched red negative) and the value is
#   written over each bar.
#   Terms exactly 0 are written "0" without a bar; terms that are not numbers "n/a".
# Right: the identity on linear axes: dissipation against F2 and against F2 + ... + FK (top), and
#   dissipation - F2 against F3 + ... + FK (bottom), with z-scores: against F2 alone from the
#   residual and its own error, against F2 + ... + FK with the two errors taken as independent.

if (!exists("dir")) dir = "."
file = dir . "/fdr2.dat"
load dir . "/meta.gp"
fig = "fdr2"; fig_aspect = 0.8
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"

isfinite(x) = (x == x && abs(x) < 1e300)
n = fdr2_n
# rows with a non-zero value, rows exactly 0, rows not a number, positive and negative rows;
# smallest and largest non-zero |value| and |exact|, largest |value| + error; smallest and
# largest of value -+ error, exact and 0; K; x of the residual and anharmonic bars (-1: none);
# value error exact of dissipation, F2, residual, anharmonic (NaN when absent) and the sum of
# the exact F2 ... FK (NaN unless all are finite)
nnz = 0; nzero = 0; nnan = 0; npos = 0; nneg = 0; amin = 0; amax = 0; tmax = 0
lmin = 0; lmax = 0; xmin = 0; xmax = 0; nxnz = 0; nxall = 0; K = 0; xres = -1; xanh = -1
dv = NaN; de = NaN; dx = NaN; fv = NaN; fe = NaN; fx = NaN
rv = NaN; re = NaN; rx = NaN; av = NaN; ae = NaN; ax = NaN; sx = 0
isF(t) = (t[1:1] eq "F" && t ne "F2_noise_averaged")
xp(i) = i - 1 + ((fdr2_term[i] eq "residual" || fdr2_term[i] eq "anharmonic") ? 0.6 : 0)
do for [i = 1:n] {
    t = fdr2_term[i]; v = fdr2_value[i]; xe = fdr2_exact[i]
    e = (isfinite(fdr2_error[i]) ? abs(fdr2_error[i]) : 0)
    if (t eq "residual") { xres = xp(i); rv = v; re = fdr2_error[i]; rx = xe }
    if (t eq "anharmonic") { xanh = xp(i); av = v; ae = fdr2_error[i]; ax = xe }
    if (t eq "dissipation") { dv = v; de = fdr2_error[i]; dx = xe }
    if (t eq "F2") { fv = v; fe = fdr2_error[i]; fx = xe }
    if (!isfinite(v)) {
        nnan = nnan + 1
    } else {
        lmin = (v - e < lmin ? v - e : lmin); lmax = (v + e > lmax ? v + e : lmax)
        if (v == 0) {
            nzero = nzero + 1
        } else {
            amin = (nnz == 0 || abs(v) < amin ? abs(v) : amin)
            amax = (abs(v) > amax ? abs(v) : amax)
            nnz = nnz + 1
            tmax = (abs(v) + e > tmax ? abs(v) + e : tmax)
            if (v < 0) { nneg = nneg + 1 } else { npos = npos + 1 }
        }
    }
    if (isfinite(xe)) {
        nxall = nxall + 1
        lmin = (xe < lmin ? xe : lmin); lmax = (xe > lmax ? xe : lmax)
        if (xe != 0) {
            xmin = (nxnz == 0 || abs(xe) < xmin ? abs(xe) : xmin)
            xmax = (abs(xe) > xmax ? abs(xe) : xmax)
            nxnz = nxnz + 1
        }
    }
    if (isF(t)) {
        K = (t[2:] + 0 > K ? t[2:] + 0 : K)
        sx = sx + xe
    }
}
if (!isfinite(sx) || !isfinite(fx)) { sx = NaN }
if (K == 0) { sx = NaN }
if (K < 2) K = (fdr2_closes > 0 ? 2 : fdr2_order)
okcol(c) = (valid(c) && isfinite(column(c)))
err0(x) = (isfinite(x) ? abs(x) : 0)

# names of the sums F2 + ... + FK and F3 + ... + FK
sumlab = (K > 3 ? sprintf("F_2 + … + F_{%d}", K) : (K == 3 ? "F_2 + F_3" : "F_2 (K = 2)"))
anhlab = (K > 3 ? sprintf("F_3 + … + F_{%d}", K) : (K == 3 ? "F_3" : "none (K = 2)"))
anhlab2 = (K > 3 ? sprintf("F_3 + …\n+ F_{%d}", K) : (K == 3 ? "F_3" : "none\n(K = 2)"))
# x tick labels, at xp(i)
ticlabel(t) = (t eq "F2_noise_averaged" ? "F_2 (noise-avg.)" : t eq "residual" ? "dissipation − F_2" : \
               t eq "anharmonic" ? anhlab : isF(t) ? "F_{" . t[2:] . "}" : t)

# ---- scale of the bar chart ---------------------------------------------------------------------
# log |value| when the non-zero values span more than two decades (exact values widen the range
# but do not decide it)
logy = (nnz >= 2 && amax > 100 * amin)
fbar = 0.68                                # bars and their error bars stay below this graph fraction
if (logy) {
    lo = (xmin > 0 && xmin < amin ? xmin : amin)
    hi = (xmax > tmax ? xmax : tmax)
    L0 = floor(log10(lo))
    if (lo / 10.0 ** L0 < 2) { L0 = L0 - 1 }
    L1 = log10(hi)
    ylo = 10.0 ** L0
    yhi = 10.0 ** (L0 + (L1 - L0) / fbar)
} else {
    if (lmax <= lmin) { lmin = lmin - 1; lmax = lmax + 1 }
    fneg = (nneg > 0 ? 0.17 : 0.04)
    span = (lmax - lmin) / (fbar - fneg)
    ylo = lmin - fneg * span
    yhi = ylo + span
}
# a bar from the axis (log) or from 0 (linear) to the value
ybot(v) = (logy ? ylo : (v < 0 ? v : 0))
ytop(v) = (logy ? abs(v) : (v < 0 ? 0 : v))
ymid(v) = (logy ? abs(v) : v)
# error bar ends (log: clipped at the axis)
elo(v, e) = (logy ? (abs(v) - e > ylo ? abs(v) - e : ylo) : v - e)
ehi(v, e) = (logy ? abs(v) + e : v + e)
# where a bar's label sits: above the error bar, or below it for negative values on a linear axis
lab_y(v, e) = (logy ? (abs(v) + e) * 10.0 ** (0.012 * (log10(yhi) - L0)) : (v < 0 ? v - e - 0.012 * (yhi - ylo) : v + e + 0.012 * (yhi - ylo)))
# where "0" and "n/a" sit: just above the axis (log) or at 0 (linear)
zero_y = (logy ? 10.0 ** (L0 + 0.03 * (log10(yhi) - L0)) : 0)
# a short value label: 0.0123 or 5.44×10^{-3}
fmtv(v) = (v == 0 ? "0" : (abs(v) >= 0.01 && abs(v) < 1e4 ? sprintf("%#.3g", v) : \
           gprintf("%.2t", v) . "×10^{" . gprintf("%T", v) . "}"))
xpos(c) = column(0) + ((strcol(1) eq "residual" || strcol(1) eq "anharmonic") ? 0.6 : 0)
xlast = (n > 0 ? n - 1 + (xanh >= 0 || xres >= 0 ? 0.6 : 0) : 1)

# ---- the identity: z-scores ---------------------------------------------------------------------
# dissipation = F2: the residual carries its own error (correlations included)
z_h = (isfinite(rv) && isfinite(re) && re > 0 ? rv / re : NaN)
# dissipation = F2 + ... + FK: residual - anharmonic, errors combined as independent
sv = fv + (isfinite(av) ? av : 0)
se = sqrt(err0(fe) ** 2 + err0(ae) ** 2)
sd = sqrt(err0(re) ** 2 + err0(ae) ** 2)
z_f = (isfinite(rv) && isfinite(av) && sd > 0 ? (rv - av) / sd : NaN)
zstr(z) = (isfinite(z) ? sprintf("%+.2f", z) : "n/a")

title_model = (model eq "" ? "" : ": model " . model . " (seed " . seed . ")")
series = (n == 0 ? "" : fdr2_closes > 0 ? sprintf("polynomial: closes exactly at order %d", fdr2_closes) : \
          sprintf("not a polynomial: truncated at order %d", fdr2_order))

c_pos = "#1f77b4"; c_neg = "#d62728"; c_negbg = "#f6c6c6"
c_err = "#303030"; c_ex = "#000000"
c_d = "#1f77b4"; c_f = "#ff7f0e"; c_s = "#9467bd"; c_a = "#2ca02c"
# a tick step of 1, 2 or 5 x 10^k giving about nt ticks over a span
pw(r) = 10.0 ** floor(log10(r))
nicestep(r) = (r / pw(r) < 1.5 ? 1 : (r / pw(r) < 3.5 ? 2 : (r / pw(r) < 7.5 ? 5 : 10))) * pw(r)
# a power of ten for the tick labels of a range (0 unless the values are below 0.1 or above 1e4)
p10(lo, hi) = (abs(lo) > abs(hi) ? abs(lo) : abs(hi))
pk(lo, hi) = (p10(lo, hi) > 0 ? floor(log10(p10(lo, hi))) : 0)
kscale(lo, hi) = (pk(lo, hi) <= -2 || pk(lo, hi) >= 4 ? pk(lo, hi) : 0)

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    set multiplot
    set label 91 "FDR2 decomposition" . title_model at screen 0.5, screen 1 - 0.75 * ch center \
        font tfont noenhanced
    set label 92 "dissipation = F_2 + F_3 + … + F_K  (loss stationarity; arXiv:1810.00004)" . \
        (series eq "" ? "" : ";  " . series) \
        at screen 0.5, screen 1 - 1.85 * ch center
    if (!plot_title) { unset label 91; unset label 92 }

    # the legend of the bar chart: an empty plot that only draws its key, in one row
    set lmargin at screen 0.0
    set rmargin at screen 0.72
    set tmargin at screen 0.90
    set bmargin at screen 0.87
    unset border
    unset tics
    set xrange [0:1]
    set yrange [0:1]
    set key at screen 0.36, screen 0.885 center center horizontal reverse Left samplen 1.8 maxrows 1 width 1
    keycmd = "plot NaN notitle"
    if (npos > 0) {
        keycmd = keycmd . ", NaN with boxes fs solid 0.85 noborder fc rgb c_pos title 'term > 0'"
    }
    if (nneg > 0) {
        keycmd = keycmd . ", NaN with boxes fs pattern 4 border lc rgb c_neg fc rgb c_neg title 'term < 0'"
    }
    if (nnz > 0) {
        keycmd = keycmd . ", NaN with vectors heads size screen 0.008,90 lw 1.5 lc rgb c_err title '±1σ'"
    }
    if ((logy ? nxnz : nxall) > 0) {
        keycmd = keycmd . ", NaN with lines dt (4,3) lw 2.5 lc rgb c_ex title 'exact value'"
    }
    eval keycmd
    unset key
    unset label 91
    unset label 92
    set border 3
    set xtics nomirror out
    set ytics nomirror out
    set grid ytics lc rgb "#e4e4e4" lw 1

    # -- left: the terms as bars
    set lmargin at screen 0.085
    set rmargin at screen 0.635
    set tmargin at screen 0.84
    set bmargin at screen 0.17
    set xrange [-0.6 : xlast + 0.6]
    set yrange [ylo:yhi]
    if (logy) {
        set logscale y
        set format y "10^{%L}"
        set ytics 10 ** ceil((log10(yhi) - L0) / 9.0)
        set mytics (ceil((log10(yhi) - L0) / 9.0) > 1 ? 1 : 10)
        set ylabel "|term|  (loss units, log scale)"
    } else {
        unset logscale y
        set format y "%g"
        set ytics autofreq
        set xzeroaxis lt 1 lc rgb "#808080" lw 1
        set ylabel "term (loss units)"
    }
    if (n > 0) {
        set xtics scale 0 rotate by 30 right
        set xtics (ticlabel(fdr2_term[1]) xp(1))
        do for [i = 2:n] { set xtics add (ticlabel(fdr2_term[i]) xp(i)) }
        bars = "plot file using (xpos(0)):(okcol(2) && $2 > 0 ? ymid($2) : NaN):(xpos(0) - 0.36):(xpos(0) + 0.36):" . \
               "(ybot($2)):(ytop($2)) with boxxyerror fs solid 0.85 noborder fc rgb c_pos notitle"
        if (nneg > 0) {
            bars = bars . ", file using (xpos(0)):(okcol(2) && $2 < 0 ? ymid($2) : NaN):(xpos(0) - 0.36):(xpos(0) + 0.36):" . \
                   "(ybot($2)):(ytop($2)) with boxxyerror fs solid 1.0 noborder fc rgb c_negbg notitle" . \
                   ", file using (xpos(0)):(okcol(2) && $2 < 0 ? ymid($2) : NaN):(xpos(0) - 0.36):(xpos(0) + 0.36):" . \
                   "(ybot($2)):(ytop($2)) with boxxyerror fs pattern 4 border lc rgb c_neg fc rgb c_neg notitle"
        }
        # error bars as flat-headed vectors (yerrorbars would blank a disc around the hidden point)
        bars = bars . ", file using (xpos(0)):(okcol(2) && $2 != 0 ? elo($2, okcol(3) ? abs($3) : 0) : NaN):(0):" . \
               "(ehi($2, okcol(3) ? abs($3) : 0) - elo($2, okcol(3) ? abs($3) : 0)) " . \
               "with vectors heads size screen 0.008,90 lw 1.5 lc rgb c_err notitle"
        # exact values (log: non-zero ones only), as dashes across the bar
        bars = bars . ", file using (xpos(0) - 0.42):(okcol(4) && (!logy || $4 != 0) ? ymid($4) : NaN):(0.84):(0) " . \
               "with vectors nohead dt (4,3) lw 2.5 lc rgb c_ex notitle"
        # the values, rotated, above (below) each bar; "0" and "n/a" at the axis
        # (a "with labels" plot whose only point is undefined crashes gnuplot 5.4: each is guarded)
        if (logy ? nnz > 0 : npos > 0) {
            bars = bars . ", file using (xpos(0)):(okcol(2) && $2 != 0 && (logy || $2 > 0) ? lab_y($2, okcol(3) ? abs($3) : 0) : NaN):" . \
                   "(fmtv($2)) with labels rotate by 90 left font vfont tc rgb '#202020' notitle"
        }
        if (!logy && nneg > 0) {
            bars = bars . ", file using (xpos(0)):(okcol(2) && $2 < 0 ? lab_y($2, okcol(3) ? abs($3) : 0) : NaN):" . \
                   "(fmtv($2)) with labels rotate by 90 right font vfont tc rgb '#202020' notitle"
        }
        if (nzero > 0 || nnan > 0) {
            bars = bars . ", file using (xpos(0)):(zero_y):(okcol(2) ? ($2 == 0 ? '0' : '') : 'n/a') " . \
                   "with labels font sfont tc rgb '#404040' offset 0, 0.6 notitle"
        }
        # the bracket over "dissipation - F2" and "F3 + ... + FK"
        if (xres >= 0 && xanh >= 0) {
            xb0 = (xres < xanh ? xres : xanh) - 0.4
            xb1 = (xres < xanh ? xanh : xres) + 0.4
            set arrow 1 from first xb0, graph 0.875 to first xb1, graph 0.875 nohead lw 1.5 lc rgb "#505050" front
            set arrow 2 from first xb0, graph 0.875 to first xb0, graph 0.84 nohead lw 1.5 lc rgb "#505050" front
            set arrow 3 from first xb1, graph 0.875 to first xb1, graph 0.84 nohead lw 1.5 lc rgb "#505050" front
            set label 3 sprintf("should agree: z ≈ %s", zstr(z_f)) at first xb1, graph 0.905 right font sfont \
                tc rgb "#303030" front
            # and the separator between the terms and the two sums
            set arrow 4 from first xb0 - 0.1, graph 0 to first xb0 - 0.1, graph 0.81 nohead dt (2,4) lw 1 \
                lc rgb "#a0a0a0" back
        }
        eval bars
    } else {
        unset xtics
        set label 1 "no rows in fdr2.dat" at graph 0.5, graph 0.5 center
        plot NaN notitle
        unset label 1
    }
    unset label 3
    unset arrow
    unset logscale y
    unset xzeroaxis
    unset key
    unset ylabel

    # -- right: the identity on linear axes, each panel on its own scale
    set label 93 "the identity (linear scale, ±1σ)" at screen 0.84, screen 0.885 center font sfont
    set xtics norotate center scale 0
    set ytics autofreq
    set format y "%g"
    set mytics default
    set grid ytics
    set lmargin at screen 0.74
    set rmargin at screen 0.975
    # top: dissipation vs F2 vs F2 + ... + FK
    lo = 1e300; hi = -1e300
    array r1[9] = [dv - err0(de), dv + err0(de), dx, fv - err0(fe), fv + err0(fe), fx, sv - se, sv + se, sx]
    do for [j = 1:9] { v = r1[j]; if (isfinite(v)) { lo = (v < lo ? v : lo); hi = (v > hi ? v : hi) } }
    if (lo > hi) { lo = 0; hi = 1 }
    if (hi - lo <= 0) { d = (abs(lo) > 0 ? 0.1 * abs(lo) : 1); lo = lo - d; hi = hi + d }
    pad = 0.15 * (hi - lo); lo = lo - pad; hi = hi + pad
    ke = kscale(lo, hi); sc = 10.0 ** (-ke)
    set tmargin at screen 0.79
    set bmargin at screen 0.545
    set xrange [-0.6:2.6]
    set yrange [lo * sc : hi * sc]
    set ytics nicestep((hi - lo) * sc / 4.0)
    set xtics ("dissipation" 0, "F_2" 1, sumlab 2)
    set title "dissipation vs its expansion" font sfont offset 0, -0.6
    set ylabel (ke != 0 ? sprintf("loss units ×10^{%d}", ke) : "loss units")
    cmd = "plot NaN notitle"
    if (isfinite(dv)) {
        cmd = cmd . sprintf(", '+' using (0):(%.10g):(%.10g) every ::0::0 with yerrorbars pt 7 ps 1.3*psc lw 1.5 lc rgb c_d notitle", dv * sc, err0(de) * sc)
    }
    if (isfinite(fv)) {
        cmd = cmd . sprintf(", '+' using (1):(%.10g):(%.10g) every ::0::0 with yerrorbars pt 5 ps 1.2*psc lw 1.5 lc rgb c_f notitle", fv * sc, err0(fe) * sc)
    }
    if (isfinite(sv)) {
        cmd = cmd . sprintf(", '+' using (2):(%.10g):(%.10g) every ::0::0 with yerrorbars pt 9 ps 1.5*psc lw 1.5 lc rgb c_s notitle", sv * sc, se * sc)
    }
    do for [j = 0:2] {
        xv = (j == 0 ? dx : (j == 1 ? fx : sx))
        if (isfinite(xv)) {
            cmd = cmd . sprintf(", '+' using (%g):(%.10g):(0.8):(0) every ::0::0 with vectors nohead dt (4,3) lw 2 lc rgb c_ex notitle", j - 0.4, xv * sc)
        }
    }
    set samples 2
    if (!isfinite(dv) && !isfinite(fv)) { set label 5 "no data" at graph 0.5, graph 0.5 center }
    eval cmd
    unset label 5
    unset label 93

    # bottom: dissipation - F2 vs F3 + ... + FK, with 0
    lo = 0; hi = 0
    array r2[6] = [rv - err0(re), rv + err0(re), rx, av - err0(ae), av + err0(ae), ax]
    do for [j = 1:6] { v = r2[j]; if (isfinite(v)) { lo = (v < lo ? v : lo); hi = (v > hi ? v : hi) } }
    if (hi - lo <= 0) { lo = -1; hi = 1 }
    pad = 0.15 * (hi - lo); lo = lo - pad; hi = hi + pad
    ke = kscale(lo, hi); sc = 10.0 ** (-ke)
    set tmargin at screen 0.415
    set bmargin at screen 0.195
    set xrange [-0.7:1.7]
    set yrange [lo * sc : hi * sc]
    set ytics nicestep((hi - lo) * sc / 4.0)
    set xzeroaxis lt 1 lc rgb "#808080" lw 1
    set xtics ("dissipation\n− F_2" 0, anhlab2 1)
    set title "the anharmonic part" font sfont offset 0, -0.6
    set ylabel (ke != 0 ? sprintf("loss units ×10^{%d}", ke) : "loss units")
    cmd = "plot NaN notitle"
    if (isfinite(rv)) {
        cmd = cmd . sprintf(", '+' using (0):(%.10g):(%.10g) every ::0::0 with yerrorbars pt 7 ps 1.3*psc lw 1.5 lc rgb c_d notitle", rv * sc, err0(re) * sc)
    }
    if (isfinite(av)) {
        cmd = cmd . sprintf(", '+' using (1):(%.10g):(%.10g) every ::0::0 with yerrorbars pt 5 ps 1.2*psc lw 1.5 lc rgb c_a notitle", av * sc, err0(ae) * sc)
    }
    if (!isfinite(rv) && !isfinite(av)) { set label 5 "no data" at graph 0.5, graph 0.5 center }
    do for [j = 0:1] {
        xv = (j == 0 ? rx : ax)
        if (isfinite(xv)) {
            cmd = cmd . sprintf(", '+' using (%g):(%.10g):(0.8):(0) every ::0::0 with vectors nohead dt (4,3) lw 2 lc rgb c_ex notitle", j - 0.4, xv * sc)
        }
    }
    eval cmd
    unset label 5
    unset title
    unset ylabel
    unset xzeroaxis

    # z-scores under the right panels
    set label 94 sprintf("dissipation vs F_2:  z = %s", zstr(z_h)) at screen 0.735, screen 0.085 left font sfont
    set label 95 sprintf("vs %s:  z ≈ %s", sumlab, zstr(z_f)) at screen 0.735, screen 0.05 left font sfont
    set label 96 "(≈: the two σ's taken as independent)" at screen 0.735, screen 0.018 left font vfont
    unset border
    unset tics
    unset grid
    set lmargin at screen 0.74
    set rmargin at screen 0.975
    set tmargin at screen 0.10
    set bmargin at screen 0.01
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
    unset label 94
    unset label 95
    unset label 96
    unset multiplot
    set output
}

# fdr2.gp - the FDR2 decomposition of a run (fdrsim): does dissipation = F2 + F3 + ... + FK hold?
#   gnuplot -e "dir='OUTDIR'" plots/fdr2.gp   ->  OUTDIR/fdr2.png, OUTDIR/fdr2.pdf
# Reads the rows of OUTDIR/fdr2.dat (term value error exact: dissipation, F2, F2_noise_averaged,
# F3 ... FK, residual = dissipation - F2, anharmonic = F3 + ... + FK) from OUTDIR/meta.gp
# (fdr2_*), written by fdrsim (README.md, "Output"), with whether the series closes.
# Top: every term's size |value| on a log axis, always (terms span decades, and one scale for every
#   model compares figures): solid bars positive, hatched negative, 1σ error bars, the exact value
#   as a dashed tick when finite; a term exactly 0 is written "0", one not a number "n/a".
# Bottom: the identity on a linear axis: dissipation - F2 against F3 + ... + FK with 1σ error bars
#   and exact values, and the z-scores of dissipation = F2 (the residual and its own error) and of
#   dissipation = F2 + ... + FK (the two errors taken as independent).
# Size, font and formats come from plots/terminal.gp.

if (!exists("dir")) dir = "."
load dir . "/meta.gp"
fig = "fdr2"; fig_aspect = 1.0
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"

isfinite(x) = (x == x && abs(x) < 1e300)
err0(x) = (isfinite(x) ? abs(x) : 0)
n = fdr2_n
isF(t) = (t[1:1] eq "F" && t ne "F2_noise_averaged")
# the bars: every row but residual and anharmonic, as a datablock "x |value| sign error exact";
# the residual (dissipation - F2) and the anharmonic sum; the log axis's range; K
set print $bars
nb = 0; npos = 0; nneg = 0; nzero = 0; nnan = 0; nex = 0; amin = 0; amax = 0; K = 0
rv = NaN; re = NaN; rx = NaN; av = NaN; ae = NaN; ax = NaN
array bname[n > 0 ? n : 1]
do for [i = 1:n] {
    t = fdr2_term[i]; v = fdr2_value[i]; e = err0(fdr2_error[i]); xe = fdr2_exact[i]
    if (t eq "residual") { rv = v; re = fdr2_error[i]; rx = xe }
    if (t eq "anharmonic") { av = v; ae = fdr2_error[i]; ax = xe }
    if (t ne "residual" && t ne "anharmonic") {
        nb = nb + 1
        bname[nb] = t
        if (isF(t) && t[2:] + 0 > K) { K = t[2:] + 0 }
        if (!isfinite(v)) { nnan = nnan + 1 }
        if (isfinite(v) && v == 0) { nzero = nzero + 1 }
        if (isfinite(v) && v != 0) {
            if (v > 0) { npos = npos + 1 } else { nneg = nneg + 1 }
            amin = (amin == 0 || abs(v) < amin ? abs(v) : amin)
            amax = (abs(v) + e > amax ? abs(v) + e : amax)
        }
        if (isfinite(xe) && xe != 0) {
            nex = nex + 1
            amin = (amin == 0 || abs(xe) < amin ? abs(xe) : amin)
            amax = (abs(xe) > amax ? abs(xe) : amax)
        }
        print sprintf("%d %.17g %d %.17g %.17g", nb - 1, (isfinite(v) ? abs(v) : NaN), \
                      (isfinite(v) ? (v < 0 ? -1 : (v > 0 ? 1 : 0)) : 0), e, (isfinite(xe) ? abs(xe) : NaN))
    }
}
unset print
if (K < 2) K = (fdr2_closes > 0 ? 2 : fdr2_order)
have_log = (amax > 0)
L0 = (have_log ? floor(log10(amin)) - 1 : -1)
L1 = (have_log ? ceil(log10(amax)) + 0.8 : 1)
ylo = 10.0 ** L0; yhi = 10.0 ** L1
dstep = ceil((L1 - L0) / 5.0)

# the identity's z-scores: dissipation = F2 from the residual's own error (correlations included);
# dissipation = F2 + ... + FK from residual - anharmonic with the errors taken as independent
z_h = (isfinite(rv) && isfinite(re) && re > 0 ? rv / re : NaN)
sd = sqrt(err0(re) ** 2 + err0(ae) ** 2)
z_f = (isfinite(rv) && isfinite(av) && sd > 0 ? (rv - av) / sd : NaN)
zstr(z) = (isfinite(z) ? sprintf(L("%+.2f", "$%+.2f$"), z) : "n/a")
# the bottom panel's range: both points, their errors, their exact values and 0
blo = 0; bhi = 0
array bv[6] = [rv - err0(re), rv + err0(re), av - err0(ae), av + err0(ae), rx, ax]
do for [j = 1:6] { if (isfinite(bv[j])) { blo = (bv[j] < blo ? bv[j] : blo); bhi = (bv[j] > bhi ? bv[j] : bhi) } }
if (bhi <= blo) { blo = -1; bhi = 1 }
pad = 0.15 * (bhi - blo); blo = blo - pad; bhi = bhi + pad
ke = floor(log10(abs(blo) > abs(bhi) ? abs(blo) : abs(bhi)))
if (ke > -3 && ke < 4) { ke = 0 }
sc = 10.0 ** (-ke)

series = (n == 0 ? "no terms" : fdr2_closes > 0 ? sprintf("polynomial: closes at order %d", fdr2_closes) : \
          sprintf("not a polynomial: truncated at order %d", fdr2_order))
ticlabel(t) = (t eq "F2_noise_averaged" ? L("F_2 (avg)", "$F_2$ (avg)") : t eq "dissipation" ? "diss." : \
               isF(t) ? L("F_{" . t[2:] . "}", "$F_{" . t[2:] . "}$") : raw(t))
c_pos = "#1f77b4"; c_neg = "#d62728"; c_err = "#303030"; c_ex = "#000000"
c_d = "#1f77b4"; c_a = "#2ca02c"
ytop = 1 - (plot_title ? 2.9 : 0.6) * ch - 1.3 * ch
ybot = 2.6 * ch
hmid = ybot + 0.42 * (ytop - ybot)

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    set multiplot
    title_model = (model eq "" ? "" : ": " . raw(model) . " (seed " . seed . ")")
    anhlab = (K > 3 ? sprintf(L("F_3+…+F_{%d}", "$F_3+\\dots+F_{%d}$"), K) : \
              (K == 3 ? L("F_3", "$F_3$") : "none"))
    if (plot_title) {
        set label 91 fit_title("FDR2 decomposition", title_model) at screen 0.5, screen 1 - 0.75 * ch \
            center font tfont noenhanced
        set label 92 L("dissipation = F_2 + F_3 + … + F_K;  ", \
                       "dissipation $= F_2 + F_3 + \\dots + F_K$;\\quad ") . series at screen 0.5, screen 1 - 1.85 * ch \
            center font sfont
    }
    set lmargin 9
    set rmargin 2
    set border 3
    set tics nomirror out scale 0.6
    set grid ytics lc rgb "#e4e4e4" lw 1

    # -- top: the terms' sizes
    set tmargin at screen ytop
    set bmargin at screen hmid + 2.2 * ch
    set xrange [-0.6 : (nb > 0 ? nb : 1) - 0.4]
    set yrange [ylo:yhi]
    set logscale y
    set format y L("10^{%L}", "$10^{%L}$")
    set ytics 10 ** dstep
    set mytics (dstep > 1 ? 1 : 10)
    set ylabel L("|term|", "$|$term$|$")
    set key at screen 0.5, screen ytop + 0.65 * ch center center horizontal reverse Left samplen 1 width (latex ? 3 : 0) \
        maxrows 1 font vfont
    if (nb > 0) {
        set xtics scale 0 (ticlabel(bname[1]) 0)
        do for [i = 2:nb] { set xtics add (ticlabel(bname[i]) i - 1) }
        set xtics font sfont
        t_pos = L("term > 0", "term $> 0$"); t_neg = L("term < 0", "term $< 0$")
        t_err = L("±1σ", "$\\pm1\\sigma$")
        cmd = "plot $bars using 1:($3 > 0 ? $2 : NaN):(0.6) with boxes fs solid 0.85 noborder fc rgb c_pos " . \
              (npos > 0 ? "title t_pos" : "notitle") . \
              ", $bars using 1:($3 < 0 ? $2 : NaN):(0.6) with boxes fs pattern 4 border lc rgb c_neg fc rgb c_neg " . \
              (nneg > 0 ? "title t_neg" : "notitle") . \
              ", $bars using 1:($3 != 0 ? $2 : NaN):($2 - $4 > ylo ? $2 - $4 : ylo):($2 + $4) with yerrorbars " . \
              "pt 7 ps 0 lw 1.2 lc rgb c_err " . (npos + nneg > 0 ? "title t_err" : "notitle") . \
              ", $bars using ($1 - 0.4):5:(0.8):(0) with vectors nohead dt (6,4) lw 1.5 lc rgb c_ex " . \
              (nex > 0 ? "title 'exact'" : "notitle")
        if (nzero + nnan > 0) {
            cmd = cmd . ", $bars using 1:(ylo * 10 ** (0.06 * (L1 - L0))):($2 == 0 ? '0' : ($2 == $2 ? '' : 'n/a')) " . \
                  "with labels font vfont tc rgb '#505050' notitle"
        }
        eval cmd
    } else {
        set label 1 "no FDR2 terms" at graph 0.5, graph 0.5 center
        plot NaN notitle
        unset label 1
    }
    unset label 91
    unset label 92
    unset logscale y
    unset key
    set format y L("%g", "$%g$")
    set mytics default

    # -- bottom: the identity, dissipation - F2 = F3 + ... + FK
    set tmargin at screen hmid
    set bmargin at screen ybot
    set xrange [-0.7:1.7]
    set yrange [blo * sc : bhi * sc]
    set ytics nicestep((bhi - blo) * sc / 3.0)
    set xtics (L("dissipation − F_2", "dissipation $-$ $F_2$") 0, anhlab 1) scale 0 font sfont
    set xzeroaxis lt 1 lc rgb "#808080" lw 1
    set ylabel (ke != 0 ? sprintf(L("×10^{%d}", "$\\times10^{%d}$"), ke) : "loss units")
    set label 94 sprintf(L("z(diss. = F_2) = %s", "$z$(diss.\\ $= F_2$) $=$ %s"), zstr(z_h)) \
        at graph 0.02, graph 0.93 left font vfont
    set label 95 sprintf(L("z(diss. = F_2+…+F_{%d}) ≈ %s", "$z$(diss.\\ $= F_2+\\dots+F_{%d}$) $\\approx$ %s"), \
                         K, zstr(z_f)) at graph 0.02, graph 0.82 left font vfont
    cmd = "plot NaN notitle"
    if (isfinite(rv)) {
        cmd = cmd . sprintf(", '+' using (0):(%.10g):(%.10g) every ::0::0 with yerrorbars pt 7 ps psc lw 1.5 lc rgb c_d notitle", rv * sc, err0(re) * sc)
    }
    if (isfinite(av)) {
        cmd = cmd . sprintf(", '+' using (1):(%.10g):(%.10g) every ::0::0 with yerrorbars pt 5 ps psc lw 1.5 lc rgb c_a notitle", av * sc, err0(ae) * sc)
    }
    do for [j = 0:1] {
        xv = (j == 0 ? rx : ax)
        if (isfinite(xv)) {
            cmd = cmd . sprintf(", '+' using (%g):(%.10g):(0.8):(0) every ::0::0 with vectors nohead dt (6,4) lw 1.5 lc rgb c_ex notitle", j - 0.4, xv * sc)
        }
    }
    eval cmd
    unset multiplot
    set output
}

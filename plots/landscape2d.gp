# landscape2d.gp - the landscape of a 2-D model and the stationary samples of SGD (fdrsim).
#   gnuplot -e "dir='OUTDIR'" plots/landscape2d.gp   ->  OUTDIR/landscape2d.png, OUTDIR/landscape2d.pdf
# Reads, in OUTDIR:
#   landscape2d.dat  f on a regular grid: rows "x1 x2 f", a blank line after each x1 block
#   samples.dat      rows "x1 x2": stationary samples of theta (any number, may be empty)
#   minima.dat       rows "x1 x2 f": local minima (may be empty)
# The map shows f - f_min (f_min: the lowest local minimum, or the grid's smallest f when that is
# lower) in colour on a log scale, interpolated, with contour
# lines at 1-2-5 (or 1-3, or whole decades) steps of it; values below the 1 % quantile of
# f - f_min share the lowest colour, so the far field cannot swamp the basins.  The samples are
# small translucent points (at most about 4000 drawn), the minima diamonds with their f written
# (0 when within 1e-9 of the scale of f).
# Equal scales on both axes.  The grid's, samples' and minima's counts and extents are in
# OUTDIR/meta.gp (map_*, smp_*, min_*), written by fdrsim (README.md, "Output").

if (!exists("dir")) dir = "."
file = dir . "/landscape2d.dat"
sfile = dir . "/samples.dat"
mfile = dir . "/minima.dat"
load dir . "/meta.gp"
fig = "landscape2d"; fig_aspect = 0.9
load ARG0[1:strlen(ARG0) - strlen(fig . ".gp")] . "terminal.gp"
np = map_points; nf = map_nf; nnf = map_nnf; fmin = map_fmin; fmax = map_fmax; qlow = map_qlow
gx0 = map_x0; gx1 = map_x1; gy0 = map_y0; gy1 = map_y1; argx = map_argx; argy = map_argy
ns = smp_n; nsout = smp_out; nm = min_n
have_grid = (np >= 4 && gx1 > gx0 && gy1 > gy0)
have_f = (have_grid && nf >= 4)

# ---- the map's extent: the grid, else the samples and minima, padded ----------------------------
if (have_grid) {
    X0 = gx0; X1 = gx1; Y0 = gy0; Y1 = gy1
} else {
    # the samples' and minima's extent
    X0 = (ns > 0 ? smp_x0 : NaN); X1 = (ns > 0 ? smp_x1 : NaN)
    Y0 = (ns > 0 ? smp_y0 : NaN); Y1 = (ns > 0 ? smp_y1 : NaN)
    do for [i = 1:nm] {
        if (!(X0 <= min_x[i])) { X0 = min_x[i] }
        if (!(X1 >= min_x[i])) { X1 = min_x[i] }
        if (!(Y0 <= min_y[i])) { Y0 = min_y[i] }
        if (!(Y1 >= min_y[i])) { Y1 = min_y[i] }
    }
    if (X0 != X0) { X0 = -1; X1 = 1; Y0 = -1; Y1 = 1 }
    pad = 0.05 * ((X1 - X0) > (Y1 - Y0) ? (X1 - X0) : (Y1 - Y0))
    if (pad <= 0) { pad = 1 }
    X0 = X0 - pad; X1 = X1 + pad; Y0 = Y0 - pad; Y1 = Y1 + pad
}

# ---- layout -------------------------------------------------------------------------------------
# equal scales: the largest box of the data's aspect inside the free area (screen fractions),
# centred together with the colour box on its right; r converts a width fraction to a height one
r = fig_w / fig_h
ax0 = 9 * cw; ax1 = 1 - 13 * cw; ay0 = 3.2 * ch; ay1 = 1 - (plot_title ? 4.2 : 2.0) * ch
wpx = (ax1 - ax0) * r; hpx = (ay1 - ay0)
sxy = (wpx / (X1 - X0) < hpx / (Y1 - Y0) ? wpx / (X1 - X0) : hpx / (Y1 - Y0))
pw = (X1 - X0) * sxy / r; ph = (Y1 - Y0) * sxy
px0 = ax0 + (ax1 - ax0 - pw) / 2; py0 = ay0 + (ay1 - ay0 - ph) / 2

# data units per text line (ch) of the figure
dln(k) = k * ch / sxy

# minima labels go right of the marker, or left of it near the right edge.  A "with labels" plot
# whose only point is undefined crashes gnuplot 5.4, so each is drawn only if used.
xmid = X1 - 12 * cw * r / sxy
nml = 0
do for [i = 1:nm] { if (min_x[i] < xmid) { nml = nml + 1 } }
nmr = nm - nml

# the lowest value: the lowest local minimum when below the grid's (the grid misses the exact
# minimum by up to a cell); values within 1e-9 of the scale of f from it are written 0
fmin_grid = fmin
do for [i = 1:nm] { if (min_f[i] == min_f[i] && min_f[i] < fmin) { fmin = min_f[i] } }
fscale = (abs(fmax - fmin) > abs(fmin) ? abs(fmax - fmin) : abs(fmin))
fround(v) = (abs(v) <= 1e-9 * fscale ? 0 : v)

# ---- colour scale and contour levels of f - f_min -----------------------------------------------
drange = fmax - fmin
cbhi = (drange > 0 ? drange : 1)
cblo = (qlow > 0 ? qlow : cbhi * 1e-6)
if (cblo >= cbhi) { cblo = cbhi / 10.0 }
decades = log10(cbhi / cblo)
# 1-2-5 steps over up to 4 decades, 1-3 up to 8, whole decades up to 14, else every other decade
mant = (decades <= 4 ? "1 2 5" : (decades <= 8 ? "1 3" : "1"))
dstep = (decades > 14 ? 2 : 1)
levels = ""
do for [k = floor(log10(cblo)) : ceil(log10(cbhi)) : dstep] {
    do for [m in mant] {
        lv = (m + 0) * 10.0 ** k
        if (lv > cblo * 1.0001 && lv < cbhi * 0.9999) { levels = levels . (levels eq "" ? "" : ",") . sprintf("%.6e", lv) }
    }
}
nlev = (levels eq "" ? 0 : 1)
do for [i = 1 : strlen(levels)] { if (levels[i:i] eq ",") { nlev = nlev + 1 } }
dcol(c) = (okcol(c) ? (column(c) - fmin > cblo ? column(c) - fmin : cblo) : NaN)
isfinite(x) = (x == x && abs(x) < 1e300)
okcol(c) = (valid(c) && isfinite(column(c)))

# contour lines, computed once into a datablock (no terminal output)
if (have_f && nlev > 0) {
    set contour base
    unset surface
    set view map
    eval "set cntrparam levels discrete " . levels
    set table $contours
    splot file using 1:2:(okcol(3) ? $3 - fmin : NaN) with lines notitle
    unset table
    unset contour
    set surface
}
have_cont = 0
if (have_f && nlev > 0) {              # any contour point at all (a flat f has none)
    do for [i = 1 : |$contours|] {
        if (!have_cont && strlen($contours[i]) > 1 && $contours[i][1:1] ne "#") { have_cont = 1 }
    }
}

# samples: at most about 4000 drawn (every s_every-th), small and translucent so that the contours
# show through (alpha in the top byte: 00 opaque)
s_every = (ns > 4000 ? ceil(ns / 4000.0) : 1)
s_ps = (ns > 1000 ? 0.3 : (ns > 200 ? 0.45 : 0.7))
s_alpha = (ns > 1000 ? 0xB8 : (ns > 200 ? 0x90 : 0x50))
c_srgb = (have_f ? "FFFFFF" : "1F3F7F")   # white over the map, dark blue on a blank background
c_cont = "#70000000"
c_samp = sprintf("#%02X%s", s_alpha, c_srgb)
c_min = "#ff2a2a"
# a number as text, by gprintf's format FMT (%g, %.5g): 1.2345e-05 for gnuplot's text,
# $1.2345\times10^{-5}$ for LaTeX (as %h there)
num(fmt, v) = (latex ? "$" . gprintf(fmt[1:strlen(fmt) - 1] . "h", v) . "$" : gprintf(fmt, v))

do for [ext in plot_formats] {
    reset
    eval term_cmd(ext)
    set output out_name(ext)
    psc = pscale(ext)
    set encoding utf8
    title_model = (model eq "" ? "" : ": " . raw(model) . " (seed " . seed . ")")
    sub1 = (have_f ? sprintf(L("colour, contours: f − f_{min} (log);  f_{min} = %s", \
                               "colour, contours: $f - f_\\mathrm{min}$ (log);  $f_\\mathrm{min}$ = %s"), \
                             num("%.5g", fround(fmin))) . \
                     (drange == 0 ? L(" (f is constant)", " ($f$ is constant)") : "") . \
                     (nnf > 0 ? sprintf(" (%d point%s not finite: blank)", nnf, nnf == 1 ? "" : "s") : "") \
                   : "no landscape (landscape2d.dat is empty or missing)")
    set label 91 "Landscape and stationary samples" . title_model at screen 0.5, screen 1 - 0.75 * ch center \
        font tfont noenhanced
    set label 92 sub1 at screen 0.5, screen 1 - 1.85 * ch center
    if (!plot_title) { unset label 91; unset label 92 }

    # the colour box: f - f_min, log scale
    set palette defined (0 '#440154', 1 '#482878', 2 '#3e4989', 3 '#31688e', 4 '#26828e', \
                         5 '#1f9e89', 6 '#35b779', 7 '#6ece58', 8 '#b5de2b', 9 '#fde725')
    set logscale cb
    set cbrange [cblo:cbhi]
    set format cb (cblo < 1e-3 || cbhi > 1e4 ? L("10^{%L}", "$10^{%L}$") : L("%g", "$%g$"))
    set cblabel L("f − f_{min}  (log scale)", "$f - f_\\mathrm{min}$  (log scale)") offset 0.5, 0
    # colour-bar ticks: at most 6 of the contour levels (every kstep-th), labelled 0.001, 1e-05 (num)
    levels_w = levels
    do for [i = 1 : strlen(levels_w)] { if (levels_w[i:i] eq ",") { levels_w = levels_w[1:i - 1] . " " . levels_w[i + 1:] } }
    cbcmd = ""
    if (nlev > 1) {
        kstep = ceil(nlev / 6.0)
        do for [w = 1 : nlev : kstep] {
            lv = word(levels_w, w) + 0
            cbcmd = cbcmd . (cbcmd eq "" ? "" : ", ") . sprintf("'%s' %.6e", num("%g", lv), lv)
        }
        cbcmd = "set cbtics (" . cbcmd . ")"
    }

    # the legend: an empty full-width plot that only draws its key, in one row above the map
    # (LaTeX sets its text at the figure's font size, wider than sfont's, which gnuplot spaces for)
    set multiplot
    set lmargin at screen 0.02
    set rmargin at screen 0.98
    set tmargin at screen py0 + ph + 1.6 * ch
    set bmargin at screen py0 + ph + 0.4 * ch
    set key at screen 0.5, screen py0 + ph + 1.0 * ch center center horizontal reverse Left \
        samplen 1 maxrows 1 width (latex ? 0 : -1) font sfont
    unset border
    unset tics
    unset xlabel
    unset ylabel
    unset colorbox
    set xrange [0:1]
    set yrange [0:1]
    keycmd = "plot NaN notitle"
    if (ns > 0) {
        keycmd = keycmd . ", NaN with points pt 7 ps psc lc rgb '#808080' " . \
                 "title (s_every > 1 ? sprintf('samples (1 in %d)', s_every) : 'samples')"
    }
    if (have_cont) {
        keycmd = keycmd . ", NaN with lines lw 1.2 lc rgb '#404040' title 'contours'"
    }
    if (nm > 0) {
        keycmd = keycmd . ", NaN with points pt 13 ps 1.3*psc lc rgb c_min title sprintf('minim%s', nm == 1 ? 'um' : 'a')"
    }
    eval keycmd
    unset key
    unset label 91
    unset label 92

    # the map: pm3d, interpolated, seen from above, with everything else at z = 0
    set lmargin at screen px0
    set rmargin at screen px0 + pw
    set bmargin at screen py0
    set tmargin at screen py0 + ph
    set xrange [X0:X1]
    set yrange [Y0:Y1]
    set xlabel L("θ_1", "$\\theta_1$") offset 0, 0.3
    set ylabel L("θ_2", "$\\theta_2$")
    set border 15 lw 1
    set xtics out nomirror scale 0.6
    set ytics out nomirror scale 0.6
    set xtics nicestep((X1 - X0) / 4.0)
    set ytics nicestep((Y1 - Y0) / 4.0)
    set cbtics out nomirror scale 0.6
    if (cbcmd ne "") { eval cbcmd }
    set view map
    set pm3d map interpolate 3, 3 corners2color mean
    if (have_f) {
        set colorbox user origin screen px0 + pw + 2 * cw, screen py0 size screen 1.6 * cw, screen ph
    }
    set style textbox opaque fc rgb "#ffffff" noborder margins 1, 1
    # minima labels: right of the marker (left of it near the right edge), below it near the top edge
    mly(c) = column(c) + (column(c) > Y1 - dln(1.2) ? -dln(0.6) : dln(0.6))

    cmd = "splot NaN notitle"
    if (have_f) {
        cmd = cmd . ", file using 1:2:(0):(dcol(3)) with pm3d notitle"
    }
    if (ns > 0) {
        cmd = cmd . sprintf(", sfile every %d using 1:2:(0) with points pt 7 ps s_ps*psc lc rgb c_samp nocontour notitle", s_every)
    }
    if (have_cont) {
        cmd = cmd . ", $contours using 1:2:(0) with lines lw 0.8 lc rgb c_cont nocontour notitle"
    }
    if (nm > 0) {
        # (LaTeX: the white box drawn by the label itself, as "boxed" there needs the calc package;
        # a "with labels" plot drops one level of backslashes, and its text must not start with a
        # brace, which would drop the alignment)
        mlab = (latex ? "('\\\\setlength{\\\\fboxsep}{1pt}\\\\colorbox{white}{' . " . \
                        "(okcol(3) ? '$f = ' . num('%.4g', fround($3))[2:] : '$f$ = n/a') . '}')" : \
                "(sprintf('f = %s', okcol(3) ? gprintf('%.4g', fround($3)) : 'n/a'))")
        boxed = (latex ? "" : " boxed")
        cmd = cmd . ", mfile using 1:2:(0) with points pt 13 ps 1.6*psc lc rgb c_min notitle" . \
              ", mfile using 1:2:(0) with points pt 12 ps 1.6*psc lw 1.5 lc rgb '#000000' notitle"
        if (nml > 0) {
            cmd = cmd . ", mfile using ($1 < xmid ? $1 + dln(0.5) : NaN):(mly(2)):(0):" . mlab . \
                  " with labels left" . boxed . " font vfont tc rgb '#000000' notitle"
        }
        if (nmr > 0) {
            cmd = cmd . ", mfile using ($1 >= xmid ? $1 - dln(0.5) : NaN):(mly(2)):(0):" . mlab . \
                  " with labels right" . boxed . " font vfont tc rgb '#000000' notitle"
        }
    }
    if (nsout > 0) {
        set label 2 sprintf("%d sample%s off the map", nsout, nsout == 1 ? "" : "s") at screen 0.99, screen 0.3 * ch right font vfont
    }
    if (!have_f && ns == 0 && nm == 0) {
        set label 1 "no landscape, samples or minima" at graph 0.5, graph 0.5 center
    }
    eval cmd
    unset label 1
    unset label 2
    unset multiplot
    set output
}

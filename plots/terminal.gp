# terminal.gp - the figures' size, font and formats, loaded by every script of plots/ after it
# sets fig (the figure's name) and fig_aspect (its height over its width when no height is given)
# or fig_inches (its height).
# The settings come from plot.gp, which fdrsim writes from --plot=FORMATS, --plot-size=W[,H],
# --plot-font=NAME,SIZE, --plot-notitle and the model file's [plot] section and loads first
# (by hand: gnuplot -e "dir='OUTDIR'; load 'OUTDIR/plot.gp'" plots/approach.gp); without it the
# defaults below: png and pdf, one column of a paper (3.4 in), Sans 8 pt.
# Gives: plot_formats (loop over it), term_cmd(ext) (eval it after reset), out_name(ext),
# pscale(ext) (point sizes), fit_title(what, ": model (seed)"), the fonts tfont
# (titles), sfont (smaller), vfont (value labels), and for layouts in screen coordinates the
# height of a text line (ch) and the width of a character (cw) as fractions of the figure;
# nicestep(r), a tick step of 1, 2 or 5 x 10^k near r.

if (!exists("plot_formats")) plot_formats = "png pdf"
if (!exists("plot_width")) plot_width = 3.4
if (!exists("plot_height")) plot_height = 0
if (!exists("plot_font")) plot_font = "Sans"
if (!exists("plot_fontsize")) plot_fontsize = 8
if (!exists("plot_title")) plot_title = 1
if (!exists("fig_aspect")) fig_aspect = 0.75

fig_w = plot_width
# no height given: the figure's own shape at one column, flatter beyond it
# (a script whose layout is in inches sets fig_inches, its height, instead)
fig_h = (plot_height > 0 ? plot_height : exists("fig_inches") ? fig_inches : \
         fig_aspect * (plot_width < 3.4 ? plot_width : 3.4 + 0.45 * (plot_width - 3.4)))
fs = plot_fontsize
font_of(k) = sprintf("%s,%.3g", plot_font, fs * k)
tfont = font_of(1.1)
sfont = font_of(0.9)
vfont = font_of(0.8)
ch = 1.35 * fs / 72.0 / fig_h
cw = 0.55 * fs / 72.0 / fig_w
# point sizes: cairo draws a point of size 1 at 96 dpi in png
pscale(ext) = 0.5 * fs / 8.0 * (ext eq "png" ? dpi / 96.0 : 1)
# "WHAT: MODEL (seed S)", or the model part alone when the whole does not fit on one line
fit_title(what, model_part) = (strlen(what . model_part) * cw * 1.15 < 0.97 ? what . model_part : \
                               model_part[3:])
# a tick step of 1, 2 or 5 x 10^k close to r
pw10(r) = 10.0 ** floor(log10(r))
nicestep(r) = (r > 0 ? (r / pw10(r) < 1.5 ? 1 : (r / pw10(r) < 3.5 ? 2 : (r / pw10(r) < 7.5 ? 5 : 10))) * pw10(r) : 1)
dpi = (exists("plot_dpi") ? plot_dpi : 300)   # png only; doc/figures.md's gallery uses 100
# png at 300 dpi: cairo sets text at 96 dpi, a line of width 1 is 1 pixel (pdf: 0.5 pt)
term_of(ext) = \
    ext eq "png" ? sprintf("set terminal pngcairo size %d,%d enhanced font '%s' fontscale %g linewidth %g", \
                           int(fig_w * dpi + 0.5), int(fig_h * dpi + 0.5), font_of(1), dpi / 96.0, dpi / 144.0) : \
    ext eq "pdf" ? sprintf("set terminal pdfcairo size %gin,%gin enhanced font '%s' linewidth 1", \
                           fig_w, fig_h, font_of(1)) : \
    ext eq "svg" ? sprintf("set terminal svg size %d,%d dynamic enhanced font '%s' linewidth 0.5", \
                           int(fig_w * 72 + 0.5), int(fig_h * 72 + 0.5), font_of(1)) : \
    sprintf("set terminal cairolatex pdf size %gin,%gin header '\\fontsize{%.3g}{%.3g}\\selectfont' linewidth 1", \
            fig_w, fig_h, fs, 1.2 * fs)
# (cairolatex: the document's font, at the figure's size, which the layouts assume)
# gnuplot 5.4 draws a white disc behind each point of a line-and-point or error-bar plot
# (pointintervalbox, which "unset" does not remove): shrink it to nothing
# (and sets latex: 1 for cairolatex, whose text LaTeX sets, else 0)
term_cmd(ext) = term_of(ext) . "; set pointintervalbox 1e-6; latex = " . (ext eq "cairolatex" ? "1" : "0")
latex = 0
# Text for both kinds of terminal: L(enhanced, tex) is gnuplot's enhanced text (Greek letters in
# UTF-8, x_i, x^2) or, for cairolatex, the same in LaTeX ("$\\theta$"); raw(s) is a string shown
# as it is (a model's name, with noenhanced), its LaTeX specials escaped for cairolatex. A log
# axis's ticks: set format x L("10^{%L}", "$10^{%L}$").
L(enh, tex) = (latex ? tex : enh)
tex_ch(c) = (c eq "_" ? "\\_" : c eq "%" ? "\\%" : c eq "&" ? "\\&" : c eq "#" ? "\\#" : \
             c eq "$" ? "\\$" : c eq "{" ? "\\{" : c eq "}" ? "\\}" : c eq "^" ? "\\^{}" : \
             c eq "~" ? "\\~{}" : c eq "\\" ? "\\textbackslash{}" : c)
tex_esc(s) = (strlen(s) == 0 ? "" : tex_ch(s[1:1]) . tex_esc(s[2:]))
raw(s) = (latex ? tex_esc(s) : s)
# cairolatex writes NAME-tex.tex and its graphics NAME-tex.pdf (NAME.pdf is the pdf format's)
out_name(ext) = dir . "/" . fig . (ext eq "cairolatex" ? "-tex.tex" : "." . ext)

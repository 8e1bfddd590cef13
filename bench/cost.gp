# cost.gp - the anharmonic benchmark's figure: seconds per coordinate update against d, log-log,
# fdrsim (filled) and numpy (open) for each family. bench/run.sh calls it with
#   gnuplot -e "datafile='...'; outfile='...'" cost.gp
# datafile columns: family (1 rotated R=32, 2 rotated R=256, 3 separable R=32, 4 gmm R=32), d,
# fdrsim updates/s, numpy updates/s.
set terminal pngcairo size 800,700 font ",12"
set output outfile
set logscale xy
set xlabel "dimension d"
set ylabel "seconds per coordinate update (1 / updates per second)"
set title "Cost per update, one thread, FDR2 terms on (bench/run.sh)"
set key outside below center maxcols 2 width -4
set grid
set format y "10^{%L}"
plot for [f=1:4] datafile using ($1 == f ? $2 : NaN):(1/$3) with linespoints pt 7 lc f \
         title word("'quartic rotated R=32' 'quartic rotated R=256' 'quartic separable R=32' 'gmm K=3 R=32'", f) . " fdrsim", \
     for [f=1:4] datafile using ($1 == f ? $2 : NaN):(1/$4) with linespoints pt 6 dt 2 lc f \
         title word("'quartic rotated R=32' 'quartic rotated R=256' 'quartic separable R=32' 'gmm K=3 R=32'", f) . " numpy"

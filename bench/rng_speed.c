/* rng_speed.c - throughput of fdr_rng_normal against GSL's fastest
 * comparable normal sampler, for the call size the simulator uses.
 *
 * Usage: rng_speed [n [calls]]; defaults n = 1000 normals per call and
 * 200000 calls per repetition (about a quarter of a second, so that a
 * repetition is not much shorter than the simulator runs it is compared
 * with on a noisy machine); GSL, the slower, gets a tenth of the calls.
 * Prints the median of 5 repetitions. */
#include "core/fdr.h"
#include "rng/rng.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { REPS = 5 };

/* Wall-clock seconds from an arbitrary origin (C11 timespec_get, so no
 * POSIX feature macros are needed). */
static double now(void)
{
    struct timespec t;
    timespec_get(&t, TIME_UTC);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Sorts the REPS timings in place and returns the middle one. */
static double median(double *t)
{
    for (int i = 1; i < REPS; i++)
        for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
            double tmp = t[j];
            t[j] = t[j - 1];
            t[j - 1] = tmp;
        }
    return t[REPS / 2];
}

/* A checksum of buf, printed so that the compiler cannot drop the work. */
static double checksum(const double *buf, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += buf[i];
    return s;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    long calls = argc > 2 ? strtol(argv[2], NULL, 10) : 200000;
    if (n == 0 || calls <= 0) {
        fprintf(stderr, "usage: rng_speed [n>0 [calls>0]]\n");
        return 2;
    }
    double *buf = fdr_malloc_aligned(n * sizeof *buf); /* as the simulator's buffers */
    fdr_rng *r = fdr_rng_alloc(12345, 0);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_taus2);
    if (!buf || !r || !g) {
        fprintf(stderr, "rng_speed: out of memory\n");
        return 1;
    }
    long gsl_calls = calls >= 10 ? calls / 10 : 1;
    double total = (double)n * (double)calls, gsl_total = (double)n * (double)gsl_calls, sum = 0.0;
    double t_fdr[REPS], t_gsl[REPS];
    for (int rep = 0; rep < REPS; rep++) {
        double t0 = now();
        for (long c = 0; c < calls; c++)
            fdr_rng_normal(r, buf, n);
        t_fdr[rep] = now() - t0;
        sum += checksum(buf, n);

        t0 = now();
        for (long c = 0; c < gsl_calls; c++)
            for (size_t i = 0; i < n; i++)
                buf[i] = gsl_ran_gaussian_ziggurat(g, 1.0);
        t_gsl[rep] = now() - t0;
        sum += checksum(buf, n);
    }
    printf("n = %zu per call, %ld calls (GSL: %ld), median of %d repetitions (checksum %g)\n", n,
           calls, gsl_calls, REPS, sum);
    printf("%-45s %10.3g normals/s\n", fdr_rng_name(), total / median(t_fdr));
    printf("%-45s %10.3g normals/s\n", "GSL taus2 + gsl_ran_gaussian_ziggurat",
           gsl_total / median(t_gsl));
    gsl_rng_free(g);
    fdr_rng_free(r);
    free(buf);
    return 0;
}

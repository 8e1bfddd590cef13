/* fdr.h - conventions shared by every part of fdrsim: status codes, the
 * single error-reporting function, and the {value, error} pair.
 *
 * fdrsim checks the fluctuation-dissipation relations of SGD
 * (S. Yaida, ICLR 2019, arXiv:1810.00004). */
#ifndef FDR_H
#define FDR_H

#include <stddef.h>
#include <stdint.h>

/* The paper whose relations fdrsim checks, cited in every output. */
#define FDR_PAPER                                                                                  \
    "S. Yaida, Fluctuation-dissipation relations for stochastic gradient descent, ICLR 2019, "     \
    "arXiv:1810.00004"

/* Status codes. Zero is success, negative is failure. Library code returns
 * them and never exits; the CLI maps FDR_EINVAL to exit status 2. */
enum fdr_status {
    FDR_OK = 0,
    FDR_EINVAL = -1,    /* bad input: model file, option, argument        */
    FDR_ENOMEM = -2,    /* allocation failed                               */
    FDR_EUNSTABLE = -3, /* the exact dynamics has no stationary state      */
    FDR_EDIVERGED = -4, /* the simulation produced a non-finite state      */
    FDR_EIO = -5,       /* reading or writing a file failed                */
    FDR_EFAIL = -6      /* a numerical routine failed                      */
};

/* Records a message for the calling thread (printf-style) and returns
 * status, so that callers write `return fdr_error(FDR_EINVAL, "...")`.
 * The first message recorded since the last fdr_error_clear() wins: the
 * innermost, most specific cause is the one a user sees. */
int fdr_error(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The message recorded by fdr_error for this thread, or "" if none. */
const char *fdr_error_message(void);

/* The status that came with that message (FDR_EINVAL when none is
 * recorded), so a caller that only sees a NULL can tell a bad model
 * (FDR_EINVAL) from a failed allocation (FDR_ENOMEM). */
int fdr_error_status(void);

/* Forgets the recorded message. */
void fdr_error_clear(void);

/* Prints a and b into sa and sb (n bytes each) with the fewest significant
 * digits, at least 6, at which they differ and a reads back exactly, so a
 * message comparing two numbers never shows them equal when they are not
 * ("1.5000001 ... the largest stable learning rate is 1.5"). */
void fdr_format_distinct(double a, double b, char *sa, char *sb, size_t n);

/* Progress of long set-up steps (O(d^3) at large d: rotations,
 * eigendecompositions). The library never prints; the CLI installs a hook
 * that does, on a terminal. stage names the step; done is the fraction done,
 * in [0, 1], and 1 when the step ends. */
typedef void (*fdr_progress_hook)(const char *stage, double done);

/* Installs the process-wide hook (NULL: none). Not thread-safe: set it
 * before anything runs. */
void fdr_progress_set(fdr_progress_hook hook);

/* Reports to the hook, if any, for a step on d x d matrices when d is large
 * enough for the step to take noticeable time (FDR_PROGRESS_DIM). */
#define FDR_PROGRESS_DIM 500
void fdr_progress(size_t d, const char *stage, double done);

/* An estimate with its error bar. err is always one standard deviation
 * (1 sigma) of the estimate, autocorrelation-aware; NAN when unknown. */
typedef struct {
    double val;
    double err;
} fdr_est;

/* malloc and calloc that record FDR_ENOMEM on failure (and return NULL),
 * and a malloc whose blocks start on a 64-byte cache line (for arrays read
 * with full-width vector loads). Release all three with free. */
void *fdr_malloc(size_t n);
void *fdr_calloc(size_t count, size_t size);
void *fdr_malloc_aligned(size_t n);

#endif

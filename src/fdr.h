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

/* Forgets the recorded message. */
void fdr_error_clear(void);

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

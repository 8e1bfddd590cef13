/* error.c - the one place where failures are described. */
#include "core/fdr.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char last_message[1024];
static _Thread_local int last_status = FDR_EINVAL;

int fdr_error(int status, const char *fmt, ...)
{
    if (last_message[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(last_message, sizeof last_message, fmt, ap);
        va_end(ap);
        last_status = status;
    }
    return status;
}

const char *fdr_error_message(void)
{
    return last_message;
}

static fdr_progress_hook progress_hook;

void fdr_progress_set(fdr_progress_hook hook)
{
    progress_hook = hook;
}

void fdr_progress(size_t d, const char *stage, double done)
{
    if (progress_hook && d >= FDR_PROGRESS_DIM)
        progress_hook(stage, done);
}

void fdr_format_distinct(double a, double b, char *sa, char *sb, size_t n)
{
    for (int p = 6; p <= 17; p++) {
        snprintf(sa, n, "%.*g", p, a);
        snprintf(sb, n, "%.*g", p, b);
        if ((a == b || strcmp(sa, sb) != 0) && strtod(sa, NULL) == a)
            return;
    }
}

int fdr_error_status(void)
{
    return last_message[0] ? last_status : FDR_EINVAL;
}

void fdr_error_clear(void)
{
    last_message[0] = '\0';
}

void *fdr_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        fdr_error(FDR_ENOMEM, "out of memory (asked for %zu bytes)", n);
    return p;
}

/* A cache line: the engine reads its state arrays with full-width vector
 * loads, which cost twice as much when they straddle two lines (malloc
 * aligns to 16 bytes). Only for those arrays: aligned_alloc is slower than
 * malloc, which matters to the landscapes' per-call scratch. */
enum { ALIGN = 64 };

void *fdr_malloc_aligned(size_t n)
{
    size_t size = n ? n : 1; /* aligned_alloc wants a multiple of the alignment */
    void *p = size <= SIZE_MAX - (ALIGN - 1)
                  ? aligned_alloc(ALIGN, (size + ALIGN - 1) / ALIGN * ALIGN)
                  : NULL;
    if (!p)
        fdr_error(FDR_ENOMEM, "out of memory (asked for %zu bytes)", n);
    return p;
}

void *fdr_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        fdr_error(FDR_ENOMEM, "out of memory (asked for %zu x %zu bytes)", count, size);
    return p;
}

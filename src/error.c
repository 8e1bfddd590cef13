/* error.c - the one place where failures are described. */
#include "fdr.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static _Thread_local char last_message[1024];

int fdr_error(int status, const char *fmt, ...)
{
    if (last_message[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(last_message, sizeof last_message, fmt, ap);
        va_end(ap);
    }
    return status;
}

const char *fdr_error_message(void)
{
    return last_message;
}

void fdr_error_clear(void)
{
    last_message[0] = '\0';
}

/* fdr_malloc's blocks start on a cache line: the engine's state arrays are
 * read with full-width vector loads, which cost twice as much when they
 * straddle two lines (malloc aligns to 16 bytes only). */
enum { ALIGN = 64 };

void *fdr_malloc(size_t n)
{
    size_t size = n ? n : 1;
    void *p = size <= SIZE_MAX - (ALIGN - 1) ? aligned_alloc(ALIGN, (size + ALIGN - 1) / ALIGN * ALIGN)
                                             : NULL;
    if (!p)
        fdr_error(FDR_ENOMEM, "out of memory (asked for %zu bytes)", n);
    return p;
}

/* calloc itself, not fdr_malloc and memset: large blocks then come as fresh
 * zero pages, touched only where they are used. */
void *fdr_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        fdr_error(FDR_ENOMEM, "out of memory (asked for %zu x %zu bytes)", count, size);
    return p;
}

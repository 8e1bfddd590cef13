/* error.c - the one place where failures are described. */
#include "fdr.h"

#include <stdarg.h>
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

void *fdr_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
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

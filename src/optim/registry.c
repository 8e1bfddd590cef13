/* registry.c - the list of optimizer types (optim.h). */
#include "optim/optim.h"
#include <stdio.h>
#include <string.h>

const fdr_optimizer_type *const fdr_optimizer_types[] = {
    &fdr_optim_sgd,     &fdr_optim_nesterov, &fdr_optim_preconditioned,
    &fdr_optim_rmsprop, &fdr_optim_adam, &fdr_optim_amsgrad, NULL};

const char *const fdr_convention_names[] = {"paper", "pytorch", NULL};

const fdr_optimizer_type *fdr_optimizer_type_find(const char *name)
{
    for (const fdr_optimizer_type *const *t = fdr_optimizer_types; *t; t++)
        if (strcmp((*t)->name, name) == 0)
            return *t;
    return NULL;
}

void fdr_optimizer_type_names(char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const fdr_optimizer_type *const *t = fdr_optimizer_types; *t && used < n; t++) {
        int k = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", (*t)->name);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

/* helpers.h - building and running models from INI text in tests. */
#ifndef FDR_TEST_HELPERS_H
#define FDR_TEST_HELPERS_H

#include "stats/analysis.h"
#include "config/cfg.h"
#include "engine/engine.h"
#include "exact/exact.h"
#include "model/model.h"

#include <criterion/criterion.h>
#include <stdio.h>

/* Builds a model from INI text; fails the test (with the message) if the
 * text is rejected. */
static inline fdr_model *test_model(const char *ini)
{
    fdr_error_clear();
    fdr_config *c = fdr_config_parse_string(ini, "test.ini");
    cr_assert_not_null(c, "config rejected: %s", fdr_error_message());
    fdr_model *m = fdr_model_alloc(c, "test");
    fdr_config_free(c);
    cr_assert_not_null(m, "model rejected: %s", fdr_error_message());
    return m;
}

/* A complete run: exact values, engine, analysis. */
typedef struct {
    fdr_model *m;
    fdr_exact e;
    fdr_result *r;
    fdr_analysis a;
} test_run;

/* Runs the built model m (which t then owns) on `threads` threads. */
static inline void test_run_built(test_run *t, fdr_model *m, int threads)
{
    t->m = m;
    cr_assert_eq(fdr_exact_compute(t->m, &t->e), FDR_OK, "%s", fdr_error_message());
    cr_assert_eq(fdr_engine_run(t->m, threads, 0, &t->r), FDR_OK, "%s", fdr_error_message());
    cr_assert_eq(fdr_exact_tensor(t->m, &t->e, t->r->tensor_full, t->r->ntens, t->r->dirs),
                 FDR_OK);
    cr_assert_eq(fdr_analyse(t->m, t->r, &t->e, &t->a), FDR_OK);
}

/* Builds the model from INI text and runs it. */
static inline void test_run_model(test_run *t, const char *ini, int threads)
{
    test_run_built(t, test_model(ini), threads);
}

static inline void test_run_free(test_run *t)
{
    fdr_analysis_clear(&t->a);
    fdr_result_free(t->r);
    fdr_exact_clear(&t->e);
    fdr_model_free(t->m);
}

/* Returns the error message recorded when ini is rejected (NULL if accepted). */
static inline const char *test_reject(const char *ini)
{
    fdr_error_clear();
    fdr_config *c = fdr_config_parse_string(ini, "bad.ini");
    if (!c)
        return fdr_error_message();
    fdr_model *m = fdr_model_alloc(c, "bad");
    fdr_config_free(c);
    if (!m)
        return fdr_error_message();
    fdr_exact e;
    int rc = fdr_exact_compute(m, &e);
    fdr_exact_clear(&e);
    fdr_model_free(m);
    return rc == FDR_OK ? NULL : fdr_error_message();
}

#endif

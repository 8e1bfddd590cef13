/* model.c - reads and validates a whole experiment. */
#include "config.h"

#include "model.h"
#include "fdr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char fdr_default_model[] =
    "; built-in default: anisotropic rotated quadratic, d = 10, Gaussian noise, momentum 0.9\n"
    "[landscape]\n"
    "type = quadratic\n"
    "dim = 10\n"
    "spectrum = log 0.1 10\n"
    "rotation = random\n"
    "[noise]\n"
    "type = gaussian\n"
    "covariance = isotropic 1\n"
    "[optimizer]\n"
    "type = sgd\n"
    "lr = 0.05\n"
    "momentum = 0.9\n"
    "[run]\n"
    "replicas = 64\n"
    "steps = 20000\n"
    "seed = 1\n";

const char *const fdr_optimizer_names[] = {"sgd", NULL};

#ifdef HAVE_OPENBLAS
/* From OpenBLAS; declared here because its cblas.h clashes with GSL's. */
void openblas_set_num_threads(int num_threads);
#endif

void fdr_blas_serial(void)
{
#ifdef HAVE_OPENBLAS
    openblas_set_num_threads(1);
#endif
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = fdr_malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static int read_optimizer(fdr_model *m, fdr_config *cfg)
{
    int rc;
    if ((rc = fdr_config_string(cfg, "optimizer", "type", "sgd", &m->optimizer)))
        return rc;
    if (strcmp(m->optimizer, "sgd") != 0)
        return fdr_config_error(cfg, "optimizer", "type", "unknown optimizer '%s' (known: sgd)",
                                m->optimizer);
    m->optimizer = fdr_optimizer_names[0]; /* not the config's copy, which is freed first */
    if ((rc = fdr_config_double(cfg, "optimizer", "lr", NAN, &m->lr)))
        return rc;
    if (isnan(m->lr))
        return fdr_config_error(cfg, "optimizer", "lr", "missing (this key is required)");
    if (m->lr <= 0)
        return fdr_config_error(cfg, "optimizer", "lr", "must be > 0, got %g", m->lr);
    if ((rc = fdr_config_double(cfg, "optimizer", "momentum", 0.0, &m->momentum)))
        return rc;
    if (!(m->momentum >= 0 && m->momentum < 1))
        return fdr_config_error(cfg, "optimizer", "momentum", "must be in [0, 1), got %g",
                                m->momentum);
    if ((rc = fdr_config_double(cfg, "optimizer", "dampening", 0.0, &m->dampening)))
        return rc;
    if (!(m->dampening >= 0 && m->dampening < 1))
        return fdr_config_error(cfg, "optimizer", "dampening", "must be in [0, 1), got %g",
                                m->dampening);
    m->eta_b = m->lr * (1 - m->dampening);
    return FDR_OK;
}

static int read_run(fdr_model *m, fdr_config *cfg)
{
    int rc;
    const char *burn, *init, *fdr2;
    long order;
    if ((rc = fdr_config_long(cfg, "run", "replicas", 64, &m->replicas)) ||
        (rc = fdr_config_long(cfg, "run", "steps", 10000, &m->steps)) ||
        (rc = fdr_config_long(cfg, "run", "record_every", 0, &m->record_every)) ||
        (rc = fdr_config_uint64(cfg, "run", "seed", 1, &m->seed)) ||
        (rc = fdr_config_string(cfg, "run", "burn_in", "half", &burn)) ||
        (rc = fdr_config_string(cfg, "run", "init", "zero", &init)) ||
        (rc = fdr_config_long(cfg, "run", "tensor_directions", 8, &m->tensor_directions)) ||
        (rc = fdr_config_long(cfg, "run", "tensor_full_max", 50, &m->tensor_full_max)) ||
        (rc = fdr_config_double(cfg, "run", "threshold", 4.0, &m->threshold)) ||
        (rc = fdr_config_string(cfg, "run", "fdr2", "on", &fdr2)) ||
        (rc = fdr_config_long(cfg, "run", "fdr2_order", 6, &order)))
        return rc;
    if (strcmp(fdr2, "on") != 0 && strcmp(fdr2, "off") != 0)
        return fdr_config_error(cfg, "run", "fdr2", "'%s': expected on or off", fdr2);
    m->fdr2 = strcmp(fdr2, "on") == 0;
    if (order < 2 || order > FDR_KMAX_ORDER)
        return fdr_config_error(cfg, "run", "fdr2_order", "must be between 2 and %d, got %ld",
                                FDR_KMAX_ORDER, order);
    m->fdr2_order = (int)order;
    if (m->replicas < 2 || m->replicas > 1000000)
        return fdr_config_error(cfg, "run", "replicas",
                                "must be between 2 and 1000000 (error bars need two), got %ld",
                                m->replicas);
    if (m->steps < 32 || m->steps > 1000000000L)
        return fdr_config_error(cfg, "run", "steps", "must be between 32 and 1e9, got %ld",
                                m->steps);
    if (m->record_every == 0)
        m->record_every = m->steps > 2000 ? m->steps / 1000 : 1;
    if (m->record_every < 0 || m->record_every > m->steps)
        return fdr_config_error(cfg, "run", "record_every", "must be between 1 and steps, got %ld",
                                m->record_every);
    if (strcmp(burn, "half") == 0) {
        m->burn_half = 1;
        m->burn_in = m->steps / 2;
    } else {
        char *end;
        m->burn_in = strtol(burn, &end, 10);
        if (*end || end == burn || m->burn_in < 0 || m->burn_in > m->steps - 16)
            return fdr_config_error(cfg, "run", "burn_in",
                                    "'%s': expected 'half' or a step count between 0 and "
                                    "steps - 16",
                                    burn);
    }
    if (strcmp(init, "zero") == 0) {
        m->init = FDR_INIT_ZERO;
    } else if (strcmp(init, "minimum") == 0) {
        m->init = FDR_INIT_MINIMUM;
    } else {
        char *end;
        m->init = FDR_INIT_OFFSET;
        m->init_offset = strtod(init, &end);
        if (*end || end == init || !isfinite(m->init_offset))
            return fdr_config_error(cfg, "run", "init",
                                    "'%s': expected zero, minimum or a number (offset from the "
                                    "minimum in every coordinate)",
                                    init);
    }
    if (m->tensor_directions < 0 || m->tensor_directions > 1000)
        return fdr_config_error(cfg, "run", "tensor_directions", "must be between 0 and 1000");
    if (m->tensor_full_max < 0 || m->tensor_full_max > 200)
        return fdr_config_error(cfg, "run", "tensor_full_max", "must be between 0 and 200");
    if (!(m->threshold > 0))
        return fdr_config_error(cfg, "run", "threshold", "must be > 0");
    return FDR_OK;
}

fdr_model *fdr_model_alloc(fdr_config *cfg, const char *name)
{
    fdr_blas_serial();
    fdr_model *m = fdr_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->name = dupstr(name);
    m->source = dupstr(fdr_config_name(cfg));
    const double *shifts;
    size_t nshift;
    if (!m->name || !m->source || !(m->land = fdr_landscape_alloc(cfg)) ||
        !(m->noise = fdr_noise_alloc(cfg, m->land)) ||
        (fdr_minibatch_shifts(m->noise, &shifts, &nshift) &&
         fdr_landscape_average(m->land, shifts, nshift) != FDR_OK) ||
        read_optimizer(m, cfg) ||
        read_run(m, cfg) || fdr_config_check_unused(cfg) ||
        (m->noise->type->prepare &&
         m->noise->type->prepare(m->noise->state, (size_t)m->replicas) != FDR_OK)) {
        fdr_model_free(m);
        return NULL;
    }
    return m;
}

void fdr_model_free(fdr_model *m)
{
    if (!m)
        return;
    fdr_noise_free(m->noise);
    fdr_landscape_free(m->land);
    free(m->name);
    free(m->source);
    free(m);
}

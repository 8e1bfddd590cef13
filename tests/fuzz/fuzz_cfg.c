/* fuzz_cfg.c - libFuzzer harness for the model-file reader (src/config/cfg.c).
 *
 * Each input is a model file's text: it is parsed as fdr_config_load would
 * (inputs fdr_config_load refuses - over the size cap, holding a NUL byte -
 * are skipped), then every key is read through every typed getter, a --set
 * override is applied and the unused-key check and the file-order walk run.
 * Errors are expected; crashes, leaks, undefined behaviour and time-outs are
 * findings. Build and run: README.md, "Fuzzing the input readers". */
#include "config/cfg.h"
#include "core/fdr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char **sec, **key;
    size_t n, cap;
} keys;

/* Collects (section, key) pairs; the strings live as long as the config. */
static void collect(const char *sec, const char *key, const char *value, void *ctx)
{
    keys *k = ctx;
    (void)value;
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 16;
        const char **s = realloc(k->sec, cap * sizeof *s);
        if (s)
            k->sec = s;
        const char **t = realloc(k->key, cap * sizeof *t);
        if (t)
            k->key = t;
        if (!s || !t)
            return;
        k->cap = cap;
    }
    k->sec[k->n] = sec;
    k->key[k->n++] = key;
}

/* Reads sec.key as every type a model asks for. */
static void read_all_ways(fdr_config *c, const char *sec, const char *key)
{
    const char *s;
    double x, v[4];
    long l;
    uint64_t u;
    double *list = NULL;
    size_t n;
    fdr_config_string(c, sec, key, "", &s);
    fdr_config_double(c, sec, key, 0, &x);
    fdr_config_long(c, sec, key, 0, &l);
    fdr_config_required_long(c, sec, key, &l);
    fdr_config_uint64(c, sec, key, 0, &u);
    if (fdr_config_string(c, sec, key, "", &s) == FDR_OK) {
        fdr_parse_long(s, -1000, 1000, &l);
        if (fdr_numbers_parse(c, sec, key, s, &list, &n) == FDR_OK)
            free(list);
        list = NULL;
    }
    fdr_config_vector(c, sec, key, 4, 0, v);
    fdr_config_spectrum(c, sec, key, 4, v);
    if (fdr_config_numbers(c, sec, key, 0, &list, &n) == FDR_OK)
        free(list);
    fdr_config_has(c, sec, key);
    fdr_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FDR_CONFIG_MAX_BYTES || memchr(data, '\0', size))
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    fdr_error_clear();
    fdr_config *c = fdr_config_parse_string(text, "fuzz.ini");
    free(text);
    if (!c) {
        fdr_error_clear();
        return 0;
    }
    keys k = {0};
    fdr_config_foreach(c, collect, &k);
    /* the unused-key check first, while nothing is marked used */
    fdr_config_check_unused(c);
    for (size_t i = 0; i < k.n; i++)
        read_all_ways(c, k.sec[i], k.key[i]);
    fdr_config_check_unused(c);
    free(k.sec);
    free(k.key);
    fdr_config_set(c, "run.seed=18446744073709551615");
    fdr_config_set(c, "landscape.spectrum=log 0.1 10");
    read_all_ways(c, "run", "seed");
    read_all_ways(c, "landscape", "spectrum");
    fdr_config_free(c);
    fdr_error_clear();
    return 0;
}

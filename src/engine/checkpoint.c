/* checkpoint.c - writing, verifying and restoring an engine's state (see
 * checkpoint.h for the format and the contract). */
#include "config.h"

#include "engine/checkpoint.h"
#include "core/fdr.h"
#include "io/report.h"
#include "rng/rng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

static const char MAGIC[8] = {'F', 'D', 'R', 'S', 'I', 'M', 'C', 'K'};
enum { ENDIAN_PROBE = 0x01020304 };

/* ---- FNV-1a 64 ------------------------------------------------------------ */

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * FNV_PRIME;
    return h;
}

/* ---- identities ------------------------------------------------------------ */

typedef struct {
    uint64_t h;
} hasher;

static void hash_setting(const char *sec, const char *key, const char *value, void *ctx)
{
    hasher *s = ctx;
    /* each string with its NUL, so that no two lists hash alike by shifting text */
    s->h = fnv(s->h, sec, strlen(sec) + 1);
    s->h = fnv(s->h, key, strlen(key) + 1);
    s->h = fnv(s->h, value, strlen(value) + 1);
}

uint64_t fdr_checkpoint_model_hash(const fdr_config *cfg, const fdr_model *m)
{
    hasher s = {FNV_OFFSET};
    fdr_config_foreach(cfg, hash_setting, &s);
    s.h = fnv(s.h, m->name, strlen(m->name) + 1);
    const uint64_t shape[] = {m->seed, (uint64_t)m->replicas, (uint64_t)m->steps,
                              (uint64_t)m->land->dim};
    return fnv(s.h, shape, sizeof shape);
}

const char *fdr_checkpoint_build(void)
{
    static char id[512];
    if (id[0])
        return id;
    const char *libc =
#ifdef __GLIBC__
        gnu_get_libc_version();
#else
        "unknown";
#endif
    /* What decides the bits of a step besides the source: the compiler and
     * whether it fuses multiply-adds (engine.c's FMA), the instruction sets
     * the library was compiled for, the C library's mathematics, the CBLAS
     * and the generator's kernel (whose name is in every output). */
    snprintf(id, sizeof id,
             "fdrsim %s; cc %s; fma %d; isa%s%s%s%s; glibc %s; CBLAS %s; RNG %s; "
             "%zu-bit, %s-endian",
             PACKAGE_VERSION, __VERSION__,
#ifdef __FP_FAST_FMA
             1,
#else
             0,
#endif
#ifdef __AVX__
             " avx",
#else
             "",
#endif
#ifdef __AVX2__
             " avx2",
#else
             "",
#endif
#ifdef __FMA__
             " fma",
#else
             "",
#endif
#ifdef __AVX512F__
             " avx512f",
#else
             "",
#endif
             libc, FDR_BLAS_NAME, fdr_rng_name(), 8 * sizeof(size_t),
             *(const unsigned char *)&(const unsigned){1} ? "little" : "big");
    return id;
}

/* ---- writing ----------------------------------------------------------------- */

/* The bytes go to f (NULL: only counted) and into the running hash. */
typedef struct {
    FILE *f;
    uint64_t h;
    size_t len;
} sink;

static int put(sink *s, const void *p, size_t n)
{
    s->h = fnv(s->h, p, n);
    s->len += n;
    return !s->f || n == 0 || fwrite(p, 1, n, s->f) == n ? FDR_OK : FDR_EIO;
}

static int put_u64(sink *s, uint64_t x)
{
    return put(s, &x, sizeof x);
}

static int put_str(sink *s, const char *str)
{
    size_t n = strlen(str);
    int rc = put_u64(s, n);
    return rc == FDR_OK ? put(s, str, n) : rc;
}

static int put_record(void *ctx, const char *name, void *p, size_t bytes)
{
    sink *s = ctx;
    int rc = put_str(s, name);
    if (rc == FDR_OK)
        rc = put_u64(s, bytes);
    return rc == FDR_OK ? put(s, p, bytes) : rc;
}

typedef struct {
    fdr_state_visit visit;
    void *ctx;
    uint64_t model_hash, len; /* len: the file's length, from a counting pass */
    const char *const *str;
    size_t nstr;
} ckpt_out;

static int write_all(sink *s, const ckpt_out *o)
{
    uint32_t head[2] = {FDR_CHECKPOINT_FORMAT, ENDIAN_PROBE};
    int rc = put(s, MAGIC, sizeof MAGIC);
    if (rc == FDR_OK)
        rc = put(s, head, sizeof head);
    if (rc == FDR_OK)
        rc = put_u64(s, o->len);
    if (rc == FDR_OK)
        rc = put_str(s, PACKAGE_VERSION);
    if (rc == FDR_OK)
        rc = put_str(s, fdr_checkpoint_build());
    if (rc == FDR_OK)
        rc = put_u64(s, o->model_hash);
    if (rc == FDR_OK)
        rc = put_u64(s, o->nstr);
    for (size_t i = 0; rc == FDR_OK && i < o->nstr; i++)
        rc = put_str(s, o->str[i]);
    if (rc == FDR_OK)
        rc = o->visit(o->ctx, put_record, s);
    if (rc == FDR_OK)
        rc = put_u64(s, s->h); /* the checksum of everything before it */
    return rc;
}

static int write_file(FILE *f, const void *ctx)
{
    sink s = {f, FNV_OFFSET, 0};
    return write_all(&s, ctx);
}

int fdr_checkpoint_write_state(const char *path, fdr_state_visit visit, void *ctx,
                               uint64_t model_hash, const char *const *str, size_t nstr)
{
    ckpt_out o = {visit, ctx, model_hash, 0, str, nstr};
    sink count = {NULL, FNV_OFFSET, 0};
    int rc = write_all(&count, &o);
    if (rc != FDR_OK)
        return rc;
    o.len = count.len;
    return fdr_replace_file(path, write_file, &o);
}

static int engine_visit(void *ctx, fdr_state_fn fn, void *fnctx)
{
    return fdr_engine_state(ctx, 0, fn, fnctx);
}

int fdr_checkpoint_write(const char *path, fdr_engine *e, uint64_t model_hash,
                         const char *const *str, size_t nstr)
{
    return fdr_checkpoint_write_state(path, engine_visit, e, model_hash, str, nstr);
}

uint64_t fdr_checkpoint_hash(uint64_t h, const void *p, size_t n)
{
    return fnv(h ? h : FNV_OFFSET, p, n);
}

/* ---- reading ------------------------------------------------------------------- */

void fdr_checkpoint_clear(fdr_checkpoint *ck)
{
    for (size_t i = 0; ck->str && i < ck->nstr; i++)
        free(ck->str[i]);
    free(ck->str);
    free(ck->data);
    free(ck->path);
    memset(ck, 0, sizeof *ck);
}

/* A cursor over the verified bytes; running past the end is a malformed
 * file (a checksum that matched by chance, or a forgery). */
typedef struct {
    const fdr_checkpoint *ck;
    size_t at, end;
} cursor;

static int malformed(const cursor *c)
{
    return fdr_error(FDR_EINVAL, "%s: not a well-formed checkpoint (at byte %zu)", c->ck->path,
                     c->at);
}

static int take(cursor *c, void *p, size_t n)
{
    if (n > c->end - c->at)
        return malformed(c);
    memcpy(p, c->ck->data + c->at, n);
    c->at += n;
    return FDR_OK;
}

static int take_u64(cursor *c, uint64_t *x)
{
    return take(c, x, sizeof *x);
}

/* A string into a fresh buffer (NUL-terminated). */
static int take_str(cursor *c, char **out)
{
    uint64_t n;
    *out = NULL;
    if (take_u64(c, &n) != FDR_OK)
        return FDR_EINVAL;
    if (n > c->end - c->at)
        return malformed(c);
    if (!(*out = fdr_malloc((size_t)n + 1)))
        return FDR_ENOMEM;
    memcpy(*out, c->ck->data + c->at, (size_t)n);
    (*out)[n] = '\0';
    c->at += (size_t)n;
    return memchr(*out, '\0', (size_t)n) ? malformed(c) : FDR_OK;
}

static int verify(fdr_checkpoint *ck)
{
    const char *path = ck->path;
    size_t len = ck->len;
    uint32_t head[2];
    uint64_t total;
    if (len < sizeof MAGIC + sizeof head + sizeof total ||
        memcmp(ck->data, MAGIC, sizeof MAGIC) != 0)
        return fdr_error(FDR_EINVAL, "%s: not an fdrsim checkpoint%s", path,
                         len < sizeof MAGIC + 16 && memcmp(ck->data, MAGIC, len < 8 ? len : 8) == 0
                             ? " (truncated: it ends inside its header)"
                             : "");
    memcpy(head, ck->data + sizeof MAGIC, sizeof head);
    memcpy(&total, ck->data + sizeof MAGIC + sizeof head, sizeof total);
    if (head[1] != ENDIAN_PROBE)
        return fdr_error(FDR_EINVAL, "%s: written on a machine of the other byte order", path);
    if (head[0] != FDR_CHECKPOINT_FORMAT)
        return fdr_error(FDR_EINVAL, "%s: checkpoint format %u; this fdrsim (%s) reads format %u",
                         path, head[0], PACKAGE_VERSION, FDR_CHECKPOINT_FORMAT);
    if (total != len)
        return fdr_error(FDR_EINVAL, "%s: %s: %zu bytes where its header says %llu", path,
                         len < total ? "truncated" : "has bytes beyond its end", len,
                         (unsigned long long)total);
    uint64_t sum;
    memcpy(&sum, ck->data + len - sizeof sum, sizeof sum);
    if (len < sizeof MAGIC + sizeof head + 2 * sizeof total ||
        fnv(FNV_OFFSET, ck->data, len - sizeof sum) != sum)
        return fdr_error(FDR_EINVAL, "%s: corrupted: its checksum (FNV-1a 64) does not match its "
                                     "contents",
                         path);
    cursor c = {ck, sizeof MAGIC + sizeof head + sizeof total, len - sizeof sum};
    char *version = NULL, *build = NULL;
    uint64_t nstr;
    int rc = take_str(&c, &version);
    if (rc == FDR_OK)
        rc = take_str(&c, &build);
    if (rc == FDR_OK && strcmp(version, PACKAGE_VERSION) != 0)
        rc = fdr_error(FDR_EINVAL, "%s: written by fdrsim %s; this is fdrsim %s, whose steps may "
                                   "differ: resume it with the version that wrote it",
                       path, version, PACKAGE_VERSION);
    else if (rc == FDR_OK && strcmp(build, fdr_checkpoint_build()) != 0)
        rc = fdr_error(FDR_EINVAL, "%s: written by another build, whose steps may differ in "
                                   "their last bits: it was [%s], this is [%s]",
                       path, build, fdr_checkpoint_build());
    free(version);
    free(build);
    if (rc == FDR_OK)
        rc = take_u64(&c, &ck->model_hash);
    if (rc == FDR_OK)
        rc = take_u64(&c, &nstr);
    if (rc == FDR_OK && nstr > (c.end - c.at) / sizeof(uint64_t))
        rc = malformed(&c);
    if (rc == FDR_OK && !(ck->str = fdr_calloc((size_t)nstr ? (size_t)nstr : 1, sizeof *ck->str)))
        rc = FDR_ENOMEM;
    for (size_t i = 0; rc == FDR_OK && i < nstr; i++, ck->nstr++)
        rc = take_str(&c, &ck->str[i]);
    ck->state = c.at;
    return rc;
}

int fdr_checkpoint_open(const char *path, fdr_checkpoint *ck)
{
    memset(ck, 0, sizeof *ck);
    if (!(ck->path = fdr_malloc(strlen(path) + 1)))
        return FDR_ENOMEM;
    strcpy(ck->path, path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fdr_error(errno == ENOENT ? FDR_EINVAL : FDR_EIO, "%s: cannot open: %s", path,
                         strerror(errno));
    int rc = FDR_OK;
    size_t cap = 1 << 16;
    if (!(ck->data = fdr_malloc(cap)))
        rc = FDR_ENOMEM;
    while (rc == FDR_OK) {
        ck->len += fread(ck->data + ck->len, 1, cap - ck->len, f);
        if (ck->len < cap)
            break;
        unsigned char *p = cap <= SIZE_MAX / 2 ? realloc(ck->data, cap * 2) : NULL;
        if (!p)
            rc = fdr_error(FDR_ENOMEM, "%s: out of memory reading it", path);
        else
            ck->data = p, cap *= 2;
    }
    if (rc == FDR_OK && ferror(f))
        rc = fdr_error(FDR_EIO, "%s: cannot read: %s", path, strerror(errno));
    fclose(f);
    if (rc == FDR_OK)
        rc = verify(ck);
    if (rc != FDR_OK)
        fdr_checkpoint_clear(ck);
    return rc;
}

/* Restoring: each record the engine asks for must come next, by name and size. */
typedef struct {
    cursor c;
} source;

static int get_record(void *ctx, const char *name, void *p, size_t bytes)
{
    source *s = ctx;
    char *have = NULL;
    uint64_t n;
    int rc = take_str(&s->c, &have);
    if (rc == FDR_OK)
        rc = take_u64(&s->c, &n);
    if (rc == FDR_OK && (strcmp(have, name) != 0 || n != bytes))
        rc = fdr_error(FDR_EINVAL, "%s: its state does not fit this model's: record '%s' of %llu "
                                   "bytes where '%s' of %zu is due",
                       s->c.ck->path, have, (unsigned long long)n, name, bytes);
    free(have);
    return rc == FDR_OK ? take(&s->c, p, bytes) : rc;
}

int fdr_checkpoint_blob(const fdr_checkpoint *ck, const char *name, const void **p, size_t *len)
{
    cursor c = {ck, ck->state, ck->len - sizeof(uint64_t)};
    char *have = NULL;
    uint64_t n;
    int rc = take_str(&c, &have);
    if (rc == FDR_OK)
        rc = take_u64(&c, &n);
    if (rc == FDR_OK && strcmp(have, name) != 0)
        rc = fdr_error(FDR_EINVAL, "%s: its state is '%s' where '%s' is due", ck->path, have,
                       name);
    else if (rc == FDR_OK && n != c.end - c.at)
        rc = malformed(&c);
    free(have);
    if (rc == FDR_OK) {
        *p = ck->data + c.at;
        *len = (size_t)n;
    }
    return rc;
}

int fdr_checkpoint_restore(const fdr_checkpoint *ck, fdr_engine *e)
{
    source s = {{ck, ck->state, ck->len - sizeof(uint64_t)}};
    int rc = fdr_engine_state(e, 1, get_record, &s);
    if (rc == FDR_OK && s.c.at != s.c.end)
        rc = fdr_error(FDR_EINVAL, "%s: its state does not fit this model's: %zu bytes left over",
                       ck->path, s.c.end - s.c.at);
    if (rc != FDR_OK && strncmp(fdr_error_message(), ck->path, strlen(ck->path)) != 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", fdr_error_message());
        fdr_error_clear();
        rc = fdr_error(rc, "%s: %s", ck->path, msg);
    }
    return rc;
}

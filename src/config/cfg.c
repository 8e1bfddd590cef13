/* cfg.c - INI model files, parsed by inih (Debian's libinih).
 *
 * inih is fed through our own line reader so that we know the line number
 * of every key (Debian's build does not pass it to the handler) and can
 * refuse over-long lines instead of letting inih split them silently, and
 * text after a section header, which inih drops. Long values (a d x d
 * matrix) continue on indented lines, which inih hands us as repeated keys;
 * the reader tells continuation lines from duplicates.
 *
 * Keys are found through a hash table, so that reading a file costs time in
 * proportion to its size whatever the number of keys. */
#include "config/cfg.h"
#include "core/fdr.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_LINE 199 /* Debian's inih reads at most INI_MAX_LINE = 200 bytes */

/* [plot] holds the figures' settings, which the commands that draw read and
 * check (fdr_config_check_unused_section); the model reads the other five. */
static const char *const known_sections[] = {"landscape", "noise", "optimizer", "run", "plot",
                                             "transfer", NULL};

typedef struct {
    char *sec, *key, *value;
    size_t len, room; /* strlen(value) and its allocation, for continuation lines */
    int line;         /* 0: given on the command line */
    int used;
} entry;

struct fdr_config {
    char *name;
    entry *e;
    size_t n, cap;
    size_t *slot;  /* open-addressing index: 0 empty, else 1 + the entry's index */
    size_t nslot;  /* a power of two, at least twice n */
    /* parsing state */
    const char *text;
    size_t pos;
    int line;
    int continuation; /* the current line began with white space */
    int after_key;    /* a key was read since the last section header (inih's prev_name) */
    int status;
    /* Every (section, key) the model asked for and did not find; with the
     * entries marked used, the keys of this model, for "did you mean" and
     * the unknown-key message. (Only the absent ones: a file of many keys is
     * still read in linear time.) */
    struct asked {
        char *sec, *key;
    } *asked;
    size_t nasked, capasked;
};

static char *dupstr(const char *s)
{
    size_t n = strlen(s);
    char *p = fdr_malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

/* FNV-1a over "sec\0key". */
static size_t hash(const char *sec, const char *key)
{
    uint64_t h = 14695981039346656037u;
    for (const char *p = sec;; p++) {
        h = (h ^ (unsigned char)*p) * 1099511628211u;
        if (!*p)
            break;
    }
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    return (size_t)h;
}

/* The entry of sec.key, or NULL: one probe of the index on average. */
static entry *find(const fdr_config *c, const char *sec, const char *key)
{
    if (!c->nslot)
        return NULL;
    size_t mask = c->nslot - 1;
    for (size_t h = hash(sec, key) & mask;; h = (h + 1) & mask) {
        size_t i = c->slot[h];
        if (!i)
            return NULL;
        entry *e = &c->e[i - 1];
        if (strcmp(e->sec, sec) == 0 && strcmp(e->key, key) == 0)
            return e;
    }
}

/* Enters entry i into the index, which has a free slot. */
static void index_entry(fdr_config *c, size_t i)
{
    size_t mask = c->nslot - 1, h = hash(c->e[i].sec, c->e[i].key) & mask;
    while (c->slot[h])
        h = (h + 1) & mask;
    c->slot[h] = i + 1;
}

/* Appends sec.key = value (from line; 0: the command line) and indexes it,
 * growing the index to keep it at most half full. */
static int add(fdr_config *c, const char *sec, const char *key, const char *value, int line)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        entry *e = realloc(c->e, cap * sizeof *e);
        if (!e)
            return fdr_error(FDR_ENOMEM, "out of memory reading %s", c->name);
        c->e = e;
        c->cap = cap;
    }
    if (2 * (c->n + 1) > c->nslot) {
        size_t nslot = c->nslot ? 2 * c->nslot : 64;
        size_t *slot = calloc(nslot, sizeof *slot);
        if (!slot)
            return fdr_error(FDR_ENOMEM, "out of memory reading %s", c->name);
        free(c->slot);
        c->slot = slot;
        c->nslot = nslot;
        for (size_t i = 0; i < c->n; i++)
            index_entry(c, i);
    }
    entry *e = &c->e[c->n];
    e->sec = dupstr(sec);
    e->key = dupstr(key);
    e->value = dupstr(value);
    e->len = strlen(value);
    e->room = e->len + 1;
    e->line = line;
    e->used = 0;
    if (!e->sec || !e->key || !e->value) {
        free(e->sec);
        free(e->key);
        free(e->value);
        return FDR_ENOMEM;
    }
    index_entry(c, c->n++);
    return FDR_OK;
}

/* Refuses a section header followed by anything but a comment, which inih
 * would drop without a word ("[run] steps = 10", "[run]] x"). line is the
 * line as read, first the white space inih skips. */
static int check_header(fdr_config *c, const char *line)
{
    const char *s = line;
    if (c->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3; /* inih skips a UTF-8 byte-order mark */
    line = s;
    while (isspace((unsigned char)*s))
        s++;
    /* inih reads an indented line after a key as a continuation of its value */
    if (*s != '[' || (s > line && c->after_key))
        return FDR_OK;
    c->after_key = 0;
    const char *close = strchr(s, ']');
    if (!close)
        return FDR_OK; /* inih reports the unclosed header */
    const char *rest = close + 1;
    while (isspace((unsigned char)*rest))
        rest++;
    if (*rest && *rest != ';' && *rest != '#')
        return c->status = fdr_error(FDR_EINVAL,
                                     "%s:%d: text after the section header %.*s: '%s' (put "
                                     "each key = value on a line of its own)",
                                     c->name, c->line, (int)(close + 1 - s), s, rest);
    return FDR_OK;
}

/* inih's reader callback: copies one line of c->text into buf. */
static char *reader(char *buf, int size, void *stream)
{
    fdr_config *c = stream;
    if (c->status != FDR_OK || c->text[c->pos] == '\0')
        return NULL;
    const char *s = c->text + c->pos;
    size_t len = strcspn(s, "\n");
    c->line++;
    if (len > MAX_LINE || (int)len >= size) {
        c->status = fdr_error(FDR_EINVAL,
                              "%s:%d: line longer than %d characters; continue a long value "
                              "on the next lines, indented",
                              c->name, c->line, MAX_LINE);
        return NULL;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    c->continuation = len > 0 && (s[0] == ' ' || s[0] == '\t');
    c->pos += len + (s[len] == '\n');
    return check_header(c, buf) == FDR_OK ? buf : NULL;
}

static int is_known_section(const char *sec)
{
    for (const char *const *k = known_sections; *k; k++)
        if (strcmp(*k, sec) == 0)
            return 1;
    return 0;
}

static int handler(void *user, const char *sec, const char *key, const char *value)
{
    fdr_config *c = user;
    if (!is_known_section(sec)) {
        c->status = fdr_error(FDR_EINVAL,
                              "%s:%d: unknown section [%s] (valid sections: [landscape], "
                              "[noise], [optimizer], [run], [plot])",
                              c->name, c->line, sec);
        return 0;
    }
    c->after_key = 1;
    entry *e = find(c, sec, key);
    if (e && c->continuation && e == &c->e[c->n - 1]) {
        size_t b = strlen(value);
        if (e->len + b + 2 > e->room) {
            /* grow geometrically: a value of many lines is copied O(1) times */
            size_t room = 2 * (e->len + b + 2);
            char *v = realloc(e->value, room);
            if (!v) {
                c->status = fdr_error(FDR_ENOMEM, "out of memory reading %s", c->name);
                return 0;
            }
            e->value = v;
            e->room = room;
        }
        e->value[e->len] = ' ';
        memcpy(e->value + e->len + 1, value, b + 1);
        e->len += b + 1;
        return 1;
    }
    if (e) {
        c->status = fdr_error(FDR_EINVAL, "%s:%d: [%s] %s: key given twice (first on line %d)",
                              c->name, c->line, sec, key, e->line);
        return 0;
    }
    c->status = add(c, sec, key, value, c->line);
    return c->status == FDR_OK;
}

fdr_config *fdr_config_parse_string(const char *text, const char *name)
{
    fdr_config *c = fdr_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->name = dupstr(name);
    if (!c->name) {
        free(c);
        return NULL;
    }
    c->text = text;
    int rc = ini_parse_stream(reader, c, handler, c);
    c->text = NULL;
    if (c->status == FDR_OK && rc != 0) {
        if (rc > 0)
            c->status = fdr_error(FDR_EINVAL,
                                  "%s:%d: not an INI line (expected [section], key = value, "
                                  "an indented continuation or a ; comment)",
                                  c->name, rc);
        else
            c->status = fdr_error(FDR_ENOMEM, "%s: out of memory while parsing", c->name);
    }
    if (c->status != FDR_OK) {
        fdr_config_free(c);
        return NULL;
    }
    return c;
}

/* Records that the file at path holds more than limit bytes. */
static int too_large(const char *path, size_t limit, const char *what)
{
    return fdr_error(FDR_EINVAL, "%s: larger than the %zu bytes (%zu MiB) %s may have", path,
                     limit, limit >> 20, what);
}

char *fdr_read_file(const char *path, size_t limit, const char *what, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fdr_error(FDR_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > limit) {
        fclose(f);
        too_large(path, limit, what);
        return NULL;
    }
    /* Reading one byte more than the cap tells a file at the cap from a longer
     * stream (a pipe, /dev/zero), which is refused when that byte arrives. */
    size_t cap = 4096, n = 0, got;
    char *buf = fdr_malloc(cap + 1);
    while (buf && n <= limit && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap && cap <= limit) {
            cap = 2 * cap < limit + 1 ? 2 * cap : limit + 1;
            char *b = realloc(buf, cap + 1);
            if (!b) {
                free(buf);
                fdr_error(FDR_ENOMEM, "%s: out of memory", path);
            }
            buf = b;
        }
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (buf && (err || n > limit)) {
        if (err)
            fdr_error(FDR_EIO, "%s: read error: %s", path, strerror(err));
        else
            too_large(path, limit, what);
        free(buf);
        buf = NULL;
    }
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

fdr_config *fdr_config_load(const char *path)
{
    size_t n;
    char *buf = fdr_read_file(path, FDR_CONFIG_MAX_BYTES, "a model file", &n);
    if (!buf)
        return NULL;
    fdr_config *c = NULL;
    if (memchr(buf, '\0', n))
        fdr_error(FDR_EINVAL, "%s: not a text file (it holds a NUL byte)", path);
    else
        c = fdr_config_parse_string(buf, path);
    free(buf);
    return c;
}

void fdr_config_free(fdr_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].sec);
        free(c->e[i].key);
        free(c->e[i].value);
    }
    free(c->e);
    free(c->slot);
    for (size_t i = 0; i < c->nasked; i++) {
        free(c->asked[i].sec);
        free(c->asked[i].key);
    }
    free(c->asked);
    free(c->name);
    free(c);
}

const char *fdr_config_name(const fdr_config *c)
{
    return c->name;
}

int fdr_config_set(fdr_config *c, const char *assignment)
{
    const char *dot = strchr(assignment, '.');
    const char *eq = strchr(assignment, '=');
    if (!dot || !eq || dot > eq || dot == assignment || eq == dot + 1)
        return fdr_error(FDR_EINVAL, "--set %s: expected section.key=value", assignment);
    char sec[64], key[64];
    size_t ls = (size_t)(dot - assignment), lk = (size_t)(eq - dot - 1);
    if (ls >= sizeof sec || lk >= sizeof key)
        return fdr_error(FDR_EINVAL, "--set %s: section or key name too long", assignment);
    memcpy(sec, assignment, ls);
    sec[ls] = '\0';
    memcpy(key, dot + 1, lk);
    key[lk] = '\0';
    if (!is_known_section(sec))
        return fdr_error(FDR_EINVAL,
                         "--set %s: unknown section [%s] (valid sections: [landscape], "
                         "[noise], [optimizer], [run], [plot])",
                         assignment, sec);
    const char *value = eq + 1;
    while (isspace((unsigned char)*value))
        value++;
    entry *e = find(c, sec, key);
    if (e) {
        char *v = dupstr(value);
        if (!v)
            return FDR_ENOMEM;
        free(e->value);
        e->value = v;
        e->len = strlen(v);
        e->room = e->len + 1;
        e->line = 0;
        return FDR_OK;
    }
    return add(c, sec, key, value, 0);
}

int fdr_config_has(const fdr_config *c, const char *sec, const char *key)
{
    return find(c, sec, key) != NULL;
}

static int verror(const fdr_config *c, const entry *e, const char *sec, const char *key,
                  const char *fmt, va_list ap)
{
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (e && e->line > 0)
        return fdr_error(FDR_EINVAL, "%s:%d: [%s] %s: %s", c->name, e->line, sec, key, msg);
    if (e)
        return fdr_error(FDR_EINVAL, "command line (--set or option): [%s] %s: %s", sec, key, msg);
    return fdr_error(FDR_EINVAL, "%s: [%s] %s: %s", c->name, sec, key, msg);
}

int fdr_config_error(const fdr_config *c, const char *sec, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = verror(c, find(c, sec, key), sec, key, fmt, ap);
    va_end(ap);
    return rc;
}

static int errat(const fdr_config *c, const entry *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int errat(const fdr_config *c, const entry *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = verror(c, e, e->sec, e->key, fmt, ap);
    va_end(ap);
    return rc;
}

/* Records that the model asks for (sec, key). Only the hints of the
 * messages below read the record, so a failed allocation loses a hint,
 * never a result, and records no error (plain malloc: fdr_error keeps the
 * first message, which must stay the real one). */
static void remember(fdr_config *c, const char *sec, const char *key)
{
    for (size_t i = 0; i < c->nasked; i++)
        if (strcmp(c->asked[i].sec, sec) == 0 && strcmp(c->asked[i].key, key) == 0)
            return;
    if (c->nasked == c->capasked) {
        size_t cap = c->capasked ? 2 * c->capasked : 32;
        struct asked *a = realloc(c->asked, cap * sizeof *a);
        if (!a)
            return;
        c->asked = a;
        c->capasked = cap;
    }
    char *s = strdup(sec), *k = strdup(key);
    if (!s || !k) {
        free(s);
        free(k);
        return;
    }
    c->asked[c->nasked++] = (struct asked){s, k};
}

static entry *use(fdr_config *c, const char *sec, const char *key)
{
    entry *e = find(c, sec, key);
    if (e)
        e->used = 1;
    else
        remember(c, sec, key);
    return e;
}

/* The optimal-string-alignment distance of a and b (edits, one of which
 * swaps two neighbours), for names of at most 63 characters; else a large
 * number. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t m = strlen(a), n = strlen(b), d[64][64];
    if (m > 63 || n > 63)
        return SIZE_MAX;
    for (size_t i = 0; i <= m; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= n; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= m; i++)
        for (size_t j = 1; j <= n; j++) {
            size_t sub = d[i - 1][j - 1] + (tolower((unsigned char)a[i - 1]) !=
                                            tolower((unsigned char)b[j - 1]));
            size_t best = d[i - 1][j] + 1 < d[i][j - 1] + 1 ? d[i - 1][j] + 1 : d[i][j - 1] + 1;
            best = sub < best ? sub : best;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[m][n];
}

/* 1 if long_name's words (split at '_') begin with the letters of short_name,
 * as learning_rate abbreviates to lr. */
static int abbreviates(const char *short_name, const char *long_name)
{
    if (!strchr(long_name, '_'))
        return 0;
    const char *s = short_name;
    for (const char *p = long_name; *p; p++)
        if (p == long_name || p[-1] == '_') {
            if (tolower((unsigned char)*p) != tolower((unsigned char)*s))
                return 0;
            s++;
        }
    return *s == '\0';
}

/* 1 if a user who wrote `written` plausibly meant `meant`. */
static int close_names(const char *written, const char *meant)
{
    size_t len = strlen(meant), tol = len >= 6 ? 2 : 1;
    return edit_distance(written, meant) <= tol || abbreviates(meant, written) ||
           abbreviates(written, meant);
}

/* An unused key of section sec the user may have meant as key, or NULL. */
static const entry *near_unused(const fdr_config *c, const char *sec, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (!c->e[i].used && strcmp(c->e[i].sec, sec) == 0 && close_names(c->e[i].key, key))
            return &c->e[i];
    return NULL;
}

void fdr_config_absent_hint(const fdr_config *c, const char *sec, const char *key, char *buf,
                            size_t n)
{
    const entry *e = find(c, sec, key) ? NULL : near_unused(c, sec, key);
    if (n)
        buf[0] = '\0';
    if (e && e->line > 0)
        snprintf(buf, n, "; [%s] %s is not given (its default applies): did you mean it by '%s' on "
                         "line %d?",
                 sec, key, e->key, e->line);
    else if (e)
        snprintf(buf, n, "; [%s] %s is not given (its default applies): did you mean it by '%s'?",
                 sec, key, e->key);
}

int fdr_config_missing(const fdr_config *c, const char *sec, const char *key)
{
    const entry *e = near_unused(c, sec, key);
    if (!e)
        return fdr_config_error(c, sec, key, "missing (this key is required)");
    if (e->line > 0)
        return fdr_config_error(c, sec, key,
                                "missing (this key is required; did you mean it by '%s' on "
                                "line %d?)",
                                e->key, e->line);
    return fdr_config_error(c, sec, key,
                            "missing (this key is required; did you mean it by '%s', given on "
                            "the command line?)",
                            e->key);
}

int fdr_config_string(fdr_config *c, const char *sec, const char *key, const char *def,
                      const char **out)
{
    entry *e = use(c, sec, key);
    if (!e) {
        if (!def)
            return fdr_config_missing(c, sec, key);
        *out = def;
        return FDR_OK;
    }
    if (e->value[0] == '\0')
        return errat(c, e, "empty value");
    *out = e->value;
    return FDR_OK;
}

#define UNDERFLOW "is too small for a double (nonzero numbers start near 4.9e-324)"

/* Parses one finite number starting at s; *end points past it. Returns 0, -1
 * for no finite number, 1 for a nonzero number that rounds to zero. strtod's
 * ERANGE flags every underflow, but subnormals (1e-320) are finite numbers. */
static int number(const char *s, double *x, const char **end)
{
    char *p;
    errno = 0;
    *x = strtod(s, &p);
    if (p == s || !isfinite(*x))
        return -1;
    if (errno == ERANGE && *x == 0)
        return 1;
    *end = p;
    return 0;
}

int fdr_config_double(fdr_config *c, const char *sec, const char *key, double def, double *out)
{
    entry *e = use(c, sec, key);
    if (!e) {
        *out = def;
        return FDR_OK;
    }
    const char *end;
    int bad = number(e->value, out, &end);
    if (bad)
        return errat(c, e, bad > 0 ? "'%s' " UNDERFLOW : "'%s' is not a finite number", e->value);
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return errat(c, e, "'%s' is not a single number", e->value);
    return FDR_OK;
}

static int parse_long(const fdr_config *c, const entry *e, long *out)
{
    char *p;
    errno = 0;
    long v = strtol(e->value, &p, 10);
    while (isspace((unsigned char)*p))
        p++;
    if (p == e->value || *p || errno == ERANGE)
        return errat(c, e, "'%s' is not an integer", e->value);
    *out = v;
    return FDR_OK;
}

int fdr_config_uint64(fdr_config *c, const char *sec, const char *key, uint64_t def,
                      uint64_t *out)
{
    entry *e = use(c, sec, key);
    if (!e) {
        *out = def;
        return FDR_OK;
    }
    const char *s = e->value;
    while (isspace((unsigned char)*s))
        s++;
    char *p = (char *)s;
    unsigned long long v = 0;
    errno = 0;
    if (isdigit((unsigned char)*s)) /* strtoull would wrap "-1" around to UINT64_MAX */
        v = strtoull(s, &p, 10);
    while (isspace((unsigned char)*p))
        p++;
    if (p == s || *p || errno == ERANGE)
        return errat(c, e, "'%s' is not a whole number from 0 to %" PRIu64, e->value, UINT64_MAX);
    *out = (uint64_t)v;
    return FDR_OK;
}

int fdr_config_long(fdr_config *c, const char *sec, const char *key, long def, long *out)
{
    entry *e = use(c, sec, key);
    if (!e) {
        *out = def;
        return FDR_OK;
    }
    return parse_long(c, e, out);
}

int fdr_config_required_long(fdr_config *c, const char *sec, const char *key, long *out)
{
    entry *e = use(c, sec, key);
    if (!e)
        return fdr_config_missing(c, sec, key);
    return parse_long(c, e, out);
}

/* Parses all numbers in s into a fresh array. */
static int parse_list(const fdr_config *c, const entry *e, const char *s, double **out,
                      size_t *n_out)
{
    size_t n = 0, cap = 16;
    double *v = fdr_malloc(cap * sizeof *v);
    if (!v)
        return FDR_ENOMEM;
    for (;;) {
        while (isspace((unsigned char)*s) || *s == ',')
            s++;
        if (!*s)
            break;
        const char *end;
        double x;
        int bad = number(s, &x, &end);
        if (bad || (*end && !isspace((unsigned char)*end) && *end != ',')) {
            size_t len = strcspn(s, " \t,");
            free(v);
            return errat(c, e,
                         bad > 0 ? "'%.*s' (entry %zu) " UNDERFLOW
                                 : "'%.*s' (entry %zu) is not a finite number",
                         (int)len, s, n + 1);
        }
        if (n == cap) {
            double *w = realloc(v, (cap *= 2) * sizeof *w);
            if (!w) {
                free(v);
                return fdr_error(FDR_ENOMEM, "out of memory");
            }
            v = w;
        }
        v[n++] = x;
        s = end;
    }
    *out = v;
    *n_out = n;
    return FDR_OK;
}

int fdr_config_vector(fdr_config *c, const char *sec, const char *key, size_t n, double def,
                      double *out)
{
    entry *e = use(c, sec, key);
    if (!e) {
        for (size_t i = 0; i < n; i++)
            out[i] = def;
        return FDR_OK;
    }
    double *v;
    size_t m;
    int rc = parse_list(c, e, e->value, &v, &m);
    if (rc)
        return rc;
    if (m != 1 && m != n) {
        free(v);
        return errat(c, e, "expected one number or a list of %zu, got %zu", n, m);
    }
    for (size_t i = 0; i < n; i++)
        out[i] = v[m == 1 ? 0 : i];
    free(v);
    return FDR_OK;
}

int fdr_config_numbers(fdr_config *c, const char *sec, const char *key, size_t n, double **out,
                       size_t *n_out)
{
    entry *e = use(c, sec, key);
    if (!e)
        return fdr_config_missing(c, sec, key);
    size_t m;
    int rc = parse_list(c, e, e->value, out, &m);
    if (rc)
        return rc;
    if (m == 0 || (n && m != n)) {
        free(*out);
        *out = NULL;
        return errat(c, e, "expected a list of %zu numbers, got %zu", n, m);
    }
    if (n_out)
        *n_out = m;
    return FDR_OK;
}

int fdr_spectrum_parse(const fdr_config *c, const char *sec, const char *key, const char *text,
                       size_t n, double *out)
{
    const entry *e = find(c, sec, key);
    entry fallback = {.sec = (char *)sec, .key = (char *)key, .value = (char *)text, .used = 1};
    if (!e)
        e = &fallback;
    while (isspace((unsigned char)*text))
        text++;
    const char *s = text;
    size_t wl = strcspn(s, " \t");
    double *p;
    size_t m;
    int rc = parse_list(c, e, s + wl, &p, &m);
    if (rc)
        return rc;
    if (wl == 4 && strncmp(s, "list", 4) == 0) {
        if (m != n) {
            free(p);
            return errat(c, e, "'list' needs %zu numbers (one per dimension), got %zu", n, m);
        }
        memcpy(out, p, n * sizeof *out);
    } else if ((wl == 6 && strncmp(s, "linear", 6) == 0) || (wl == 3 && strncmp(s, "log", 3) == 0)) {
        int lg = wl == 3;
        if (m != 2 || (lg && (p[0] <= 0 || p[1] <= 0))) {
            free(p);
            return errat(c, e, lg ? "'log a b' needs two positive numbers"
                                  : "'linear a b' needs two numbers");
        }
        for (size_t i = 0; i < n; i++) {
            double t = n > 1 ? (double)i / (double)(n - 1) : 0.0;
            out[i] = lg ? exp(log(p[0]) + t * (log(p[1]) - log(p[0]))) : p[0] + t * (p[1] - p[0]);
        }
    } else if (wl == 5 && strncmp(s, "power", 5) == 0) {
        if (m != 2) {
            free(p);
            return errat(c, e, "'power h1 p' needs two numbers (h_i = h1 / i^p)");
        }
        for (size_t i = 0; i < n; i++)
            out[i] = p[0] / pow((double)(i + 1), p[1]);
    } else {
        free(p);
        return errat(c, e, "'%.*s' is not a spectrum (use: list h1 ... hd | linear a b | log a b | "
                           "power h1 p)",
                     (int)wl, s);
    }
    free(p);
    return FDR_OK;
}

int fdr_config_spectrum(fdr_config *c, const char *sec, const char *key, size_t n, double *out)
{
    entry *e = use(c, sec, key);
    if (!e)
        return fdr_config_missing(c, sec, key);
    return fdr_spectrum_parse(c, sec, key, e->value, n, out);
}

int fdr_numbers_parse(const fdr_config *c, const char *sec, const char *key, const char *text,
                      double **out, size_t *n_out)
{
    const entry *e = find(c, sec, key);
    entry fallback = {.sec = (char *)sec, .key = (char *)key, .value = (char *)text, .used = 1};
    return parse_list(c, e ? e : &fallback, text, out, n_out);
}

static int check_unused(const fdr_config *c, const char *only)
{
    for (size_t i = 0; i < c->n; i++) {
        const entry *e = &c->e[i];
        if (e->used || (only ? strcmp(e->sec, only) != 0
                             : strcmp(e->sec, "plot") == 0))
            continue;
        char keys[512] = "", *p = keys;
        const char *guess = NULL;
        /* the section's keys in this model: those given and read, then those read and absent */
        for (size_t k = 0; k < c->n + c->nasked; k++) {
            const char *ks = k < c->n ? c->e[k].sec : c->asked[k - c->n].sec;
            const char *kk = k < c->n ? c->e[k].key : c->asked[k - c->n].key;
            if ((k < c->n && !c->e[k].used) || strcmp(ks, e->sec) != 0)
                continue;
            if (!guess && close_names(e->key, kk))
                guess = kk;
            size_t room = sizeof keys - (size_t)(p - keys);
            int w = snprintf(p, room, "%s%s", p == keys ? "" : ", ", kk);
            if (w > 0 && (size_t)w < room)
                p += w;
        }
        if (guess)
            return errat(c, e, "unknown key in this model (did you mean '%s'? the keys of [%s] "
                               "here: %s)",
                         guess, e->sec, keys);
        if (keys[0])
            return errat(c, e, "unknown key in this model (the keys of [%s] here: %s; the README's "
                               "model-file reference has them all)",
                         e->sec, keys);
        return errat(c, e, "unknown key in this model (see the README's model-file reference)");
    }
    return FDR_OK;
}

int fdr_config_check_unused(const fdr_config *c)
{
    return check_unused(c, NULL);
}

int fdr_config_check_unused_section(const fdr_config *c, const char *sec)
{
    return check_unused(c, sec);
}

void fdr_config_foreach_read(const fdr_config *c,
                             void (*fn)(const char *sec, const char *key, const char *value,
                                        void *ctx),
                             void *ctx)
{
    for (const char *const *sec = known_sections; *sec; sec++) {
        for (size_t i = 0; i < c->n; i++)
            if (c->e[i].used && strcmp(c->e[i].sec, *sec) == 0)
                fn(c->e[i].sec, c->e[i].key, c->e[i].value, ctx);
        for (size_t k = 0; k < c->nasked; k++)
            if (strcmp(c->asked[k].sec, *sec) == 0)
                fn(c->asked[k].sec, c->asked[k].key, NULL, ctx);
    }
}

void fdr_config_foreach(const fdr_config *c,
                        void (*fn)(const char *sec, const char *key, const char *value, void *ctx),
                        void *ctx)
{
    for (size_t i = 0; i < c->n; i++)
        fn(c->e[i].sec, c->e[i].key, c->e[i].value, ctx);
}

int fdr_parse_long(const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno == ERANGE || isspace((unsigned char)*text) || v < lo ||
        v > hi)
        return FDR_EINVAL;
    *out = v;
    return FDR_OK;
}

void fdr_config_display_name(const char *path, char *buf, size_t n)
{
    const char *b = strrchr(path, '/');
    snprintf(buf, n, "%s", b ? b + 1 : path);
    size_t len = strlen(buf);
    if (len > 4 && strcmp(buf + len - 4, ".ini") == 0)
        buf[len - 4] = '\0';
}

/* cfg.h - model files: INI text with [landscape], [noise], [optimizer],
 * [run] and [plot] sections, plus `--set section.key=value` overrides.
 *
 * Every getter marks its key as used and, on a bad value, records an error
 * naming the file, the line, the section and the key (fdr_error) and returns
 * FDR_EINVAL. After all parts of the model have read their keys,
 * fdr_config_check_unused() rejects anything nobody asked for, so a typo is
 * an error rather than a silently ignored setting. */
#ifndef FDR_CFG_H
#define FDR_CFG_H

#include <stddef.h>
#include <stdint.h>

typedef struct fdr_config fdr_config;

/* The largest model file fdr_config_load reads (8 MiB: a dense Hessian of
 * d = 500 at 17 digits fits; larger models use a spectrum and a rotation). */
#define FDR_CONFIG_MAX_BYTES ((size_t)8 << 20)

/* Parses the INI file at path. NULL (with fdr_error) if it cannot be read, is
 * larger than FDR_CONFIG_MAX_BYTES (also a pipe or a device: reading stops
 * there) or is malformed. Time and memory grow linearly with the file. */
fdr_config *fdr_config_load(const char *path);

/* Reads the file at path (a regular file, a pipe, a device) into a fresh
 * buffer with a NUL after its len bytes. NULL with fdr_error when it cannot be
 * opened or read (FDR_EIO) or holds more than limit bytes (FDR_EINVAL: "PATH:
 * larger than ... WHAT may have"), which a regular file's size tells at once
 * and a stream when byte limit + 1 arrives. */
char *fdr_read_file(const char *path, size_t limit, const char *what, size_t *len);

/* Parses INI text held in memory; name is used in messages. */
fdr_config *fdr_config_parse_string(const char *text, const char *name);

void fdr_config_free(fdr_config *c);

/* Applies an override "section.key=value" (as given to --set). */
int fdr_config_set(fdr_config *c, const char *assignment);

/* The name of the source (file path) used in messages. */
const char *fdr_config_name(const fdr_config *c);

/* 1 if the key is present (marks nothing). */
int fdr_config_has(const fdr_config *c, const char *sec, const char *key);

/* Typed getters. A missing key leaves the default in *out (required = 0) or
 * is an error (required = 1). */
int fdr_config_string(fdr_config *c, const char *sec, const char *key,
                      const char *def, const char **out);
int fdr_config_double(fdr_config *c, const char *sec, const char *key,
                      double def, double *out);
int fdr_config_long(fdr_config *c, const char *sec, const char *key,
                    long def, long *out);
/* A whole number from 0 to UINT64_MAX (a seed). */
int fdr_config_uint64(fdr_config *c, const char *sec, const char *key, uint64_t def,
                      uint64_t *out);
int fdr_config_required_long(fdr_config *c, const char *sec, const char *key, long *out);

/* A scalar (broadcast to all n entries) or a list of exactly n numbers. A
 * missing key gives def in every entry. */
int fdr_config_vector(fdr_config *c, const char *sec, const char *key,
                      size_t n, double def, double *out);

/* A list of exactly n numbers (n = 0: any length; the count goes to *n_out
 * and the numbers to a fresh array *out the caller frees). */
int fdr_config_numbers(fdr_config *c, const char *sec, const char *key,
                       size_t n, double **out, size_t *n_out);

/* Spectrum syntax shared by Hessians and covariances:
 *   list h1 ... hn | linear a b | log a b | power h1 p (h_i = h1 / i^p). */
int fdr_config_spectrum(fdr_config *c, const char *sec, const char *key,
                        size_t n, double *out);

/* The same syntaxes applied to text that is part of sec.key's value (a
 * keyword's arguments); errors name sec.key. */
int fdr_spectrum_parse(const fdr_config *c, const char *sec, const char *key, const char *text,
                       size_t n, double *out);
int fdr_numbers_parse(const fdr_config *c, const char *sec, const char *key, const char *text,
                      double **out, size_t *n_out);

/* Records an error about sec.key at its line and returns FDR_EINVAL. */
int fdr_config_error(const fdr_config *c, const char *sec, const char *key,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Calls fn for every entry (as resolved after --set), in file order. */
void fdr_config_foreach(const fdr_config *c,
                        void (*fn)(const char *sec, const char *key, const char *value, void *ctx),
                        void *ctx);

/* The longest path the command line takes for an output folder, with its
 * terminating NUL (Linux's PATH_MAX); longer ones are refused, not cut. */
#define FDR_PATH_MAX 4096

/* Parses all of text as a whole number from lo to hi (white space, other
 * characters and overflow refused): FDR_OK, or FDR_EINVAL recording nothing,
 * for the caller's message names the option. */
int fdr_parse_long(const char *text, long lo, long hi, long *out);

/* A model's display name: the base name of path without ".ini". */
void fdr_config_display_name(const char *path, char *buf, size_t n);

/* Records FDR_EINVAL for a required key that is absent: "missing", and,
 * when the section has an unused key close to it (a typo, or an
 * abbreviation such as lr for learning_rate), which one. */
int fdr_config_missing(const fdr_config *c, const char *sec, const char *key);

/* For a message about something a defaulted key decided: writes into buf
 * (size n) "; [sec] key is not given (...): did you mean it by 'K' on line
 * L?" when key is absent and an unused key of sec is close to it, else "". */
void fdr_config_absent_hint(const fdr_config *c, const char *sec, const char *key, char *buf,
                            size_t n);

/* Calls fn for every key the model read: those given (value) and those
 * asked for and absent, whose default applied (value NULL), section by
 * section in the order of the known sections. */
void fdr_config_foreach_read(const fdr_config *c,
                             void (*fn)(const char *sec, const char *key, const char *value,
                                        void *ctx),
                             void *ctx);

/* Errors on the first key that no getter asked for, outside [plot] (the
 * figures' settings, which the command line reads, even when the model is
 * read again from the file, as a sweep does for each point). */
int fdr_config_check_unused(const fdr_config *c);

/* The same for the keys of one section only (the command line's [plot]). */
int fdr_config_check_unused_section(const fdr_config *c, const char *sec);


#endif

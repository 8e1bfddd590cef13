/* checkpoint.h - an engine's whole state in one file, so that a run stopped
 * between two advances (a scheduler's SIGTERM, a wall-time limit, a crash)
 * continues from there and ends with the same bits as one that never
 * stopped (README.md, "Checkpoint and resume").
 *
 * The file: the magic "FDRSIMCK", the format version, an endianness probe
 * and the file's length; the fdrsim version and the build's identity; the
 * model's hash; the caller's strings (how to rebuild the run: the CLI keeps
 * the model file, its overrides, the command line...); then every state
 * array of the engine as a named, sized record; and last the FNV-1a 64 hash
 * of every byte before it. A file that is shorter or longer than its header
 * says, fails its checksum, comes from another version or build, or does
 * not fit the engine it is put into is refused (FDR_EINVAL, naming the file
 * and the reason), never used in part. The checksum catches corruption, not
 * a forgery. */
#ifndef FDR_CHECKPOINT_H
#define FDR_CHECKPOINT_H

#include "config/cfg.h"
#include "engine/engine.h"
#include "model/model.h"

#include <stddef.h>
#include <stdint.h>

#define FDR_CHECKPOINT_FORMAT 1u

/* One state array of the engine: fn saves the bytes at p or, restoring,
 * fills them. name identifies the record (checked on restore, with its
 * size). Returns FDR_OK or the status that stops the visit. */
typedef int (*fdr_state_fn)(void *ctx, const char *name, void *p, size_t bytes);

/* Visits everything of e that later steps or its result read (engine.c):
 * the step, the learning rates, the relations' sums, every block's theta,
 * v, optimizer state, observables, time-series rows and telescoping
 * projections, every replica's generator position and its noise law's
 * state. restore: the arrays are filled (fdr_rng positions are put back
 * after fn), then checked. Only between advances of an engine that has not
 * failed; FDR_EINVAL otherwise. */
int fdr_engine_state(fdr_engine *e, int restore, fdr_state_fn fn, void *ctx);

/* In a parallel job (fdr_engine_opts.dist), brings the state of every
 * other rank's blocks (as fdr_engine_state visits it) to rank 0, so that
 * rank 0's engine holds the state a one-process engine has at this step:
 * the checkpoint it writes is a one-process checkpoint, which resumes under
 * any number of ranks. The other ranks' engines are left as they were, and
 * rank 0 goes on stepping its own blocks only. Every rank calls it; every
 * rank returns the same status. Without a job, FDR_OK at once. */
int fdr_engine_collect(fdr_engine *e);

/* The step every replica of e is at. */
long fdr_engine_step(const fdr_engine *e);

/* What identifies the model a checkpoint belongs to: FNV-1a 64 of its
 * settings as resolved (after --set, the seed included), its display name
 * and shape (replicas, steps, dimension). */
uint64_t fdr_checkpoint_model_hash(const fdr_config *cfg, const fdr_model *m);

/* The build's identity as a checkpoint records it: version, compiler and
 * its floating-point code generation, C library, CBLAS, generator kernel,
 * word size and byte order; a checkpoint is resumed only by the same. */
const char *fdr_checkpoint_build(void);

/* Writes e's state, the model hash and the caller's nstr strings to path
 * atomically (a temporary sibling, synced, renamed over path). */
int fdr_checkpoint_write(const char *path, fdr_engine *e, uint64_t model_hash,
                         const char *const *str, size_t nstr);

/* The same for any state: visit calls fn(fnctx, name, p, bytes) on each of
 * its records in turn (it is called twice: once to count the bytes). */
typedef int (*fdr_state_visit)(void *ctx, fdr_state_fn fn, void *fnctx);
int fdr_checkpoint_write_state(const char *path, fdr_state_visit visit, void *ctx,
                               uint64_t model_hash, const char *const *str, size_t nstr);

/* FNV-1a 64 of n bytes at p, continuing from h (0: from the start), the
 * hash the model hash is made of, for callers that hash more. */
uint64_t fdr_checkpoint_hash(uint64_t h, const void *p, size_t n);

/* A checkpoint read and verified (format, length, checksum, version,
 * build); its state is not yet put into an engine. */
typedef struct fdr_checkpoint {
    char *path;
    unsigned char *data;
    size_t len, state; /* the file's bytes; the offset of the state records */
    uint64_t model_hash;
    size_t nstr;
    char **str; /* the caller's strings, as written */
} fdr_checkpoint;

/* Reads and verifies path into *ck (fdr_checkpoint_clear frees it). */
int fdr_checkpoint_open(const char *path, fdr_checkpoint *ck);

/* Puts ck's state into e, freshly allocated for the same model (the
 * caller compares the model hash first): FDR_EINVAL if a record is
 * missing, named otherwise or of another size, or the state is invalid. */
int fdr_checkpoint_restore(const fdr_checkpoint *ck, fdr_engine *e);

/* A checkpoint whose state is one record called name (any size): *p and
 * *len are its bytes, inside ck. FDR_EINVAL if the state is anything else. */
int fdr_checkpoint_blob(const fdr_checkpoint *ck, const char *name, const void **p, size_t *len);

void fdr_checkpoint_clear(fdr_checkpoint *ck);

#endif

/* memory.h - what a run will need against what the machine can give, so
 * that fdrsim refuses a run it cannot hold (FDR_ENOMEM, exit status 3) with
 * the estimate and the key to change, instead of being killed by the
 * out-of-memory killer half-way, or spinning in a library that retries a
 * failed allocation forever. */
#ifndef FDR_MEMORY_H
#define FDR_MEMORY_H

#include "config/cfg.h"

#include <stddef.h>

/* Bytes the process can still allocate: the smallest of the memory the
 * kernel reports available (MemAvailable in /proc/meminfo) and the headroom
 * under the address-space and data limits (ulimit -v, ulimit -d). */
double fdr_memory_available(void);

/* Bytes left under the address-space and data limits alone (HUGE_VAL when
 * there are none): what an allocation of untouched memory can still get. */
double fdr_address_headroom(void);

/* Estimates the peak memory of building and running the model in cfg from
 * its keys alone, before anything is allocated (README, "Memory"), and
 * refuses with FDR_ENOMEM when it exceeds fdr_memory_available(), naming the
 * estimate and the key whose term dominates it. setup_only leaves out the
 * run (for `fdrsim landscape`). Keys that do not parse or are out of range
 * are skipped: validation reports them with their own message. */
int fdr_memory_check(fdr_config *cfg, int setup_only);

#endif

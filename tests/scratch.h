/* scratch.h - a fresh scratch folder for each test of the tests that run
 * fdrsim as a program or write files: tmpdir is made before the test
 * (TestSuite's .init = scratch_make) and removed after it (.fini =
 * scratch_remove). */
#ifndef FDR_TEST_SCRATCH_H
#define FDR_TEST_SCRATCH_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char tmpdir[256];

/* Makes tmpdir, a new folder under /tmp. */
static inline void scratch_make(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fdrsim-test-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

/* Removes tmpdir and everything in it. */
static inline void scratch_remove(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

/* Writes text into the file name in tmpdir. */
static inline void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* 1 if the file or folder name exists in tmpdir. */
static inline int exists(const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return stat(path, &st) == 0;
}

#endif

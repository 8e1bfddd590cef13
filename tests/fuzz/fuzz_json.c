/* fuzz_json.c - libFuzzer harness for the JSON reader of `fdrsim check`
 * (src/io/check.c).
 *
 * An input holds one or two JSON texts, one after the other: the first is
 * the result and the second the baseline (or the result again when there is
 * no valid second text). Both are parsed with the flags fdr_check_files uses,
 * compared with fdr_check_compare and the report printed, as `fdrsim check`
 * would. Errors are expected; crashes, leaks, undefined behaviour and
 * time-outs are findings. Build and run: README.md, "Fuzzing the input
 * readers". */
#include "io/check.h"
#include "core/fdr.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        return 0;
    json_error_t err;
    json_t *r = json_loadb((const char *)data, size, FDR_CHECK_JSON_FLAGS | JSON_DISABLE_EOF_CHECK,
                           &err);
    if (!r)
        return 0;
    size_t used = (size_t)err.position;
    json_t *b = used < size ? json_loadb((const char *)data + used, size - used,
                                         FDR_CHECK_JSON_FLAGS, &err)
                            : NULL;
    if (!b)
        b = json_incref(r);
    if (json_is_object(r) && json_is_object(b)) {
        fdr_check chk;
        fdr_error_clear();
        if (fdr_check_compare(r, "result.json", b, "baseline.json", FDR_CHECK_TOLERANCE, &chk) ==
            FDR_OK) {
            fdr_check_print(sink, &chk, 1);
            fdr_check_clear(&chk);
        }
        fdr_error_clear();
    }
    json_decref(r);
    json_decref(b);
    return 0;
}

/* findscu: where query results go.
 *
 * A sink receives every C-FIND response as it arrives. The query code only
 * knows this interface; each output (the log dump pynetdicom prints, the -w
 * Part 10 files, later JSON/CSV/XML) is one implementation, and several sinks
 * can be active at once (they are called in the order they were added). */
#ifndef FINDSCU_SINK_H
#define FINDSCU_SINK_H

#include <stdatomic.h>
#include <stddef.h>

#include <dq/dq.h>
#include <dq/find.h>

/* What every sink may need about the query being run. */
typedef struct fs_query_info {
    const char *model_uid; /* the query model (Affected SOP Class UID) */
    dq_transfer_syntax ts; /* accepted transfer syntax of its context */
    uint8_t pctx_id;
} fs_query_info;

typedef struct fs_sink fs_sink;
struct fs_sink {
    const char *name;
    /* Called once before the request is sent. 0 or -1 with *err. */
    int (*begin)(fs_sink *s, const fs_query_info *info, dq_error *err);
    /* Called for each response (pending and final) in arrival order. A -1
     * return is reported and the query goes on (pynetdicom keeps going too). */
    int (*response)(fs_sink *s, const fs_query_info *info, const dq_find_response *rsp,
                    dq_error *err);
    /* Called once after the final response, or after a failure (result NULL). */
    int (*end)(fs_sink *s, const dq_find_result *result, dq_error *err);
    void (*destroy)(fs_sink *s);
    void *state;
};

/* The "# Response Identifier" dump at INFO level, as pynetdicom logs it. */
fs_sink *fs_sink_log_new(void);
/* -w: rsp000001.dcm, rsp000002.dcm, ... in `dir` (NULL: the working directory). */
fs_sink *fs_sink_part10_new(const char *dir);
/* The same numbering files from *counter (set to 1 first), which sinks in
 * several threads share (findscu --jobs): no two write the same name. */
fs_sink *fs_sink_part10_new_shared(const char *dir, atomic_ulong *counter);
/* --output-directory: creates `dir` and its missing parents, then checks a
 * file can be created in it. -1 with "Cannot create|write to the output
 * directory 'DIR': [Errno N] reason" (DQ_ERR_IO, sys_errno) otherwise. */
int fs_output_dir_prepare(const char *dir, dq_error *err);

/* Writes one pending identifier as a Part 10 file (the -w format): meta with
 * the accepted transfer syntax, the model as Media Storage SOP Class and a
 * fresh 2.25 UID as Media Storage SOP Instance UID. */
int fs_write_part10(const char *path, const dq_dataset *identifier, const fs_query_info *info,
                    dq_error *err);

/* A fresh "2.25.<128-bit random decimal>" UID (PS3.5 B.2) into buf (>= 65 bytes). */
int fs_new_uid(char *buf, size_t cap, dq_error *err);
/* "2.25." + the UUID's 16 bytes as one unsigned decimal number (PS3.5 B.2). */
int fs_uid_from_uuid(const uint8_t uuid[16], char *buf, size_t cap, dq_error *err);

#endif

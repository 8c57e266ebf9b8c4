/* findscu: the destination of --format records (stdout or --output PATH).
 *
 * Writers append a record to the dq_buffer fs_out_buffer() gives (the
 * library's JSON/XML writers append there directly), then call
 * fs_out_record_done(). --output is written atomically: the records go to a
 * temporary file created in the same folder (so the final rename(2) never
 * crosses file systems) and the file gets its name only when fs_out_close()
 * commits it, so a reader never sees half a document. A failed write (disk
 * full, a closed pipe) is remembered: nothing more is written and the caller
 * stops the query. */
#ifndef FINDSCU_OUT_H
#define FINDSCU_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include <dq/buffer.h>
#include <dq/error.h>

typedef struct fs_out fs_out;

/* path NULL: standard output. Otherwise the temporary file is created at
 * once, so a folder that does not exist or cannot be written is reported
 * before any network traffic: -1 with DQ_ERR_IO, sys_errno and "Cannot write
 * to 'PATH': [Errno N] reason". */
int fs_out_open(fs_out **out, const char *path, dq_error *err);
/* path written directly, no temporary file (findscu --batch with NDJSON,
 * CSV or TSV): truncated, or appended to (append, --resume). Each
 * fs_out_record_done(o, true) writes what is buffered at once and the data
 * is synced to the disk at most once a second and at fs_out_close, so a
 * crash leaves the finished rows for --resume. fs_out_close never removes
 * it. Errors as fs_out_open. */
int fs_out_open_direct(fs_out **out, const char *path, bool append, dq_error *err);
/* Where the next record is appended (valid until the next fs_out call). */
dq_buffer *fs_out_buffer(fs_out *o);
/* After each record: what is buffered goes to the kernel at once when the
 * destination is not a regular file (a pipe or terminal sees each record as
 * it arrives), or `now` and it is standard output (a file someone may follow
 * with tail -f; --output's temporary file has no reader before its rename),
 * else once 64 KB are due. 0, or -1 when the destination has failed (see
 * fs_out_error). */
int fs_out_record_done(fs_out *o, bool now);
/* Asked when a write to a reader that does not read is interrupted by a
 * signal: true ends the writing (the error is EINTR), so Ctrl-C is not stuck
 * behind a stalled pipe. Without it the write is retried. */
void fs_out_set_interrupted(fs_out *o, bool (*interrupted)(void));
/* The errno of the first failed write, 0 while none failed. */
int fs_out_error(const fs_out *o);
/* "standard output" or the --output path, for messages. */
const char *fs_out_name(const fs_out *o);
/* Writes what is buffered and, for --output, renames the temporary file to
 * its name (keep) or removes it (!keep, or after a failed write). Frees o.
 * -1 with *err when the document could not be completed. */
int fs_out_close(fs_out *o, bool keep, dq_error *err);

#endif

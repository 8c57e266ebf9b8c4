/* findscu --batch: the records of many queries (one per input row) in one
 * document. Each worker thread has a row sink (an fs_sink) that writes its
 * current row's records into a block of its own; a finished row's block is
 * committed whole, so the output never holds half a row, and commits from
 * several threads are serialised onto the one fs_out. Every record carries
 * its row ("_row", 1-based); a failed row gets an error record; --count
 * writes one count record per row. docs/formats.md ("Batch records") shows
 * each format.
 *
 * --ordered: blocks are written in row order; a block waits in memory until
 * every earlier row is written or skipped, and fs_rows_wait_turn keeps the
 * rows in flight plus the blocks waiting within `window`.
 *
 * --resume (--output FILE, NDJSON/CSV/TSV): the rows already in FILE are
 * done; the last row's block in FILE may be torn by a crash and is cut off
 * (that row runs again), and new rows are appended. */
#ifndef FINDSCU_ROWS_H
#define FINDSCU_ROWS_H

#include <stdbool.h>
#include <stddef.h>

#include "findscu_args.h"
#include "findscu_format.h"
#include "findscu_sink.h"

typedef struct fs_rows fs_rows;

/* The highest row number a resumed file may hold (its done set is one bit
 * a row: 12.5 MB at most). */
#define FS_ROWS_MAX 100000000

typedef struct fs_rows_config {
    fs_format fmt;
    const char *output;  /* NULL: standard output */
    fs_columns *columns; /* CSV/TSV key columns, taken over (open frees them when it fails);
                          * NULL with count or other formats */
    bool count;          /* --count: one "_count" record per row instead of the matches */
    bool ordered;        /* --ordered */
    size_t window;       /* --ordered: rows started and not yet written, at most (>= jobs) */
    bool resume;         /* --resume */
} fs_rows_config;

/* Opens the output and writes the document's start (not when resuming a
 * file that has it). --output with NDJSON/CSV/TSV is written directly (not
 * a temporary file): every finished row is in the file at once and on the
 * disk within a second. resume: FILE is read (streaming) for its rows; a
 * CSV/TSV header must be the one this run writes; a file that does not
 * exist (or is empty) starts fresh. -1 with *err: DQ_ERR_ARGUMENT for
 * --resume without --output or with json/xml, or a file that is not this
 * run's (header, a line without "_row"); DQ_ERR_LIMIT for a row number
 * above FS_ROWS_MAX in it; DQ_ERR_IO when it cannot be read or written. */
int fs_rows_open(fs_rows **rows, const fs_rows_config *cfg, dq_error *err);
/* True when row (1-based) is complete in the resumed file (records or an
 * error record): the runner skips it (fs_rows_skip is then optional). */
bool fs_rows_done(const fs_rows *rows, size_t row);
/* How many rows the resumed file held (after its torn end was cut). */
size_t fs_rows_resumed(const fs_rows *rows);
/* Called by a worker before it starts row. --ordered: blocks while
 * row >= (first row not yet written) + window. False when stopped (the
 * worker does not run the row), else true (at once without --ordered). */
bool fs_rows_wait_turn(fs_rows *rows, size_t row);
/* fs_rows_wait_turn's test without the wait: true when it would return at
 * once. */
bool fs_rows_may_start(fs_rows *rows, size_t row);
/* The row will never be committed (skipped, not run): --ordered goes on
 * past it. After fs_rows_stop it no longer does (the row is a gap). */
void fs_rows_skip(fs_rows *rows, size_t row);
/* Ctrl-C or a failed output: wakes every waiter (fs_rows_wait_turn returns
 * false from now on). Without --ordered, rows committed later are still
 * written (they are complete); with --ordered a row still missing is a gap
 * and the blocks after the first gap are never written. */
void fs_rows_stop(fs_rows *rows);
/* Ends the document (JSON's ']', XML's end tag), writes what is
 * committable, and renames the temporary file (keep) or removes it; a
 * directly written file is kept in any case. Frees rows. 0, or -1 with *err
 * when the output could not be completed. */
int fs_rows_close(fs_rows *rows, bool keep, dq_error *err);
/* The errno of a failed write of the output, 0 while none (the runner
 * stops the batch: disk full, a closed pipe). */
int fs_rows_error(const fs_rows *rows);
/* The records written and the writers' repairs, summed over every worker's
 * committed rows (read it after the workers are done). */
const fs_format_stats *fs_rows_stats(const fs_rows *rows);
/* Asked when a write to a stalled reader is interrupted (fs_out_set_interrupted). */
void fs_rows_set_interrupted(fs_rows *rows, bool (*interrupted)(void));

/* A worker's sink: add it to the worker's sinks; it receives the
 * responses of the worker's current row. One per thread; destroyed with
 * s->destroy before fs_rows_close. NULL with *err (out of memory). */
fs_sink *fs_rows_sink_new(fs_rows *rows, dq_error *err);
/* Starts row (1-based): the block is emptied. */
void fs_rows_sink_begin_row(fs_sink *s, size_t row);
/* The row's query failed: an error record with status (the final status,
 * -1 when there was none: abort, timeout) and message (UTF-8; a byte that
 * is not becomes U+FFFD, counted in the stats). The records
 * already in the block stay (the matches that did arrive). */
int fs_rows_sink_error_record(fs_sink *s, int status, const char *message, dq_error *err);
/* The row is finished: with count its count record (unless it has an error
 * record), then the block is committed (written, or with --ordered kept
 * until its turn). A row without records writes nothing. -1 with *err when
 * a record of the row could not be made (out of memory): the row is then
 * not written (a gap). A failed output is fs_rows_error's, not this. */
int fs_rows_sink_commit(fs_sink *s, dq_error *err);
/* A row whose queries run on several workers (--expand with --jobs, or
 * --repeat): each query's records are a part, saved by the worker that ran
 * it; the row's block is its parts joined in query order, committed by the
 * worker that finished the row's last query. */
typedef struct fs_rows_part {
    dq_buffer records; /* {0} before it is saved into */
    size_t matches;
    bool has_error; /* an error record is in records */
    bool failed;    /* a record could not be made (out of memory): the row is not written */
    fs_format_stats st;
} fs_rows_part;

/* The records of the current row so far (since fs_rows_sink_begin_row or
 * the last save) are copied into part (empty), and the sink's block emptied
 * for the next query. Out of memory marks the part failed. */
void fs_rows_sink_save_part(fs_sink *s, fs_rows_part *part);
/* The current row (of fs_rows_sink_begin_row) is parts[0..n-1], in order:
 * their records joined into the sink's block (emptied first), then
 * committed as fs_rows_sink_commit does. */
int fs_rows_sink_commit_parts(fs_sink *s, fs_rows_part *const *parts, size_t n, dq_error *err);
void fs_rows_part_free(fs_rows_part *part);
/* The row did not finish (Ctrl-C): nothing of it is written; --ordered
 * treats it as fs_rows_skip does. */
void fs_rows_sink_discard(fs_sink *s);
/* Matches of the current row: pending responses that had an identifier. */
size_t fs_rows_sink_matches(const fs_sink *s);
/* fs_rows_error of the sink's output (fs_session's output_error: a query
 * whose output failed is cancelled). */
int fs_rows_sink_output_error(const fs_sink *s);

#endif

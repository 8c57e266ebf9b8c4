/* findscu --format: the results as data (DICOM JSON, NDJSON, CSV, TSV,
 * Native DICOM Model XML), one record per pending response with an
 * identifier, streamed to an fs_out (stdout or --output). See the README's
 * "Results as data" and docs/findscu-behaviour.md section 12. */
#ifndef FINDSCU_FORMAT_H
#define FINDSCU_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include <dq/dataset.h>

#include "findscu_args.h"
#include "findscu_out.h"
#include "findscu_sink.h"

/* CSV/TSV columns: a key path and its header. */
typedef struct fs_column {
    char *name; /* "PatientName", "ScheduledProcedureStepSequence[0].Modality", "(0009,1001)" */
    dq_keypath path;
} fs_column;

typedef struct fs_columns {
    fs_column *col;
    size_t n, cap;
} fs_columns;

/* The columns of o: --columns as given, else the query's keys (-k order,
 * then the -f file's elements in file order, items as Seq[i].Keyword), each
 * once, sequences only through their items' elements. identifier is the
 * query as built. -1 with DQ_ERR_ARGUMENT naming a --columns entry that is
 * not a key path or names a sequence. */
int fs_columns_build(fs_columns *c, const fs_options *o, const dq_dataset *identifier,
                     dq_error *err);
void fs_columns_free(fs_columns *c);
/* The header of a path: keywords, (gggg,eeee) where the dictionary has no
 * keyword for the tag, [i] item indices, '.' between steps. */
int fs_column_name(const dq_keypath *kp, dq_buffer *out, dq_error *err);

/* What the writers had to change, summed over the records. */
typedef struct fs_format_stats {
    size_t records;
    size_t replaced_bytes; /* undecodable bytes in text, written as U+FFFD */
    size_t bad_numbers;    /* DS/IS values that are not numbers, kept as JSON strings */
} fs_format_stats;

/* A CSV/TSV cell: the element's values as UTF-8 (see the README's column
 * rules), appended to out; nothing for NULL or an empty element. */
int fs_cell_text(const dq_element *el, dq_buffer *out, dq_buffer *scratch, fs_format_stats *st,
                 dq_error *err);
/* cell quoted for CSV (RFC 4180: a cell with '"', ',', CR or LF in double
 * quotes, '"' doubled) or escaped for TSV ('\\' '\t' '\n' '\r' as two
 * characters each). */
int fs_csv_cell(dq_buffer *out, const uint8_t *s, size_t n, fs_format fmt, dq_error *err);

/* A record writer: the format, the CSV/TSV columns (not owned) and its own
 * buffers and counts. The --format sink has one; each --batch worker's row
 * sink (findscu_rows.h) has its own, so workers write records in parallel. */
typedef struct fs_records {
    fs_format fmt;
    const fs_columns *columns;
    bool batch; /* records carry their input row: "_row" (see docs/formats.md) */
    fs_format_stats stats;
    dq_buffer cell, scratch;
} fs_records;

void fs_records_init(fs_records *r, fs_format fmt, const fs_columns *columns, bool batch);
void fs_records_free(fs_records *r);
/* The CSV/TSV header line (batch: "_row" first, "_status", "_error" last). */
int fs_records_header(fs_records *r, dq_buffer *out, dq_error *err);
/* One record for ds appended to out and counted: JSON one object (the
 * array's separators are the caller's), NDJSON one object and '\n', XML one
 * <NativeDicomModel> and '\n', CSV/TSV one line. In a batch, row (1-based)
 * is the JSON objects' first member "_row" and the CSV/TSV first cell (XML
 * leaves it to the caller's <Row> element). -1 with *err, out unchanged. */
int fs_records_put(fs_records *r, dq_buffer *out, size_t row, const dq_dataset *ds, dq_error *err);
/* s (n bytes, meant to be UTF-8: a peer's Error Comment may not be)
 * appended as valid UTF-8: a byte that is not becomes U+FFFD and is counted
 * in r->stats. */
int fs_records_text(fs_records *r, dq_buffer *out, const char *s, size_t n, dq_error *err);
/* A CSV/TSV line's end: CRLF (RFC 4180) or LF (TSV). */
int fs_records_eol(fs_format fmt, dq_buffer *out, dq_error *err);

/* The --format sink. The document's start is written at once (so a run that
 * fails before any record still leaves a valid document); columns (CSV/TSV)
 * are taken over (the sink frees them); out stays the caller's. */
fs_sink *fs_sink_format_new(fs_format fmt, fs_out *out, fs_columns *columns, dq_error *err);
/* Ends the document (the JSON array's ']', the XML root's end tag). */
int fs_sink_format_finish(fs_sink *s, dq_error *err);
/* The errno of a failed write of the output (0: none); the query should stop. */
int fs_sink_format_error(const fs_sink *s);
const fs_format_stats *fs_sink_format_stats(const fs_sink *s);

#endif

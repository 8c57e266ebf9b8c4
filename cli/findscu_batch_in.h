/* findscu --batch PATH: the input reader. A CSV (RFC 4180) or TSV file whose
 * header names query keys exactly as -k does (Keyword, (gggg,eeee),
 * Seq[0].Keyword; dq_keypath_parse); every data row is one C-FIND whose
 * identifier is the -k/-f template with the row's cells applied.
 *
 * Cells:
 *  - an empty field (nothing between the separators) keeps the template's
 *    value: `123,` leaves StudyDate as -k/-f made it;
 *  - a field whose raw text is exactly `""` sets the key explicitly empty
 *    (a return key): in CSV the empty quoted field, `123,""`; in TSV the two
 *    characters `""` literally;
 *  - any other field sets the key to its text, as -k PATH=TEXT would (values
 *    are UTF-8; '\' separates values of a multi-valued key).
 * CSV: fields may be quoted ("a,b", "say ""hi""", a line break inside);
 * a '"' inside an unquoted field is literal; text after a closing quote is a
 * bad row. TSV: no quoting; \t \n \r \\ are tab, LF, CR and backslash (what
 * findscu --format tsv writes, so its output can be fed back); any other
 * backslash is literal (A\B stays a two-valued A\B).
 * Lines end with LF or CRLF (a lone CR is data); a UTF-8 byte order mark at
 * the start is skipped; blank lines are skipped (they count as lines, not as
 * rows). The header is the first line.
 *
 * Bad rows do not stop the reader: fs_batch_in_next returns them with
 * row->problem set (the caller reports an error record and goes on):
 *  - more cells than the header has (fewer: the missing ones are empty);
 *  - a cell that is not UTF-8 or holds a NUL byte;
 *  - a row over FS_BATCH_MAX_ROW bytes: the rest of it is read without being
 *    kept, up to its line end outside quotes, and the next row is read from
 *    there, so a hostile file cannot make the reader allocate without bound;
 *  - a CSV quoted field not closed at the end of the input (the row is
 *    reported as a problem, then the input ends: not -1, so the rows before
 *    it and the report of this one both reach the output).
 * Input is read in FS_BATCH_CHUNK-byte reads, never whole. */
#ifndef FINDSCU_BATCH_IN_H
#define FINDSCU_BATCH_IN_H

#include <stddef.h>

#include <dq/buffer.h>
#include <dq/dataset.h>
#include <dq/error.h>

/* Bytes per read(2). */
#define FS_BATCH_CHUNK 65536
/* The longest row kept: its cell text after unquoting/unescaping. */
#define FS_BATCH_MAX_ROW (1024 * 1024)
/* Columns in a header: each holds a parsed key path (about 1 KiB). */
#define FS_BATCH_MAX_COLUMNS 4096

typedef enum fs_batch_format { FS_BATCH_AUTO, FS_BATCH_CSV, FS_BATCH_TSV } fs_batch_format;
typedef struct fs_batch_in fs_batch_in;

/* Opens path ("-": stdin) and reads the header line. AUTO: TSV when the
 * header line holds a tab (looked for in the first FS_BATCH_CHUNK bytes),
 * else CSV. Every header cell must parse as a key path (dq_keypath_parse),
 * not be empty and not name the same key as another column ("PatientID" and
 * "(0010,0020)" are the same key). An empty file, an unreadable file or a
 * bad header: -1 with *err naming the file, the column number, the header
 * text and the reason (DQ_ERR_IO with sys_errno for I/O, DQ_ERR_ARGUMENT for
 * content). */
int fs_batch_in_open(fs_batch_in **in, const char *path, fs_batch_format fmt, dq_error *err);
/* The same over bytes in memory (not copied: they must outlive the reader);
 * name is used in messages. */
int fs_batch_in_open_mem(fs_batch_in **in, const void *data, size_t len, const char *name,
                         fs_batch_format fmt, dq_error *err);
size_t fs_batch_in_columns(const fs_batch_in *in);
/* The header text of column i (0-based), NULL past the end. */
const char *fs_batch_in_column_name(const fs_batch_in *in, size_t i);
/* FS_BATCH_CSV or FS_BATCH_TSV, after detection. */
fs_batch_format fs_batch_in_format(const fs_batch_in *in);
/* NULL is fine. Closes the file unless it is stdin. */
void fs_batch_in_close(fs_batch_in *in);

/* One cell of a row (private to findscu_batch_in.c). */
typedef enum fs_batch_cell_kind {
    FS_BATCH_CELL_KEEP,  /* empty field: the template's value stays */
    FS_BATCH_CELL_EMPTY, /* `""`: the key set empty */
    FS_BATCH_CELL_VALUE, /* the key set to the text */
} fs_batch_cell_kind;
typedef struct fs_batch_cell {
    size_t arg;   /* offset in text of "PATH=VALUE\0", as dq_dataset_set_key takes it */
    size_t value; /* offset of VALUE */
    size_t len;   /* VALUE's length */
    fs_batch_cell_kind kind;
} fs_batch_cell;

typedef struct fs_batch_row {
    size_t number;     /* data row number, 1-based (the header is not counted): findscu's _row */
    size_t line;       /* physical line where the row starts, for messages */
    char problem[512]; /* "" or why the row cannot be used, naming row and column */
    /* Private: the cells, reused from row to row (grown, never shrunk). */
    dq_buffer text;      /* every kept cell's "PATH=VALUE\0" */
    fs_batch_cell *cell; /* the kept cells (at most one per header column) */
    size_t ncells;       /* cells the row had, kept or not */
    size_t cell_cap;
    size_t size; /* bytes of cell text read for this row */
} fs_batch_row;

void fs_batch_row_init(fs_batch_row *r);
void fs_batch_row_free(fs_batch_row *r);

/* Reads the next data row into *row (its buffers reused). 1: a row
 * (row->problem may be set: a bad row the caller reports and skips), 0: end
 * of input, -1: the input cannot be read further (I/O error) with *err.
 * Not thread-safe (the caller holds a lock). */
int fs_batch_in_next(fs_batch_in *in, fs_batch_row *row, dq_error *err);

/* Applies row's cells to ds (a copy of the template, dq_dataset_copy): a
 * value -> the key set to it (as -k PATH=VALUE), `""` -> the key set empty,
 * an empty cell -> untouched. Reads only the header of `in`: several threads
 * may apply different rows at once. -1 with *err (DQ_ERR_ARGUMENT) naming
 * the row and column: a row with a problem, a value dq_dataset_set_key
 * refuses (a value for a sequence or item column, a number that does not fit
 * its VR, bad hex, ...), a text value longer than its VR allows (PS3.5
 * Table 6.2-1, dq_vr_info.max_length, in characters or bytes as the table
 * says; per value of a multi-valued key, per component group of a PN, per
 * side of a DA/DT/TM range, PS3.4 C.2.2.2.5.1). On -1, ds may hold the cells
 * before the bad one: discard it. */
int fs_batch_row_apply(const fs_batch_in *in, const fs_batch_row *row, dq_dataset *ds,
                       dq_error *err);

#endif

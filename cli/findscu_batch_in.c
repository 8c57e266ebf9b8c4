/* findscu --batch: the CSV/TSV input reader (findscu_batch_in.h says what it
 * accepts). Bytes come one at a time from a fixed chunk (or the caller's
 * memory); cells go into the row's one growing buffer, already written as
 * the "PATH=VALUE" argument dq_dataset_set_key takes, so applying a row
 * allocates nothing of its own. */
#include "findscu_batch_in.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dq/dict.h>

/* get()'s outcomes besides a byte. */
#define END (-1)    /* end of input */
#define FAILED (-2) /* read error, in in->read_err */

struct fs_batch_in {
    int fd; /* -1: bytes in memory */
    bool own_fd;
    const uint8_t *buf; /* the chunk, or the caller's memory */
    uint8_t *chunk;
    size_t pos, len;
    bool eof, failed;
    dq_error read_err;
    size_t line; /* physical line of the next byte, 1-based */
    size_t rows; /* data rows returned */
    fs_batch_format fmt;
    char *name;
    size_t ncols;
    dq_buffer names;  /* the header texts, NUL-terminated */
    size_t *name_off; /* column -> offset in names */
    dq_keypath *path; /* column -> its parsed key path */
};

/* ---- bytes in ----------------------------------------------------------------------- */

static void read_failed(fs_batch_in *in, int e)
{
    in->failed = true;
    dq_error_set(&in->read_err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "%s: line %zu: %s",
                 in->name, in->line, strerror(e));
    in->read_err.sys_errno = e;
}

/* Reads into the chunk after its first `keep` bytes; 0, END or FAILED. */
static int read_more(fs_batch_in *in, size_t keep)
{
    if (in->failed)
        return FAILED;
    if (in->eof || in->fd < 0) {
        in->eof = true;
        return END;
    }
    for (;;) {
        ssize_t n = read(in->fd, in->chunk + keep, FS_BATCH_CHUNK - keep);
        if (n > 0) {
            in->len = keep + (size_t)n;
            return 0;
        }
        if (n == 0) {
            in->eof = true;
            return END;
        }
        if (errno != EINTR) {
            read_failed(in, errno);
            return FAILED;
        }
    }
}

/* The next byte, END or FAILED; lines are counted here. */
static inline int get(fs_batch_in *in)
{
    if (in->pos == in->len) {
        int rc = read_more(in, 0);
        if (rc)
            return rc;
        in->pos = 0;
    }
    uint8_t c = in->buf[in->pos++];
    in->line += c == '\n';
    return c;
}

/* Puts back the byte get() just returned (it is still in the buffer). */
static inline void unget(fs_batch_in *in, int c)
{
    in->pos--;
    in->line -= c == '\n';
}

/* LF, or CR followed by LF (consumed); a lone CR is data. */
static inline bool line_end(fs_batch_in *in, int c)
{
    if (c == '\n')
        return true;
    if (c != '\r')
        return false;
    int d = get(in);
    if (d == '\n')
        return true;
    if (d >= 0)
        unget(in, d);
    return false;
}

/* ---- a record: cells into the row --------------------------------------------------- */

typedef struct rec {
    fs_batch_in *in;
    fs_batch_row *row;
    size_t limit;      /* cells kept: the header's columns (the header: one more than allowed) */
    bool header;       /* the header line: messages say so, cells have no "PATH=" */
    bool keep;         /* the current cell is kept */
    bool skipping;     /* over FS_BATCH_MAX_ROW (or out of memory): nothing more is kept */
    size_t quote_line; /* where the current quoted field opened */
} rec;

/* Records the row's first problem; col 1-based, 0 for the whole row. */
static void problem(rec *r, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(rec *r, size_t col, const char *fmt, ...)
{
    fs_batch_row *row = r->row;
    if (row->problem[0])
        return;
    char why[256], where[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    const char *name = col && col <= r->in->ncols ? fs_batch_in_column_name(r->in, col - 1) : NULL;
    if (r->header && col)
        snprintf(where, sizeof where, "column %zu", col);
    else if (r->header)
        snprintf(where, sizeof where, "line %zu", row->line);
    else if (name)
        snprintf(where, sizeof where, "row %zu, column %zu (%.64s)", r->in->rows + 1, col, name);
    else if (col)
        snprintf(where, sizeof where, "row %zu, column %zu", r->in->rows + 1, col);
    else
        snprintf(where, sizeof where, "row %zu", r->in->rows + 1);
    snprintf(row->problem, sizeof row->problem, "%s: %s", where, why);
}

static void out_of_memory(rec *r)
{
    r->skipping = true;
    r->keep = false;
    problem(r, 0, "out of memory");
}

/* One byte of cell text (counted against the cap even when not kept). */
static inline void put(rec *r, int c)
{
    fs_batch_row *row = r->row;
    if (++row->size > FS_BATCH_MAX_ROW && !r->skipping) {
        r->skipping = true;
        r->keep = false;
        problem(r, 0, "longer than %d bytes", FS_BATCH_MAX_ROW);
    }
    if (!r->keep)
        return;
    dq_buffer *b = &row->text;
    if (b->len == b->cap && dq_buffer_reserve(b, 1, NULL))
        return out_of_memory(r);
    b->data[b->len++] = (uint8_t)c;
}

static void cell_begin(rec *r)
{
    fs_batch_row *row = r->row;
    r->keep = !r->skipping && row->ncells < r->limit;
    if (!r->keep)
        return;
    if (row->ncells == row->cell_cap) {
        size_t cap = row->cell_cap ? 2 * row->cell_cap : 16;
        fs_batch_cell *c = realloc(row->cell, cap * sizeof *c);
        if (!c)
            return out_of_memory(r);
        row->cell = c;
        row->cell_cap = cap;
    }
    fs_batch_cell *c = &row->cell[row->ncells];
    c->arg = row->text.len;
    if (!r->header) {
        const char *name = fs_batch_in_column_name(r->in, row->ncells);
        if (dq_buffer_append(&row->text, name, strlen(name), NULL) ||
            dq_buffer_append(&row->text, "=", 1, NULL))
            return out_of_memory(r);
    }
    c->value = row->text.len;
}

/* Length of a valid UTF-8 sequence at s (RFC 3629: no overlongs, surrogates
 * or code points above U+10FFFF), 0 when invalid. */
static size_t utf8_len(const uint8_t *s, size_t left)
{
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n;
    uint32_t c;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2, c = s[0] & 0x1Fu;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3, c = s[0] & 0x0Fu;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4, c = s[0] & 0x07u;
    else
        return 0;
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3Fu);
    }
    return c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) ? 0 : n;
}

/* Values go into C strings and on to the peer as text: a NUL would cut the
 * value short, invalid UTF-8 cannot be converted to the character set. */
static void check_text(rec *r, size_t col, const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = s[i] ? utf8_len(s + i, n - i) : 0;
        if (!k) {
            problem(r, col, s[i] ? "invalid UTF-8 at byte %zu" : "a NUL byte at byte %zu", i + 1);
            return;
        }
        i += k;
    }
}

/* quoted: CSV's field was quoted (`""` is then the explicit empty). */
static void cell_end(rec *r, bool quoted)
{
    fs_batch_row *row = r->row;
    size_t col = ++row->ncells;
    if (!r->keep)
        return;
    fs_batch_cell *c = &row->cell[col - 1];
    c->len = row->text.len - c->value;
    /* Room for the NUL first: an empty first cell has no buffer yet. */
    if (dq_buffer_reserve(&row->text, 1, NULL))
        return out_of_memory(r);
    const uint8_t *v = row->text.data + c->value;
    /* TSV has no quoting: the two characters stand for the empty value. */
    if (r->in->fmt == FS_BATCH_TSV && c->len == 2 && v[0] == '"' && v[1] == '"') {
        quoted = true;
        c->len = 0;
        row->text.len = c->value;
    }
    c->kind = c->len ? FS_BATCH_CELL_VALUE : quoted ? FS_BATCH_CELL_EMPTY : FS_BATCH_CELL_KEEP;
    check_text(r, col, v, c->len);
    row->text.data[row->text.len++] = 0;
}

/* A quoted CSV field after its opening quote ("" is a quote); returns the
 * byte after the closing quote, END or FAILED. */
static int csv_quoted(rec *r)
{
    for (;;) {
        int c = get(r->in);
        if (c == END)
            problem(r, r->row->ncells + 1,
                    "the quoted field opened on line %zu is not closed at the end of the input",
                    r->quote_line);
        if (c < 0)
            return c;
        if (c == '"') {
            c = get(r->in);
            if (c != '"')
                return c;
        }
        put(r, c);
    }
}

/* A CSV cell whose first byte is c (RFC 4180); *quoted: it was quoted.
 * Returns the byte that ended it: ',', a line end, END or FAILED. */
static int csv_cell(rec *r, int c, bool *quoted)
{
    fs_batch_in *in = r->in;
    *quoted = c == '"';
    if (*quoted) {
        r->quote_line = in->line;
        c = csv_quoted(r);
    }
    while (c >= 0 && c != ',' && !line_end(in, c)) {
        if (*quoted)
            problem(r, r->row->ncells + 1, "text after the closing quote");
        else
            put(r, c);
        c = get(in);
    }
    return c;
}

/* A backslash in a TSV cell: \t \n \r \\ as findscu's TSV output writes
 * them; any other backslash is itself. Returns the next byte to read. */
static int tsv_escape(rec *r)
{
    int d = get(r->in);
    int e = d == 't' ? '\t' : d == 'n' ? '\n' : d == 'r' ? '\r' : d == '\\' ? '\\' : 0;
    if (!e) {
        put(r, '\\');
        return d;
    }
    put(r, e);
    return get(r->in);
}

/* A TSV cell whose first byte is c; returns the byte that ended it. */
static int tsv_cell(rec *r, int c)
{
    while (c >= 0 && c != '\t' && !line_end(r->in, c)) {
        if (c == '\\') {
            c = tsv_escape(r);
        } else {
            put(r, c);
            c = get(r->in);
        }
    }
    return c;
}

/* The rest of a record whose first byte is c: cells up to the line end. */
static void parse_cells(rec *r, int c)
{
    bool csv = r->in->fmt == FS_BATCH_CSV;
    for (;;) {
        bool quoted = false;
        cell_begin(r);
        c = csv ? csv_cell(r, c, &quoted) : tsv_cell(r, c);
        cell_end(r, quoted);
        if (c != (csv ? ',' : '\t'))
            return;
        c = get(r->in);
    }
}

/* A record whose first byte is c; -1 when the input failed under it. */
static int parse_record(rec *r, int c)
{
    parse_cells(r, c);
    return r->in->failed ? -1 : 0;
}

static void row_reset(fs_batch_row *row, size_t line)
{
    row->number = 0;
    row->line = line;
    row->problem[0] = 0;
    row->ncells = 0;
    row->size = 0;
    dq_buffer_reset(&row->text);
}

/* The next non-blank record into row: 1, 0 at the end of input, FAILED. */
static int read_record(rec *r)
{
    fs_batch_in *in = r->in;
    for (;;) {
        row_reset(r->row, in->line);
        int c = get(in);
        if (c < 0)
            return c == END ? 0 : FAILED;
        if (line_end(in, c))
            continue;
        return parse_record(r, c) ? FAILED : 1;
    }
}

/* ---- rows --------------------------------------------------------------------------- */

void fs_batch_row_init(fs_batch_row *r)
{
    memset(r, 0, sizeof *r);
    dq_buffer_init(&r->text);
}

void fs_batch_row_free(fs_batch_row *r)
{
    if (!r)
        return;
    dq_buffer_free(&r->text);
    free(r->cell);
    fs_batch_row_init(r);
}

static int fail_read(fs_batch_in *in, dq_error *err)
{
    if (err)
        *err = in->read_err;
    return -1;
}

int fs_batch_in_next(fs_batch_in *in, fs_batch_row *row, dq_error *err)
{
    rec r = {.in = in, .row = row, .limit = in->ncols};
    int rc = read_record(&r);
    if (rc == FAILED)
        return fail_read(in, err);
    if (rc == 0)
        return 0;
    if (row->ncells > in->ncols)
        problem(&r, 0, "%zu cells, the header has %zu", row->ncells, in->ncols);
    row->number = ++in->rows;
    return 1;
}

/* ---- the header --------------------------------------------------------------------- */

/* Column i of the header row: a key path, not empty, not a repeat. */
static int add_column(fs_batch_in *in, const fs_batch_row *row, size_t i, dq_error *err)
{
    const fs_batch_cell *c = &row->cell[i];
    const char *text = (const char *)row->text.data + c->value;
    dq_error e;
    if (c->kind != FS_BATCH_CELL_VALUE)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "%s: header column %zu is empty", in->name, i + 1);
    /* "(gggg,eeee)" holds a comma: in CSV an unquoted one is split in two. */
    bool split = in->fmt == FS_BATCH_CSV && text[0] == '(' && !strchr(text, ')');
    if (dq_keypath_parse(text, &in->path[i], &e))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "%s: header column %zu (%.64s): %s%s", in->name, i + 1, text, e.message,
                       split ? " (in CSV a (gggg,eeee) column name is quoted: \"(gggg,eeee)\")"
                             : "");
    for (size_t k = 0; k < i; k++)
        if (dq_keypath_equal(&in->path[k], &in->path[i]))
            return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                           "%s: header column %zu (%.64s) names the same key as column %zu (%.64s)",
                           in->name, i + 1, text, k + 1, fs_batch_in_column_name(in, k));
    in->name_off[i] = in->names.len;
    if (dq_buffer_append(&in->names, text, c->len + 1, err))
        return -1;
    in->ncols = i + 1;
    return 0;
}

static int header_columns(fs_batch_in *in, const fs_batch_row *row, dq_error *err)
{
    size_t n = row->ncells;
    if (n > FS_BATCH_MAX_COLUMNS)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "%s: the header has more than %d columns", in->name, FS_BATCH_MAX_COLUMNS);
    in->name_off = calloc(n, sizeof *in->name_off);
    in->path = calloc(n, sizeof *in->path);
    if (!in->name_off || !in->path)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (add_column(in, row, i, err))
            return -1;
    return 0;
}

/* The first line: the header. */
static int read_header(fs_batch_in *in, dq_error *err)
{
    fs_batch_row row;
    fs_batch_row_init(&row);
    rec r = {.in = in, .row = &row, .limit = FS_BATCH_MAX_COLUMNS + 1, .header = true};
    int c = get(in), rc = 0;
    if (c == FAILED)
        rc = fail_read(in, err);
    else if (c == END)
        rc = dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                     "%s: empty file (no header line)", in->name);
    else if (line_end(in, c))
        rc = dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                     "%s: the header line is empty", in->name);
    else if (parse_record(&r, c))
        rc = fail_read(in, err);
    else if (row.problem[0])
        rc = dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "%s: header %s",
                     in->name, row.problem);
    else
        rc = header_columns(in, &row, err);
    fs_batch_row_free(&row);
    return rc;
}

/* Fills the chunk up to the first line end (or its size) so the format can
 * be told from the header line before parsing starts. */
static int fill_first_line(fs_batch_in *in, dq_error *err)
{
    if (in->fd < 0)
        return 0;
    while (in->len < FS_BATCH_CHUNK && !memchr(in->chunk, '\n', in->len)) {
        int rc = read_more(in, in->len);
        if (rc == FAILED)
            return fail_read(in, err);
        if (rc == END)
            break;
    }
    return 0;
}

static int start(fs_batch_in *in, fs_batch_format fmt, dq_error *err)
{
    if (fill_first_line(in, err))
        return -1;
    /* The UTF-8 encoding form of U+FEFF: some editors start every file with it. */
    static const uint8_t bom[] = {0xEF, 0xBB, 0xBF};
    if (in->len >= sizeof bom && memcmp(in->buf, bom, sizeof bom) == 0)
        in->pos = sizeof bom;
    if (fmt == FS_BATCH_AUTO) {
        const uint8_t *p = in->buf + in->pos, *nl = memchr(p, '\n', in->len - in->pos);
        size_t n = nl ? (size_t)(nl - p) : in->len - in->pos;
        fmt = memchr(p, '\t', n) ? FS_BATCH_TSV : FS_BATCH_CSV;
    }
    in->fmt = fmt;
    return read_header(in, err);
}

static fs_batch_in *reader_new(const char *name, dq_error *err)
{
    fs_batch_in *in = calloc(1, sizeof *in);
    if (in && !(in->name = strdup(name))) {
        free(in);
        in = NULL;
    }
    if (!in) {
        dq_error_set(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
        return NULL;
    }
    in->fd = -1;
    in->line = 1;
    dq_buffer_init(&in->names);
    return in;
}

int fs_batch_in_open_mem(fs_batch_in **out, const void *data, size_t len, const char *name,
                         fs_batch_format fmt, dq_error *err)
{
    *out = NULL;
    fs_batch_in *in = reader_new(name ? name : "(memory)", err);
    if (!in)
        return -1;
    in->buf = data;
    in->len = data ? len : 0;
    if (start(in, fmt, err)) {
        fs_batch_in_close(in);
        return -1;
    }
    *out = in;
    return 0;
}

int fs_batch_in_open(fs_batch_in **out, const char *path, fs_batch_format fmt, dq_error *err)
{
    *out = NULL;
    bool std_in = strcmp(path, "-") == 0;
    fs_batch_in *in = reader_new(std_in ? "(stdin)" : path, err);
    if (!in)
        return -1;
    in->chunk = malloc(FS_BATCH_CHUNK);
    in->buf = in->chunk;
    in->fd = std_in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    in->own_fd = !std_in && in->fd >= 0;
    int rc;
    if (!in->chunk)
        rc = dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    else if (in->fd < 0) {
        int e = errno;
        rc = dq_fail(err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "%s: %s", path,
                     strerror(e));
        if (err)
            err->sys_errno = e;
    } else {
        rc = start(in, fmt, err);
    }
    if (rc) {
        fs_batch_in_close(in);
        return -1;
    }
    *out = in;
    return 0;
}

void fs_batch_in_close(fs_batch_in *in)
{
    if (!in)
        return;
    if (in->own_fd)
        close(in->fd);
    free(in->chunk);
    free(in->name);
    dq_buffer_free(&in->names);
    free(in->name_off);
    free(in->path);
    free(in);
}

size_t fs_batch_in_columns(const fs_batch_in *in)
{
    return in->ncols;
}

const char *fs_batch_in_column_name(const fs_batch_in *in, size_t i)
{
    return i < in->ncols ? (const char *)in->names.data + in->name_off[i] : NULL;
}

fs_batch_format fs_batch_in_format(const fs_batch_in *in)
{
    return in->fmt;
}

/* ---- applying a row ----------------------------------------------------------------- */

/* Characters (UTF-8) or bytes, as the VR table counts the length. */
static size_t value_length(const char *s, size_t n, bool chars)
{
    if (!chars)
        return n;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((uint8_t)s[i] & 0xC0) != 0x80;
    return k;
}

/* A text value against its VR's maximum length (PS3.5 Table 6.2-1), which
 * holds for each value of a multi-valued element, each component group of
 * a PN, and each side of a DA/DT/TM range (PS3.4 C.2.2.2.5.1: a query may
 * hold "from-to"). */
static int check_length(const dq_element *el, const char *v, size_t n, dq_error *err)
{
    dq_vr vr = dq_element_vr(el);
    const dq_vr_info *vi = dq_vr_info_get(vr);
    if (!vi || vi->vr_class != DQ_VR_CLASS_TEXT || !vi->max_length)
        return 0;
    char seps[4] = "", *s = seps;
    if (!vi->single_valued)
        *s++ = '\\';
    if (vr == DQ_VR_PN)
        *s++ = '=';
    if (vr == DQ_VR_DA || vr == DQ_VR_DT || vr == DQ_VR_TM)
        *s++ = '-';
    for (size_t i = 0; i <= n;) {
        size_t k = 0;
        while (i + k < n && !(v[i + k] && strchr(seps, v[i + k])))
            k++;
        size_t len = value_length(v + i, k, vi->max_in_chars);
        if (len > vi->max_length)
            return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, dq_element_tag(el),
                           "'%.32s%s' is %zu %s long, %s allows %lu (PS3.5 Table 6.2-1)", v + i,
                           k > 32 ? "..." : "", len, vi->max_in_chars ? "characters" : "bytes",
                           vi->code, (unsigned long)vi->max_length);
        i += k + 1;
    }
    return 0;
}

static int cell_failed(const fs_batch_in *in, const fs_batch_row *row, size_t i, const dq_error *e,
                       dq_error *err)
{
    return dq_fail(err, e->kind == DQ_ERR_NOMEM ? DQ_ERR_NOMEM : DQ_ERR_ARGUMENT,
                   DQ_ERROR_NO_OFFSET, e->tag, "row %zu, column %zu (%.64s): %s", row->number,
                   i + 1, fs_batch_in_column_name(in, i), e->message);
}

int fs_batch_row_apply(const fs_batch_in *in, const fs_batch_row *row, dq_dataset *ds,
                       dq_error *err)
{
    if (row->problem[0])
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "%s",
                       row->problem);
    size_t n = row->ncells < in->ncols ? row->ncells : in->ncols;
    for (size_t i = 0; i < n; i++) {
        const fs_batch_cell *c = &row->cell[i];
        if (c->kind == FS_BATCH_CELL_KEEP)
            continue;
        const char *text = (const char *)row->text.data;
        dq_error e;
        if (dq_dataset_set_key(ds, text + c->arg, &e))
            return cell_failed(in, row, i, &e, err);
        const dq_element *el = dq_keypath_find(ds, &in->path[i]);
        if (el && check_length(el, text + c->value, c->len, &e))
            return cell_failed(in, row, i, &e, err);
    }
    return 0;
}

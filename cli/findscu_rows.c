/* findscu --batch: rows of records in one document (findscu_rows.h). */
#include "findscu_rows.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dq/json.h>

#define FAIL_ARG(err, ...) \
    dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, __VA_ARGS__)
#define NOMEM(err) dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory")

/* ---- a growable bit set of row numbers (a batch may have millions) --------- */

typedef struct fs_bits {
    uint64_t *w;
    size_t n; /* words */
} fs_bits;

static bool bits_get(const fs_bits *b, size_t i)
{
    return i / 64 < b->n && (b->w[i / 64] >> (i % 64) & 1);
}

/* Sets bit i; true when it was clear. -1 with *err when the set cannot grow. */
static int bits_set(fs_bits *b, size_t i, bool *was_clear, dq_error *err)
{
    if (i / 64 >= b->n) {
        size_t n = b->n ? b->n : 64;
        while (n <= i / 64)
            n *= 2;
        uint64_t *w = realloc(b->w, n * sizeof *w);
        if (!w)
            return NOMEM(err);
        memset(w + b->n, 0, (n - b->n) * sizeof *w);
        b->w = w;
        b->n = n;
    }
    *was_clear = !bits_get(b, i);
    b->w[i / 64] |= (uint64_t)1 << (i % 64);
    return 0;
}

static void bits_clear(fs_bits *b, size_t i)
{
    if (i / 64 < b->n)
        b->w[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* ---- the document ----------------------------------------------------------- */

/* --ordered: a committed block waiting for its turn (row 0: free). */
typedef struct fs_slot {
    size_t row;
    dq_buffer block;
    fs_format_stats st;
} fs_slot;

struct fs_rows {
    fs_format fmt;
    bool count, ordered;
    size_t window;
    fs_columns columns;
    fs_out *out;
    pthread_mutex_t mu; /* everything below, and the writes to out */
    pthread_cond_t turn;
    bool stopped;
    bool any;    /* a block was written: JSON's next one follows ",\n" */
    size_t next; /* --ordered: the first row not yet written or passed */
    fs_slot *slots;
    fs_bits done, skipped;
    size_t resumed;
    fs_format_stats stats;
};

static bool is_csv(fs_format f)
{
    return f == FS_FORMAT_CSV || f == FS_FORMAT_TSV;
}

/* The CSV/TSV header this run writes (and a resumed file must have). */
static int header_text(fs_rows *r, dq_buffer *out, dq_error *err)
{
    if (r->count) {
        const char *h = r->fmt == FS_FORMAT_TSV ? "_row\t_count\t_status\t_error"
                                                : "_row,_count,_status,_error";
        return dq_buffer_append(out, h, strlen(h), err) || fs_records_eol(r->fmt, out, err) ? -1
                                                                                            : 0;
    }
    fs_records rec;
    fs_records_init(&rec, r->fmt, &r->columns, true);
    int rc = fs_records_header(&rec, out, err);
    fs_records_free(&rec);
    return rc;
}

static void stats_add(fs_format_stats *to, const fs_format_stats *st)
{
    to->records += st->records;
    to->replaced_bytes += st->replaced_bytes;
    to->bad_numbers += st->bad_numbers;
}

/* One row's block to the output (locked). The block is whole or absent:
 * memory for it is reserved before anything is appended. */
static void write_block(fs_rows *r, const dq_buffer *block, const fs_format_stats *st)
{
    if (!block->len || fs_out_error(r->out))
        return;
    dq_buffer *out = fs_out_buffer(r->out);
    bool sep = r->fmt == FS_FORMAT_JSON;
    const char *s = r->any ? ",\n" : "\n";
    if (dq_buffer_reserve(out, block->len + 2, NULL))
        return; /* out of memory: the row is a gap, as if it had not run */
    if (sep)
        dq_buffer_append(out, s, strlen(s), NULL);
    dq_buffer_append(out, block->data, block->len, NULL);
    r->any = true;
    stats_add(&r->stats, st);
    fs_out_record_done(r->out, true);
}

/* --ordered (locked): writes the waiting blocks that are next in order and
 * passes over the rows that will have none, then wakes the waiters. */
static void advance(fs_rows *r)
{
    size_t start = r->next;
    for (;;) {
        fs_slot *s = &r->slots[r->next % r->window];
        if (s->row == r->next) {
            write_block(r, &s->block, &s->st);
            dq_buffer_reset(&s->block);
            s->row = 0;
        } else if (!bits_get(&r->done, r->next) && !bits_get(&r->skipped, r->next)) {
            break;
        }
        r->next++;
    }
    if (r->next != start)
        pthread_cond_broadcast(&r->turn);
}

/* --ordered (locked): row is past the window, it waits for earlier rows. */
static bool beyond_window(const fs_rows *r, size_t row)
{
    return row >= r->next + r->window;
}

/* A finished row's block: written now, or with --ordered kept in its slot
 * (the buffers are swapped, so nothing is copied and the worker gets the
 * slot's empty one) until its turn. */
static void commit_block(fs_rows *r, size_t row, dq_buffer *block, const fs_format_stats *st)
{
    pthread_mutex_lock(&r->mu);
    if (!r->ordered) {
        write_block(r, block, st);
    } else {
        /* A worker that did not wait its turn waits here. */
        while (!r->stopped && beyond_window(r, row))
            pthread_cond_wait(&r->turn, &r->mu);
        if (row >= r->next && !beyond_window(r, row)) {
            fs_slot *s = &r->slots[row % r->window];
            dq_buffer t = s->block;
            s->block = *block;
            *block = t;
            s->row = row;
            s->st = *st;
            advance(r);
        }
    }
    pthread_mutex_unlock(&r->mu);
}

bool fs_rows_wait_turn(fs_rows *r, size_t row)
{
    pthread_mutex_lock(&r->mu);
    while (r->ordered && !r->stopped && beyond_window(r, row))
        pthread_cond_wait(&r->turn, &r->mu);
    bool go = !r->stopped;
    pthread_mutex_unlock(&r->mu);
    return go;
}

bool fs_rows_may_start(fs_rows *r, size_t row)
{
    if (!r->ordered) /* set once, at the open */
        return true;
    pthread_mutex_lock(&r->mu);
    bool go = r->stopped || !beyond_window(r, row);
    pthread_mutex_unlock(&r->mu);
    return go;
}

void fs_rows_skip(fs_rows *r, size_t row)
{
    if (!r->ordered)
        return;
    pthread_mutex_lock(&r->mu);
    bool was_clear;
    /* Out of memory: the row stays a gap (as after a stop). */
    if (!r->stopped && row >= r->next && bits_set(&r->skipped, row, &was_clear, NULL) == 0)
        advance(r);
    pthread_mutex_unlock(&r->mu);
}

void fs_rows_stop(fs_rows *r)
{
    pthread_mutex_lock(&r->mu);
    r->stopped = true;
    pthread_cond_broadcast(&r->turn);
    pthread_mutex_unlock(&r->mu);
}

bool fs_rows_done(const fs_rows *r, size_t row)
{
    return bits_get(&r->done, row);
}

size_t fs_rows_resumed(const fs_rows *r)
{
    return r->resumed;
}

int fs_rows_error(const fs_rows *r)
{
    fs_rows *m = (fs_rows *)r; /* the lock, not the document, changes */
    pthread_mutex_lock(&m->mu);
    int e = fs_out_error(m->out);
    pthread_mutex_unlock(&m->mu);
    return e;
}

const fs_format_stats *fs_rows_stats(const fs_rows *r)
{
    return &r->stats;
}

void fs_rows_set_interrupted(fs_rows *r, bool (*interrupted)(void))
{
    fs_out_set_interrupted(r->out, interrupted);
}

static void rows_free(fs_rows *r)
{
    for (size_t i = 0; r->slots && i < r->window; i++)
        dq_buffer_free(&r->slots[i].block);
    free(r->slots);
    free(r->done.w);
    free(r->skipped.w);
    fs_columns_free(&r->columns);
    pthread_cond_destroy(&r->turn);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

int fs_rows_close(fs_rows *r, bool keep, dq_error *err)
{
    if (!r)
        return 0;
    /* With --ordered the blocks still waiting are after a gap: dropped. */
    dq_buffer *out = fs_out_buffer(r->out);
    const char *end = r->fmt == FS_FORMAT_JSON  ? (r->any ? "\n]\n" : "]\n")
                      : r->fmt == FS_FORMAT_XML ? "</" DQ_XML_WRAPPER ">\n"
                                                : "";
    int rc = 0;
    if (*end && !fs_out_error(r->out) && dq_buffer_append(out, end, strlen(end), err))
        rc = -1;
    fs_out_record_done(r->out, true);
    if (fs_out_close(r->out, keep && rc == 0, rc ? NULL : err))
        rc = -1;
    rows_free(r);
    return rc;
}

/* ---- --resume: the rows already in the file --------------------------------- */

/* The file is read once, in chunks, by a byte-at-a-time state machine: a
 * record (an NDJSON line, a CSV/TSV line where CSV's quoted cells may hold
 * line breaks, RFC 4180 2.6) starts with its row number, which the writer
 * puts first. */
typedef enum scan_state { SCAN_HEADER, SCAN_PREFIX, SCAN_NUMBER, SCAN_REST } scan_state;

typedef struct fs_scan {
    fs_rows *r;
    const char *path;
    scan_state state;
    dq_buffer head; /* CSV/TSV: the file's first line, as read so far */
    const char *prefix;
    size_t pos, num, record;
    bool bad, have_row, quoted;
    uint64_t off, rec_start, good_end, last_start;
    size_t last_row;
} fs_scan;

static int scan_fail(fs_scan *sc, dq_error *err)
{
    return FAIL_ARG(err,
                    "Cannot resume '%s': record %zu (byte %llu) does not start with its row "
                    "number (_row): not a --batch output of this format",
                    sc->path, sc->record, (unsigned long long)sc->rec_start);
}

/* A record ended at sc->off (its line feed). */
static int scan_record_end(fs_scan *sc, dq_error *err)
{
    if (sc->bad || !sc->have_row || sc->num == 0)
        return scan_fail(sc, err);
    /* The file is input: its numbers size the done set. */
    if (sc->num > FS_ROWS_MAX)
        return dq_fail(err, DQ_ERR_LIMIT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "Cannot resume '%s': record %zu has row number %zu, above %d", sc->path,
                       sc->record, sc->num, FS_ROWS_MAX);
    bool was_clear;
    if (bits_set(&sc->r->done, sc->num, &was_clear, err))
        return -1;
    sc->r->resumed += was_clear;
    /* A row's records are one block: a new number starts the last block. */
    if (sc->num != sc->last_row) {
        sc->last_row = sc->num;
        sc->last_start = sc->rec_start;
    }
    sc->good_end = sc->rec_start = sc->off + 1;
    sc->record++;
    sc->state = *sc->prefix ? SCAN_PREFIX : SCAN_NUMBER;
    sc->pos = sc->num = 0;
    sc->bad = sc->have_row = sc->quoted = false;
    return 0;
}

/* The first row number's digits, then its end (',' '}' or the cell separator). */
static void scan_number(fs_scan *sc, uint8_t c)
{
    if (c >= '0' && c <= '9' && sc->num <= (SIZE_MAX - 9) / 10) {
        sc->num = sc->num * 10 + (size_t)(c - '0');
        sc->pos++;
        return;
    }
    char end = sc->r->fmt == FS_FORMAT_TSV ? '\t' : ',';
    sc->have_row = sc->pos > 0 && (c == end || (sc->r->fmt == FS_FORMAT_NDJSON && c == '}'));
    sc->bad = !sc->have_row;
    sc->state = SCAN_REST;
}

static int scan_byte(fs_scan *sc, uint8_t c, const dq_buffer *header, dq_error *err)
{
    switch (sc->state) {
    case SCAN_HEADER:
        if (dq_buffer_append(&sc->head, &c, 1, err))
            return -1;
        if (c == '\n' || sc->head.len > header->len) {
            if (sc->head.len != header->len || memcmp(sc->head.data, header->data, header->len))
                return -2; /* the caller names both headers */
            sc->good_end = sc->rec_start = sc->off + 1;
            sc->state = SCAN_NUMBER;
        }
        return 0;
    case SCAN_PREFIX:
        if (c == (uint8_t)sc->prefix[sc->pos]) {
            if (!sc->prefix[++sc->pos]) {
                sc->state = SCAN_NUMBER;
                sc->pos = 0;
            }
            return 0;
        }
        sc->bad = true;
        sc->state = SCAN_REST;
        break;
    case SCAN_NUMBER:
        scan_number(sc, c);
        if (sc->state == SCAN_NUMBER)
            return 0;
        break;
    case SCAN_REST: break;
    }
    if (c == '"' && sc->r->fmt == FS_FORMAT_CSV)
        sc->quoted = !sc->quoted; /* "" inside quotes toggles twice */
    return c == '\n' && !sc->quoted ? scan_record_end(sc, err) : 0;
}

/* A header that is not this run's: both named, line ends left out. */
static int header_mismatch(fs_scan *sc, const dq_buffer *header, dq_error *err)
{
    int a = (int)sc->head.len, b = (int)header->len;
    while (a > 0 && (sc->head.data[a - 1] == '\n' || sc->head.data[a - 1] == '\r'))
        a--;
    while (b > 0 && (header->data[b - 1] == '\n' || header->data[b - 1] == '\r'))
        b--;
    return FAIL_ARG(err,
                    "Cannot resume '%s': its header '%.*s' is not the header of this run '%.*s' "
                    "(other columns or format)",
                    sc->path, a > 200 ? 200 : a, (const char *)sc->head.data, b,
                    (const char *)header->data);
}

/* Reads fd to its end through the scanner. */
static int scan_file(fs_scan *sc, int fd, const dq_buffer *header, dq_error *err)
{
    uint8_t buf[64 * 1024];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            dq_error_set(err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                         "Cannot read '%s': [Errno %d] %s", sc->path, errno, strerror(errno));
            if (err)
                err->sys_errno = errno;
            return -1;
        }
        if (n == 0)
            return 0;
        for (ssize_t i = 0; i < n; i++, sc->off++) {
            int rc = scan_byte(sc, buf[i], header, err);
            if (rc == -2)
                return header_mismatch(sc, header, err);
            if (rc)
                return -1;
        }
    }
}

static int io_fail(dq_error *err, const char *what, const char *path)
{
    int e = errno;
    dq_error_set(err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                 "Cannot %s '%s': [Errno %d] %s", what, path, e, strerror(e));
    if (err)
        err->sys_errno = e;
    return -1;
}

/* The end of the file may be torn (a crash while a row was written, the
 * data not all on the disk): its last row's block is cut off whole, with
 * any partial record after it, and that row runs again. */
static int resume_cut(fs_rows *r, const fs_scan *sc, const char *path, dq_error *err)
{
    uint64_t cut = sc->good_end;
    if (sc->last_row) {
        cut = sc->last_start;
        bits_clear(&r->done, sc->last_row);
        r->resumed--;
    }
    if (cut < sc->off && truncate(path, (off_t)cut) != 0)
        return io_fail(err, "truncate", path);
    return 0;
}

/* Reads the rows of an existing --resume file and cuts its torn end.
 * *fresh when it holds nothing of a previous run (missing, empty, or only
 * the beginning of this run's header). */
static int resume_scan(fs_rows *r, const char *path, bool *fresh, dq_error *err)
{
    *fresh = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *fresh = errno == ENOENT;
        return *fresh ? 0 : io_fail(err, "read", path);
    }
    bool csv = is_csv(r->fmt);
    dq_buffer header;
    dq_buffer_init(&header);
    fs_scan sc = {.r = r,
                  .path = path,
                  .state = csv ? SCAN_HEADER : SCAN_PREFIX,
                  .prefix = csv ? "" : "{\"_row\":",
                  .record = 1};
    dq_buffer_init(&sc.head);
    int rc = csv ? header_text(r, &header, err) : 0;
    if (rc == 0)
        rc = scan_file(&sc, fd, &header, err);
    close(fd);
    if (rc == 0 && sc.state == SCAN_HEADER) {
        *fresh = sc.head.len == 0 || memcmp(sc.head.data, header.data, sc.head.len) == 0;
        if (!*fresh)
            rc = header_mismatch(&sc, &header, err);
    } else if (rc == 0) {
        rc = resume_cut(r, &sc, path, err);
    }
    dq_buffer_free(&header);
    dq_buffer_free(&sc.head);
    return rc;
}

/* The document's start: JSON's '[', XML's declaration and root, the
 * CSV/TSV header. */
static int write_start(fs_rows *r, dq_error *err)
{
    dq_buffer *out = fs_out_buffer(r->out);
    int rc = 0;
    if (is_csv(r->fmt))
        rc = header_text(r, out, err);
    else if (r->fmt == FS_FORMAT_JSON)
        rc = dq_buffer_append(out, "[", 1, err);
    else if (r->fmt == FS_FORMAT_XML)
        rc = dq_buffer_append(out, DQ_XML_DECLARATION "<" DQ_XML_WRAPPER ">\n",
                              strlen(DQ_XML_DECLARATION "<" DQ_XML_WRAPPER ">\n"), err);
    if (rc == 0)
        fs_out_record_done(r->out, true);
    return rc;
}

static fs_rows *rows_alloc(const fs_rows_config *cfg, dq_error *err)
{
    fs_rows *r = calloc(1, sizeof *r);
    if (r && cfg->ordered && !(r->slots = calloc(cfg->window, sizeof *r->slots))) {
        free(r);
        r = NULL;
    }
    if (!r) {
        NOMEM(err);
        return NULL;
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->turn, NULL);
    r->fmt = cfg->fmt;
    r->count = cfg->count;
    r->ordered = cfg->ordered;
    r->window = cfg->window;
    r->next = 1;
    if (cfg->columns) {
        r->columns = *cfg->columns;
        memset(cfg->columns, 0, sizeof *cfg->columns);
    }
    return r;
}

int fs_rows_open(fs_rows **rows, const fs_rows_config *cfg, dq_error *err)
{
    *rows = NULL;
    /* Rows are appended to a file of lines; a JSON array or an XML
     * document is complete only with its end, and stdout cannot be read. */
    bool lines = cfg->fmt == FS_FORMAT_NDJSON || is_csv(cfg->fmt);
    if (((cfg->resume && (!cfg->output || !lines)) || (cfg->ordered && cfg->window == 0)) &&
        cfg->columns)
        fs_columns_free(cfg->columns); /* taken over in any case */
    if (cfg->resume && (!cfg->output || !lines))
        return FAIL_ARG(err, "--resume needs --output FILE and --format ndjson, csv or tsv "
                             "(rows are appended to the file of the interrupted run)");
    if (cfg->ordered && cfg->window == 0)
        return FAIL_ARG(err, "--ordered needs a window of at least one row");
    fs_rows *r = rows_alloc(cfg, err);
    if (!r)
        return -1;
    bool fresh = true;
    int rc = cfg->resume ? resume_scan(r, cfg->output, &fresh, err) : 0;
    if (rc == 0)
        rc = cfg->output && lines ? fs_out_open_direct(&r->out, cfg->output, !fresh, err)
                                  : fs_out_open(&r->out, cfg->output, err);
    if (rc == 0 && fresh)
        rc = write_start(r, err);
    if (rc != 0) {
        if (r->out)
            fs_out_close(r->out, false, NULL);
        rows_free(r);
        return -1;
    }
    pthread_mutex_lock(&r->mu);
    if (r->ordered)
        advance(r); /* past the rows the resumed file has */
    pthread_mutex_unlock(&r->mu);
    *rows = r;
    return 0;
}

/* ---- a worker's row sink ---------------------------------------------------- */

typedef struct row_sink {
    fs_rows *rows;
    fs_records rec; /* its own buffers: workers write records in parallel */
    size_t row, matches;
    dq_buffer block;
    bool has_error; /* an error record is in the block */
    bool failed;    /* a record could not be made: the row is incomplete */
} row_sink;

static int put_str(dq_buffer *b, const char *s, dq_error *err)
{
    return dq_buffer_append(b, s, strlen(s), err);
}

static int put_num(dq_buffer *b, size_t n, dq_error *err)
{
    char t[24];
    int w = snprintf(t, sizeof t, "%zu", n);
    return dq_buffer_append(b, t, (size_t)w, err);
}

/* Before a record in the block: JSON's separator (XML's <Row> opener is
 * put before the records when the row is committed: a row's parts are
 * joined first). */
static int block_next(row_sink *rs, dq_error *err)
{
    if (rs->rec.fmt == FS_FORMAT_JSON && rs->block.len)
        return put_str(&rs->block, ",\n", err);
    return 0;
}

static int rows_response(fs_sink *s, const fs_query_info *info, const dq_find_response *rsp,
                         dq_error *err)
{
    (void)info;
    row_sink *rs = s->state;
    if (!rsp->pending || (!rsp->identifier && !rsp->identifier_error))
        return 0;
    rs->matches++;
    if (rs->rows->count || !rsp->identifier || rs->failed)
        return 0;
    size_t before = rs->block.len;
    if (block_next(rs, err) ||
        fs_records_put(&rs->rec, &rs->block, rs->row, rsp->identifier, err)) {
        rs->block.len = before;
        rs->failed = true;
        return -1;
    }
    return 0;
}

static void rows_sink_destroy(fs_sink *s)
{
    if (!s)
        return;
    row_sink *rs = s->state;
    if (rs) {
        fs_records_free(&rs->rec);
        dq_buffer_free(&rs->block);
        free(rs);
    }
    free(s);
}

fs_sink *fs_rows_sink_new(fs_rows *rows, dq_error *err)
{
    fs_sink *s = calloc(1, sizeof *s);
    row_sink *rs = calloc(1, sizeof *rs);
    if (!s || !rs) {
        free(s);
        free(rs);
        NOMEM(err);
        return NULL;
    }
    rs->rows = rows;
    fs_records_init(&rs->rec, rows->fmt, &rows->columns, true);
    dq_buffer_init(&rs->block);
    s->name = "rows";
    s->response = rows_response;
    s->destroy = rows_sink_destroy;
    s->state = rs;
    return s;
}

/* The sink's counters and block, emptied for the row's next part. */
static void part_reset(row_sink *rs)
{
    rs->matches = 0;
    rs->has_error = rs->failed = false;
    dq_buffer_reset(&rs->block);
    memset(&rs->rec.stats, 0, sizeof rs->rec.stats);
}

void fs_rows_sink_begin_row(fs_sink *s, size_t row)
{
    row_sink *rs = s->state;
    rs->row = row;
    part_reset(rs);
}

size_t fs_rows_sink_matches(const fs_sink *s)
{
    const row_sink *rs = s->state;
    return rs->matches;
}

int fs_rows_sink_output_error(const fs_sink *s)
{
    const row_sink *rs = s->state;
    return fs_rows_error(rs->rows);
}

/* CSV/TSV: the row number, n empty cells, then the last two cells' separator. */
static int csv_lead(row_sink *rs, size_t n, dq_error *err)
{
    char sep = rs->rec.fmt == FS_FORMAT_TSV ? '\t' : ',';
    if (put_num(&rs->block, rs->row, err))
        return -1;
    for (size_t i = 0; i <= n; i++)
        if (dq_buffer_append(&rs->block, &sep, 1, err))
            return -1;
    return 0;
}

/* The error record's members or cells after the row number. */
static int put_error(row_sink *rs, const char *status, const char *message, dq_error *err)
{
    dq_buffer *b = &rs->block;
    dq_buffer_reset(&rs->rec.cell);
    if (fs_records_text(&rs->rec, &rs->rec.cell, message, strlen(message), err))
        return -1;
    const char *msg = rs->rec.cell.len ? (const char *)rs->rec.cell.data : "";
    size_t n = rs->rec.cell.len;
    char sep = rs->rec.fmt == FS_FORMAT_TSV ? '\t' : ',';
    switch (rs->rec.fmt) {
    case FS_FORMAT_JSON:
    case FS_FORMAT_NDJSON:
        if (put_str(b, "{\"_row\":", err) || put_num(b, rs->row, err) ||
            (*status && (put_str(b, ",\"_status\":\"", err) || put_str(b, status, err) ||
                         put_str(b, "\"", err))) ||
            put_str(b, ",\"_error\":", err) || dq_json_string_append(b, msg, n, err) ||
            put_str(b, "}", err))
            return -1;
        return rs->rec.fmt == FS_FORMAT_NDJSON ? put_str(b, "\n", err) : 0;
    case FS_FORMAT_XML:
        if (put_str(b, *status ? "<Error status=\"" : "<Error", err) || put_str(b, status, err) ||
            put_str(b, *status ? "\">" : ">", err) ||
            dq_xml_text_append(b, msg, n, false, &(dq_text_stats){0}, err))
            return -1;
        return put_str(b, "</Error>\n", err);
    default:
        if (csv_lead(rs, rs->rows->count ? 1 : rs->rows->columns.n, err) ||
            put_str(b, status, err) || dq_buffer_append(b, &sep, 1, err) ||
            fs_csv_cell(b, (const uint8_t *)msg, n, rs->rec.fmt, err))
            return -1;
        return fs_records_eol(rs->rec.fmt, b, err);
    }
}

int fs_rows_sink_error_record(fs_sink *s, int status, const char *message, dq_error *err)
{
    row_sink *rs = s->state;
    char st[16] = "";
    if (status >= 0)
        snprintf(st, sizeof st, "0x%04X", (unsigned)status & 0xFFFFu);
    size_t before = rs->block.len;
    if (block_next(rs, err) || put_error(rs, st, message ? message : "", err)) {
        rs->block.len = before;
        rs->failed = true;
        return -1;
    }
    rs->has_error = true;
    rs->rec.stats.records++;
    return 0;
}

/* --count: the row's count record. */
static int put_count(row_sink *rs, dq_error *err)
{
    dq_buffer *b = &rs->block;
    switch (rs->rec.fmt) {
    case FS_FORMAT_JSON:
    case FS_FORMAT_NDJSON:
        if (put_str(b, "{\"_row\":", err) || put_num(b, rs->row, err) ||
            put_str(b, ",\"_count\":", err) || put_num(b, rs->matches, err) || put_str(b, "}", err))
            return -1;
        return rs->rec.fmt == FS_FORMAT_NDJSON ? put_str(b, "\n", err) : 0;
    case FS_FORMAT_XML:
        return put_str(b, "<Row number=\"", err) || put_num(b, rs->row, err) ||
                       put_str(b, "\" count=\"", err) || put_num(b, rs->matches, err) ||
                       put_str(b, "\"/>\n", err)
                   ? -1
                   : 0;
    default: {
        char sep[2] = {rs->rec.fmt == FS_FORMAT_TSV ? '\t' : ',', '\0'};
        if (put_num(b, rs->row, err) || put_str(b, sep, err) || put_num(b, rs->matches, err) ||
            put_str(b, sep, err) || put_str(b, sep, err))
            return -1;
        return fs_records_eol(rs->rec.fmt, b, err);
    }
    }
}

/* XML: the records in <Row number="N"> ... </Row>. */
static int xml_wrap(row_sink *rs, dq_error *err)
{
    char open[48];
    int n = snprintf(open, sizeof open, "<Row number=\"%zu\">\n", rs->row);
    dq_buffer *b = &rs->block;
    if (dq_buffer_reserve(b, (size_t)n, err))
        return -1;
    memmove(b->data + n, b->data, b->len);
    memcpy(b->data, open, (size_t)n);
    b->len += (size_t)n;
    return put_str(b, "</Row>\n", err);
}

/* The block's end: the count record, or XML's <Row> around its records. */
static int block_end(row_sink *rs, dq_error *err)
{
    if (rs->rows->count && !rs->has_error) {
        if (put_count(rs, err))
            return -1;
        rs->rec.stats.records++;
        return 0;
    }
    if (rs->rec.fmt == FS_FORMAT_XML && rs->block.len)
        return xml_wrap(rs, err);
    return 0;
}

int fs_rows_sink_commit(fs_sink *s, dq_error *err)
{
    row_sink *rs = s->state;
    if (rs->failed || block_end(rs, err)) {
        if (rs->failed)
            dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                    "row %zu: a record could not be made (out of memory); the row is not written",
                    rs->row);
        fs_rows_sink_discard(s);
        return -1;
    }
    commit_block(rs->rows, rs->row, &rs->block, &rs->rec.stats);
    dq_buffer_reset(&rs->block);
    return 0;
}

void fs_rows_sink_save_part(fs_sink *s, fs_rows_part *part)
{
    row_sink *rs = s->state;
    part->failed = rs->failed;
    if (rs->block.len && dq_buffer_append(&part->records, rs->block.data, rs->block.len, NULL))
        part->failed = true; /* out of memory: the row is not written */
    part->matches = rs->matches;
    part->has_error = rs->has_error;
    part->st = rs->rec.stats;
    part_reset(rs);
}

int fs_rows_sink_commit_parts(fs_sink *s, fs_rows_part *const *parts, size_t n, dq_error *err)
{
    row_sink *rs = s->state;
    part_reset(rs);
    for (size_t i = 0; i < n; i++) {
        const fs_rows_part *p = parts[i];
        rs->matches += p->matches;
        rs->has_error |= p->has_error;
        rs->failed |= p->failed;
        stats_add(&rs->rec.stats, &p->st);
        if (!p->records.len || rs->failed)
            continue;
        if ((rs->rec.fmt == FS_FORMAT_JSON && rs->block.len && put_str(&rs->block, ",\n", NULL)) ||
            dq_buffer_append(&rs->block, p->records.data, p->records.len, NULL))
            rs->failed = true;
    }
    return fs_rows_sink_commit(s, err);
}

void fs_rows_part_free(fs_rows_part *part)
{
    dq_buffer_free(&part->records);
}

void fs_rows_sink_discard(fs_sink *s)
{
    row_sink *rs = s->state;
    dq_buffer_reset(&rs->block);
    fs_rows_skip(rs->rows, rs->row);
}

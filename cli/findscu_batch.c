/* findscu: many queries in one run (see findscu_batch.h). */
#include "findscu_batch.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "findscu_batch_in.h"
#include "findscu_format.h"
#include "findscu_keys.h"
#include "findscu_log.h"
#include "findscu_rows.h"
#include "findscu_session.h"

/* Reconnecting after the peer went away: attempts and the first pause,
 * doubled after each (0.5 + 1 + 2 + 4 + 8 s between 6 attempts: a peer
 * restarting in about 15 s is waited for; one that stays away ends the
 * batch). */
#define RECONNECT_ATTEMPTS 6
#define RECONNECT_FIRST_PAUSE 0.5
/* Progress lines: a terminal's line is redrawn this often (s); without a
 * terminal one line every PROGRESS_FILE_EVERY s. */
#define PROGRESS_TTY_EVERY 0.25
#define PROGRESS_FILE_EVERY 10.0

/* One query of a row: the row's query (once per --repeat) or, with
 * --expand, one a level down, built from a match of its parent query. A
 * row's queries may run on several workers (a shared stack hands them out);
 * each query's records are a part, and the row's block is its parts in
 * this tree's order, depth first (a query's records, then its children's),
 * whichever workers ran them. */
typedef struct node node;
struct node {
    struct job *job;
    const dq_dataset *query;
    dq_dataset *own; /* a child's query (owned) */
    node *kids;      /* --expand: one per match of the query, in match order */
    size_t n_kids;
    fs_rows_part part; /* its records, when the row has more than this query */
};

/* One row (or -f file) and its queries. */
typedef struct job job;
struct job {
    size_t row;
    dq_dataset *id;          /* owned when copied from a --batch row */
    const dq_dataset *query; /* what is sent: id or a template */
    char problem[600];       /* "": the query can run; else why not (an error record) */
    size_t pending;          /* its queries waiting or running (under b->lock) */
    size_t count;            /* its matches so far (under b->lock) */
    bool cut;                /* one of its queries was stopped or dropped: not written */
    job *prev, *next;        /* the rows started and not finished (under b->lock) */
    size_t n_roots;
    node roots[]; /* the query, --repeat times */
};

typedef struct batch {
    const fs_options *o;
    const dq_assoc_user_identity *identity;
    dq_dataset *const *templates;
    size_t n_templates;
    fs_batch_in *in; /* --batch: the rows; NULL: the templates are the queries */
    fs_rows *rows;   /* --format (or --count with it): the records; NULL: none */
    atomic_ulong part10_next;
    pthread_mutex_t lock; /* everything below */
    pthread_cond_t changed;
    size_t next_template, last_row;
    bool input_done, interrupted;
    atomic_bool stop;     /* set under lock; workers also read it between steps without it */
    bool gave_up;         /* no association after RECONNECT_ATTEMPTS */
    bool output_failed;   /* a write of the output failed (not a closed pipe) */
    bool ever_associated; /* some worker had an association */
    size_t workers_left;
    size_t connecting; /* workers opening their first association */
    node **ready;      /* queries to run: a stack, the next on top */
    size_t n_ready, cap_ready;
    size_t busy;    /* queries taken by workers and not finished */
    size_t waiting; /* workers waiting in take_locked for something to take */
    job *live;      /* rows started and not finished */
    job *spare;     /* finished rows' jobs, for the next rows (no malloc a row) */
    size_t done, matches, failed, skipped;
    int fatal; /* an exit status that ends the run (input unreadable, no peer), 0: none */
} batch;

typedef struct worker {
    batch *b;
    size_t index;
    pthread_t thread;
    fs_session s;
    fs_sink *rows_sink; /* b->rows' sink for this worker */
    fs_batch_row row;
    bool had_assoc;
} worker;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps for s seconds unless Ctrl-C comes first. */
static void pause_for(double s)
{
    double end = now_s() + s;
    while (!fs_interrupted() && now_s() < end) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void stop_all(batch *b)
{
    b->stop = true;
    if (b->rows)
        fs_rows_stop(b->rows);
    pthread_cond_broadcast(&b->changed);
}

/* Something to take may have come: wakes the workers waiting for it; under
 * b->lock. */
static void wake(batch *b)
{
    if (b->waiting)
        pthread_cond_broadcast(&b->changed);
}

/* ---- the queries ------------------------------------------------------------------ */

static void on_charset_warning(void *ctx, uint32_t tag, const char *message)
{
    (void)tag;
    const job *j = ctx;
    FS_WARN("Row %zu: %s", j->row, message);
}

/* A --batch row's identifier: the template, the row's cells applied, the
 * typed text encoded in the Specific Character Set (as -k's is). */
static void build_row_query(worker *w, job *j)
{
    dq_error err;
    dq_error_clear(&err);
    j->id = dq_dataset_copy(w->b->templates[0], &err);
    if (j->id && fs_batch_row_apply(w->b->in, &w->row, j->id, &err) == 0 &&
        dq_dataset_encode_keys(j->id, on_charset_warning, j, &err) == 0) {
        j->query = j->id;
        return;
    }
    snprintf(j->problem, sizeof j->problem, "%s", j->id ? err.message : "out of memory");
}

/* The next --batch row not already in a resumed output; under b->lock.
 * false at the end (or when the input failed: b->fatal). */
static bool next_row(worker *w, job *j)
{
    batch *b = w->b;
    for (;;) {
        dq_error err;
        dq_error_clear(&err);
        int rc = fs_batch_in_next(b->in, &w->row, &err);
        if (rc <= 0) {
            if (rc < 0) {
                FS_ERROR("%s", err.message);
                b->fatal = FS_EXIT_ASSOC;
                stop_all(b);
            }
            b->input_done = true;
            return false;
        }
        j->row = w->row.number;
        if (!b->rows || !fs_rows_done(b->rows, j->row))
            break;
        b->skipped++;
        fs_rows_skip(b->rows, j->row);
    }
    snprintf(j->problem, sizeof j->problem, "%s", w->row.problem);
    return true;
}

/* The next query from the input, under b->lock. */
static bool next_input(worker *w, job *j)
{
    batch *b = w->b;
    if (b->in)
        return next_row(w, j);
    if (b->next_template < b->n_templates) {
        j->row = ++b->next_template;
        j->query = b->templates[j->row - 1];
        return true;
    }
    b->input_done = true;
    return false;
}

/* ---- the work: rows and their queries ---------------------------------------------- */

/* How long a worker with nothing to run keeps its association (s): the
 * next level of a row may come soon, but a peer may drop an idle
 * association (Orthanc after 30 s by default). */
#define IDLE_RELEASE 5.0

/* A job for the next row: a finished row's, else a new one; under b->lock.
 * NULL: out of memory. */
static job *job_get(batch *b)
{
    size_t n_roots = (size_t)b->o->repeat;
    job *j = b->spare;
    if (j)
        b->spare = j->next;
    else if (!(j = malloc(sizeof *j + n_roots * sizeof(node))))
        return NULL;
    j->id = NULL;
    j->query = NULL;
    j->problem[0] = '\0';
    j->pending = j->count = 0;
    j->cut = false;
    j->prev = j->next = NULL;
    j->n_roots = n_roots;
    for (size_t i = 0; i < n_roots; i++)
        j->roots[i] = (node){.job = j};
    return j;
}

static void node_free(node *n)
{
    for (size_t i = 0; i < n->n_kids; i++)
        node_free(&n->kids[i]);
    free(n->kids);
    dq_dataset_free(n->own);
    fs_rows_part_free(&n->part);
}

/* What a job holds: its queries and their records. */
static void job_clear(job *j)
{
    for (size_t i = 0; i < j->n_roots; i++)
        node_free(&j->roots[i]);
    dq_dataset_free(j->id);
    j->id = NULL;
}

static void job_free(job *j)
{
    job_clear(j);
    free(j);
}

/* The rows started and not finished, freed at the end (Ctrl-C, a stop);
 * under b->lock. */
static void live_add(batch *b, job *j)
{
    j->next = b->live;
    if (b->live)
        b->live->prev = j;
    b->live = j;
}

static void live_remove(batch *b, job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        b->live = j->next;
    if (j->next)
        j->next->prev = j->prev;
}

/* Queues nodes[0..n-1] to run, nodes[0] on top: one worker walks a row's
 * levels depth first, the order of its records. Under b->lock; false when
 * out of memory (nothing queued). */
static bool push_ready(batch *b, node *nodes, size_t n)
{
    if (b->n_ready + n > b->cap_ready) {
        size_t cap = b->cap_ready ? b->cap_ready : 64;
        while (cap < b->n_ready + n)
            cap *= 2;
        node **r = realloc(b->ready, cap * sizeof *r);
        if (!r)
            return false;
        b->ready = r;
        b->cap_ready = cap;
    }
    for (size_t i = n; i-- > 0;)
        b->ready[b->n_ready++] = &nodes[i];
    return true;
}

/* The next input row as a job (its first query to run); under b->lock.
 * NULL at the end of the input (or out of memory, which stops the run). */
static job *next_job(worker *w)
{
    batch *b = w->b;
    job *j = job_get(b);
    if (!j) {
        FS_ERROR("out of memory");
        b->fatal = FS_EXIT_ASSOC;
        stop_all(b);
        return NULL;
    }
    if (!next_input(w, j)) {
        j->next = b->spare;
        b->spare = j;
        return NULL;
    }
    b->last_row = j->row;
    j->pending = 1;
    live_add(b, j);
    return j;
}

/* take's outcomes. */
typedef enum { TAKE_NONE, TAKE_NODE, TAKE_WAIT } take_result;

/* take_node under b->lock: a query already queued (a row's next level
 * first), else the next row's (when --ordered lets it start). With nothing
 * to take while queries run, it waits: they may queue more, or a worker
 * still opening its first association may give its query back. A waiting
 * worker's association is released (TAKE_WAIT) at once while another
 * worker is connecting (a peer serving one association at a time would
 * never answer it), else after IDLE_RELEASE. TAKE_NONE when nothing is
 * left. */
static take_result take_locked(worker *w, node **out, job **fresh)
{
    batch *b = w->b;
    double idle_until = 0; /* when the association is released, once waiting */
    while (!b->stop) {
        if (b->n_ready) {
            *out = b->ready[--b->n_ready];
            return TAKE_NODE;
        }
        if (!b->input_done &&
            (!b->rows || !b->busy || fs_rows_may_start(b->rows, b->last_row + 1))) {
            if ((*fresh = next_job(w))) {
                *out = &(*fresh)->roots[0];
                return TAKE_NODE;
            }
            continue;
        }
        if (b->input_done && !b->busy)
            break;
        if (w->s.a && !idle_until)
            idle_until = now_s() + IDLE_RELEASE;
        if (w->s.a && (b->connecting || now_s() >= idle_until))
            return TAKE_WAIT;
        b->waiting++;
        if (!w->s.a) {
            pthread_cond_wait(&b->changed, &b->lock);
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += (time_t)IDLE_RELEASE;
            pthread_cond_timedwait(&b->changed, &b->lock, &ts);
        }
        b->waiting--;
    }
    return TAKE_NONE;
}

/* A new row: its query built (--batch), its other --repeat copies queued. */
static void start_job(worker *w, job *j)
{
    batch *b = w->b;
    if (b->in && !j->problem[0])
        build_row_query(w, j);
    for (size_t i = 0; i < j->n_roots; i++)
        j->roots[i].query = j->query;
    if (j->problem[0] || j->n_roots == 1)
        return;
    pthread_mutex_lock(&b->lock);
    if (push_ready(b, j->roots + 1, j->n_roots - 1)) {
        j->pending += j->n_roots - 1;
        wake(b);
    } else {
        FS_ERROR("Row %zu: out of memory: the row is not written", j->row);
        j->cut = true;
    }
    pthread_mutex_unlock(&b->lock);
}

/* The next query to run (*n), TAKE_WAIT (release the association, then
 * ask again) or TAKE_NONE (the worker is done). */
static take_result take_node(worker *w, node **n)
{
    batch *b = w->b;
    job *fresh = NULL;
    pthread_mutex_lock(&b->lock);
    take_result t = take_locked(w, n, &fresh);
    if (t == TAKE_NODE) {
        b->busy++;
        /* A worker about to open its first association counts as
         * connecting from now on, under the same lock: another worker must
         * not find nothing left and nobody connecting in between, and
         * leave. */
        if (!w->s.a && !w->had_assoc) {
            b->connecting++;
            wake(b); /* an idle worker releases its association for it */
        }
    }
    pthread_mutex_unlock(&b->lock);
    if (fresh)
        start_job(w, fresh);
    return t;
}

/* ---- one query ------------------------------------------------------------------- */

/* The failure of a query that got no final response, as an error record's
 * text. */
static void failure_text(const fs_session *s, char *buf, size_t cap)
{
    const dq_error *e = &s->last_error;
    switch (e->kind) {
    case DQ_ERR_TIMEOUT:
        snprintf(buf, cap, "%s",
                 e->detail[0] == DQ_TIMEOUT_NETWORK
                     ? "network timeout reached"
                     : "DIMSE timeout reached while waiting for message response");
        break;
    case DQ_ERR_ABORTED: snprintf(buf, cap, "association aborted: %s", e->message); break;
    case DQ_ERR_CLOSED: snprintf(buf, cap, "connection closed: %s", e->message); break;
    default: snprintf(buf, cap, "%s", e->message[0] ? e->message : "query failed"); break;
    }
}

/* A failed query: the error record (status -1: none came) and the line. */
static void report_row_failure(worker *w, const job *j, int status, const char *text)
{
    batch *b = w->b;
    if (status >= 0)
        FS_ERROR("Row %zu: query failed with status 0x%04X%s%s", j->row, (unsigned)status,
                 text[0] ? ": " : "", text);
    else
        FS_ERROR("Row %zu: %s", j->row, text);
    dq_error err;
    dq_error_clear(&err);
    if (w->rows_sink && fs_rows_sink_error_record(w->rows_sink, status, text, &err) != 0)
        FS_ERROR("%s", err.message);
    pthread_mutex_lock(&b->lock);
    b->failed++;
    pthread_mutex_unlock(&b->lock);
}

/* --count without --format: the count on standard output, one line per
 * query ("ROW<TAB>COUNT" when the run has several). */
static void print_count(batch *b, size_t row, size_t count)
{
    pthread_mutex_lock(&b->lock);
    if (b->in || b->n_templates > 1 || b->o->repeat > 1)
        printf("%zu\t%zu\n", row, count);
    else
        printf("%zu\n", count);
    fflush(stdout);
    pthread_mutex_unlock(&b->lock);
}

/* --expand: the next level's queries, one per match of the query just
 * made, built as the matches arrive. */
typedef struct children {
    const fs_options *o;
    const char *level; /* the level the children query */
    dq_dataset **ds;
    size_t n, cap;
    char problem[600]; /* the first match that could not be expanded */
} children;

static void collect_child(void *ctx, const dq_dataset *match)
{
    children *c = ctx;
    dq_error err;
    dq_error_clear(&err);
    dq_dataset *child = NULL;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        dq_dataset **ds = realloc(c->ds, cap * sizeof *ds);
        if (!ds) {
            snprintf(c->problem, sizeof c->problem, "out of memory");
            return;
        }
        c->ds = ds;
        c->cap = cap;
    }
    if (fs_keys_child(c->o, c->level, match, &child, &err) == 0)
        c->ds[c->n++] = child;
    else if (!c->problem[0])
        snprintf(c->problem, sizeof c->problem, "--expand: %s", err.message);
}

static void children_free(children *c)
{
    for (size_t i = 0; i < c->n; i++)
        dq_dataset_free(c->ds[i]);
    free(c->ds);
}

/* The level a query asks at (its Query/Retrieve Level), "" when none. */
static void level_of(const dq_dataset *q, char *buf, size_t cap)
{
    dq_str v;
    buf[0] = '\0';
    if (dq_dataset_get_string(q, DQ_TAG_QueryRetrieveLevel, &v, NULL) == 0)
        snprintf(buf, cap, "%.*s", (int)v.len, v.ptr);
}

/* One query, its failure reported. 1: it got its final status (failed or
 * not); 0: the association is gone (reported); -1: Ctrl-C. */
static int run_one(worker *w, const job *j, const dq_dataset *q, size_t *count)
{
    dq_find_result res;
    int status = fs_session_query(&w->s, q, &res);
    *count += w->s.matches;
    if (fs_interrupted())
        return -1;
    char text[600];
    if (status != FS_GO_ON) {
        failure_text(&w->s, text, sizeof text);
        report_row_failure(w, j, -1, text);
        return 0;
    }
    if (fs_query_failed(&w->s, &res)) {
        snprintf(text, sizeof text, "%s", res.final.meaning ? res.final.meaning : "");
        report_row_failure(w, j, res.final.code, text);
    }
    return 1;
}

/* A node's query. With --expand, the queries a level down from its
 * matches become its kids (queued by finish_node). false when Ctrl-C
 * stopped it. */
static bool run_query(worker *w, node *n, size_t *count)
{
    job *j = n->job;
    char level[32];
    level_of(n->query, level, sizeof level);
    children c = {.o = w->b->o, .level = fs_keys_next_level(w->b->o, level)};
    w->s.on_match = c.level ? collect_child : NULL;
    w->s.match_ctx = &c;
    int rc = run_one(w, j, n->query, count);
    w->s.on_match = NULL;
    if (rc == 1 && c.problem[0])
        report_row_failure(w, j, -1, c.problem);
    /* The children of a query that got no final status are not run: its
     * matches may be incomplete, and the row is failed already. */
    if (rc == 1 && c.n && !(n->kids = calloc(c.n, sizeof *n->kids)))
        report_row_failure(w, j, -1, "--expand: out of memory");
    else if (rc == 1 && c.n) {
        for (size_t i = 0; i < c.n; i++)
            n->kids[i] = (node){.job = j, .query = c.ds[i], .own = c.ds[i]};
        n->n_kids = c.n;
        c.n = 0; /* the kids own them now */
    }
    children_free(&c);
    return rc >= 0;
}

/* The parts of a row in tree order (the row's roots, each depth first). */
typedef struct parts {
    fs_rows_part **p;
    size_t n, cap;
    bool oom;
} parts;

static void collect_parts(node *n, parts *ps)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 16;
        fs_rows_part **p = realloc(ps->p, cap * sizeof *p);
        if (!p) {
            ps->oom = true;
            return;
        }
        ps->p = p;
        ps->cap = cap;
    }
    ps->p[ps->n++] = &n->part;
    for (size_t i = 0; i < n->n_kids; i++)
        collect_parts(&n->kids[i], ps);
}

/* A row of several queries: its parts joined and committed. */
static int commit_parts(worker *w, job *j, dq_error *err)
{
    parts ps = {0};
    for (size_t i = 0; i < j->n_roots; i++)
        collect_parts(&j->roots[i], &ps);
    fs_rows_sink_begin_row(w->rows_sink, j->row);
    int rc = ps.oom ? dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                              "row %zu: out of memory; the row is not written", j->row)
                    : fs_rows_sink_commit_parts(w->rows_sink, ps.p, ps.n, err);
    if (ps.oom)
        fs_rows_sink_discard(w->rows_sink);
    free(ps.p);
    return rc;
}

/* A row whose queries are all done: its block committed (dropped when it
 * was cut short), its count. alone: the row was one query, whose records
 * are still in the worker's sink. */
static void end_job(worker *w, job *j, bool alone)
{
    batch *b = w->b;
    dq_error err;
    dq_error_clear(&err);
    if (j->cut) {
        if (w->rows_sink) {
            fs_rows_sink_begin_row(w->rows_sink, j->row);
            fs_rows_sink_discard(w->rows_sink);
        }
        job_free(j);
        return;
    }
    if (w->rows_sink &&
        (alone ? fs_rows_sink_commit(w->rows_sink, &err) : commit_parts(w, j, &err)) != 0)
        FS_ERROR("%s", err.message);
    if (b->o->count && !b->rows)
        print_count(b, j->row, j->count);
    job_clear(j);
    pthread_mutex_lock(&b->lock);
    b->done++;
    b->matches += j->count;
    j->next = b->spare;
    b->spare = j;
    int e = b->rows ? fs_rows_error(b->rows) : 0;
    if (e) {
        /* The output is gone: a full disk fails the run; a reader that
         * closed the pipe (| head) has what it wanted. */
        b->output_failed = e != EPIPE;
        stop_all(b);
    }
    wake(b); /* --ordered: a row may start now */
    pthread_mutex_unlock(&b->lock);
}

/* A query done: its records saved as a part (unless it is its row's only
 * query), its kids queued, and the row ended when it was its last. */
static void finish_node(worker *w, node *n, bool cut, size_t count)
{
    batch *b = w->b;
    job *j = n->job;
    bool alone = j->n_roots == 1 && n == &j->roots[0] && !n->n_kids;
    if (w->rows_sink && !alone && !cut)
        fs_rows_sink_save_part(w->rows_sink, &n->part);
    pthread_mutex_lock(&b->lock);
    j->count += count;
    j->cut |= cut;
    if (n->n_kids && !cut) {
        if (push_ready(b, n->kids, n->n_kids)) {
            j->pending += n->n_kids;
        } else {
            FS_ERROR("Row %zu: out of memory: the row is not written", j->row);
            j->cut = true;
        }
    }
    bool complete = --j->pending == 0;
    if (complete)
        live_remove(b, j);
    b->busy--;
    wake(b);
    pthread_mutex_unlock(&b->lock);
    if (complete)
        end_job(w, j, alone);
}

/* One query of a row; a row's first waits for its turn (--ordered). */
static void run_node(worker *w, node *n)
{
    batch *b = w->b;
    job *j = n->job;
    if (n == &j->roots[0] && b->rows && !fs_rows_wait_turn(b->rows, j->row)) {
        finish_node(w, n, true, 0); /* stopped: the row does not run */
        return;
    }
    if (w->rows_sink)
        fs_rows_sink_begin_row(w->rows_sink, j->row);
    size_t count = 0;
    bool cut = false;
    if (j->problem[0])
        report_row_failure(w, j, -1, j->problem);
    else
        cut = !run_query(w, n, &count);
    finish_node(w, n, cut, count);
}

/* ---- associations ------------------------------------------------------------------ */

/* An association for the next query. A worker whose very first attempt
 * fails retires (the peer may take fewer associations than --jobs); the
 * run fails when every worker did. Later, after the peer went away, it
 * retries with back-off and gives up (ending the batch) after
 * RECONNECT_ATTEMPTS. */
static bool try_assoc(worker *w);

/* An association to run n on. A worker's first attempt counts as
 * "connecting" (take_node counted it; idle workers release theirs for it);
 * when it fails, the worker retires and n goes back for another worker. A
 * query that cannot run otherwise (Ctrl-C, the batch gave up) cuts its row. */
static bool ensure_assoc(worker *w, node *n)
{
    batch *b = w->b;
    bool first = !w->had_assoc;
    bool ok = try_assoc(w);
    if (ok && !first)
        return true;
    pthread_mutex_lock(&b->lock);
    if (first)
        b->connecting--;
    if (!ok) {
        if (!first || b->stop || fs_interrupted() || !push_ready(b, n, 1))
            n->job->cut = true;
        b->busy--;
    }
    wake(b);
    pthread_mutex_unlock(&b->lock);
    return ok;
}

static bool try_assoc(worker *w)
{
    batch *b = w->b;
    double pause = RECONNECT_FIRST_PAUSE;
    for (int attempt = 1;; attempt++) {
        if (fs_session_open(&w->s) == FS_GO_ON) {
            w->had_assoc = true;
            pthread_mutex_lock(&b->lock);
            b->ever_associated = true;
            pthread_mutex_unlock(&b->lock);
            return true;
        }
        if (fs_interrupted() || b->stop)
            return false;
        if (!w->had_assoc) {
            if (b->o->jobs > 1)
                FS_WARN("Association %zu of --jobs %ld could not be made: going on with fewer",
                        w->index + 1, b->o->jobs);
            return false;
        }
        if (attempt >= RECONNECT_ATTEMPTS) {
            FS_ERROR("No association after %d attempts: giving up, the rows not run are not "
                     "written (--resume runs them later)",
                     attempt);
            pthread_mutex_lock(&b->lock);
            b->gave_up = true;
            stop_all(b);
            pthread_mutex_unlock(&b->lock);
            return false;
        }
        FS_WARN("Association lost: trying again in %g s", pause);
        pause_for(pause);
        pause *= 2;
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    batch *b = w->b;
    /* --batch: each query's lines are details (-d); the batch reports rows. */
    fs_log_demote_info(b->in && (b->rows || b->o->count));
    node *n;
    /* The query first, then the association: a worker opens none when the
     * rows are all taken (a 2-row batch with --jobs 16 opens 2). */
    while (!b->stop && !fs_interrupted()) {
        take_result t = take_node(w, &n);
        if (t == TAKE_NONE)
            break;
        if (t == TAKE_WAIT) {
            fs_session_close(&w->s, b->o->abort);
            continue;
        }
        if (!w->s.a && !ensure_assoc(w, n))
            break;
        run_node(w, n);
    }
    if (w->s.a)
        fs_session_close(&w->s, b->o->abort);
    pthread_mutex_lock(&b->lock);
    b->workers_left--;
    pthread_cond_broadcast(&b->changed);
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* ---- setting up ------------------------------------------------------------------- */

/* CSV/TSV columns: -k's keys, then the --batch header's (in header order),
 * then the -f file's elements; each once (fs_columns_build). */
static int batch_columns(const batch *b, fs_columns *cols, dq_error *err)
{
    const fs_options *o = b->o;
    size_t nh = b->in ? fs_batch_in_columns(b->in) : 0;
    fs_options with = *o;
    const char **keys = calloc(o->n_keywords + nh + 1, sizeof *keys);
    if (!keys)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    for (size_t i = 0; i < o->n_keywords; i++)
        keys[i] = o->keywords[i];
    for (size_t i = 0; i < nh; i++)
        keys[o->n_keywords + i] = fs_batch_in_column_name(b->in, i);
    with.keywords = keys;
    with.n_keywords = o->n_keywords + nh;
    int rc = fs_columns_build(cols, &with, b->templates[0], err);
    free(keys);
    return rc;
}

/* The --format output (records by row), before any network traffic. */
static int open_rows(batch *b)
{
    const fs_options *o = b->o;
    if (o->format == FS_FORMAT_NONE)
        return 0;
    dq_error err;
    dq_error_clear(&err);
    fs_columns cols;
    memset(&cols, 0, sizeof cols);
    bool table = o->format == FS_FORMAT_CSV || o->format == FS_FORMAT_TSV;
    if (table && !o->count && batch_columns(b, &cols, &err) != 0) {
        FS_ERROR("%s", err.message);
        fs_columns_free(&cols);
        return FS_EXIT_ASSOC;
    }
    fs_rows_config cfg = {
        .fmt = o->format,
        .output = o->output,
        .columns = table && !o->count ? &cols : NULL,
        .count = o->count,
        .ordered = o->ordered,
        .window = 4 * (size_t)o->jobs,
        .resume = o->resume,
    };
    int rc = fs_rows_open(&b->rows, &cfg, &err);
    fs_columns_free(&cols);
    if (rc != 0) {
        FS_ERROR("%s", err.message);
        return err.kind == DQ_ERR_ARGUMENT ? FS_EXIT_USAGE : FS_EXIT_ASSOC;
    }
    if (o->resume && fs_rows_resumed(b->rows))
        FS_INFO("Resuming: %zu rows already in %s", fs_rows_resumed(b->rows), o->output);
    /* A closed pipe is a write error (EPIPE) the output handles, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/* A worker's session and sinks: the log dump (without --format and
 * --count), the -w files (numbered across workers), the records. */
static int worker_init(worker *w, batch *b, size_t index)
{
    const fs_options *o = b->o;
    w->b = b;
    w->index = index;
    fs_session_init(&w->s, o, fs_net_slot(index));
    w->s.identity = b->identity;
    w->s.cancel_after = (size_t)o->cancel_after;
    fs_batch_row_init(&w->row);
    fs_session *s = &w->s;
    if ((o->format == FS_FORMAT_NONE && !o->count) || fs_log_enabled(FS_LEVEL_DEBUG))
        if (!(s->sinks[s->n_sinks++] = fs_sink_log_new()))
            return -1;
    if (o->write &&
        !(s->sinks[s->n_sinks++] = fs_sink_part10_new_shared(o->output_dir, &b->part10_next)))
        return -1;
    if (b->rows) {
        dq_error err;
        dq_error_clear(&err);
        if (!(w->rows_sink = fs_rows_sink_new(b->rows, &err)))
            return -1;
        s->sinks[s->n_sinks++] = w->rows_sink;
        s->format = w->rows_sink;
        s->output_error = fs_rows_sink_output_error;
    }
    return 0;
}

static void worker_free(worker *w)
{
    for (size_t i = 0; i < w->s.n_sinks; i++)
        if (w->s.sinks[i])
            w->s.sinks[i]->destroy(w->s.sinks[i]);
    fs_batch_row_free(&w->row);
}

/* ---- progress and the end --------------------------------------------------------- */

static void progress(batch *b, double start, bool final)
{
    pthread_mutex_lock(&b->lock);
    size_t done = b->done, matches = b->matches, failed = b->failed, skipped = b->skipped;
    pthread_mutex_unlock(&b->lock);
    double t = now_s() - start;
    char line[256];
    snprintf(line, sizeof line, "%s: %zu rows done, %zu matches, %zu failed, %.1f rows/s, %.1f s",
             final ? "Batch finished" : "Batch", done, matches, failed,
             t > 0 ? (double)done / t : 0.0, t);
    if (skipped) {
        size_t n = strlen(line);
        snprintf(line + n, sizeof line - n, " (%zu skipped: already written)", skipped);
    }
    fs_log_progress(line, final);
}

/* Waits for the workers, drawing the progress line (--batch at -v). */
static void supervise(batch *b, double start)
{
    bool tty = isatty(fileno(stderr));
    bool show = b->in && (b->rows || b->o->count);
    double every = tty ? PROGRESS_TTY_EVERY : PROGRESS_FILE_EVERY, next = start + every;
    pthread_mutex_lock(&b->lock);
    while (b->workers_left > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&b->changed, &b->lock, &ts);
        if (fs_interrupted() && !b->interrupted) {
            b->interrupted = true;
            stop_all(b);
        }
        if (show && now_s() >= next) {
            pthread_mutex_unlock(&b->lock);
            progress(b, start, false);
            pthread_mutex_lock(&b->lock);
            next = now_s() + every;
        }
    }
    pthread_mutex_unlock(&b->lock);
    if (show)
        progress(b, start, true);
}

/* The exit status from what happened (findscu_batch.h). */
static int batch_status(const batch *b)
{
    if (fs_interrupted())
        return FS_EXIT_INTERRUPTED;
    if (b->fatal)
        return b->fatal;
    if (!b->ever_associated)
        return FS_EXIT_ASSOC;
    if (b->output_failed)
        return FS_EXIT_ASSOC;
    return b->failed || b->gave_up ? FS_EXIT_FAILED : 0;
}

/* Ends the output: the document closed; a write failure reported (a closed
 * pipe quietly: the reader has what it wanted). */
static int close_rows(batch *b, int status)
{
    if (!b->rows)
        return status;
    dq_error err;
    dq_error_clear(&err);
    fs_report_format_stats(fs_rows_stats(b->rows));
    int rc = fs_rows_close(b->rows, true, &err);
    b->rows = NULL;
    if (rc != 0 && err.sys_errno != EPIPE && err.sys_errno != EINTR) {
        FS_ERROR("%s", err.message);
        return status ? status : FS_EXIT_ASSOC;
    }
    return status;
}

static int run_workers(batch *b)
{
    size_t n = (size_t)b->o->jobs;
    worker *ws = calloc(n, sizeof *ws);
    if (!ws) {
        FS_ERROR("out of memory");
        return FS_EXIT_ASSOC;
    }
    size_t started = 0;
    for (; started < n; started++) {
        if (worker_init(&ws[started], b, started) != 0) {
            FS_ERROR("out of memory");
            worker_free(&ws[started]);
            break;
        }
        pthread_mutex_lock(&b->lock);
        b->workers_left++;
        pthread_mutex_unlock(&b->lock);
        if (pthread_create(&ws[started].thread, NULL, worker_main, &ws[started]) != 0) {
            pthread_mutex_lock(&b->lock);
            b->workers_left--;
            pthread_mutex_unlock(&b->lock);
            worker_free(&ws[started]);
            break;
        }
    }
    supervise(b, now_s());
    for (size_t i = 0; i < started; i++) {
        pthread_join(ws[i].thread, NULL);
        worker_free(&ws[i]);
    }
    free(ws);
    if (started == 0)
        return FS_EXIT_ASSOC;
    return batch_status(b);
}

int fs_batch_run(const fs_options *o, const dq_assoc_user_identity *identity,
                 dq_dataset *const *templates, size_t n)
{
    batch b;
    memset(&b, 0, sizeof b);
    b.o = o;
    b.identity = identity;
    b.templates = templates;
    b.n_templates = n;
    atomic_init(&b.part10_next, 1);
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.changed, NULL);
    int status = 0;
    if (o->batch) {
        dq_error err;
        dq_error_clear(&err);
        if (fs_batch_in_open(&b.in, o->batch, (fs_batch_format)o->batch_format, &err) != 0) {
            FS_ERROR("%s", err.message);
            status = FS_EXIT_USAGE;
        }
    }
    if (status == 0)
        status = open_rows(&b);
    if (status == 0)
        status = close_rows(&b, run_workers(&b));
    if (b.in)
        fs_batch_in_close(b.in);
    while (b.live) { /* rows cut short or not run: Ctrl-C, a stop */
        job *j = b.live;
        live_remove(&b, j);
        job_free(j);
    }
    while (b.spare) {
        job *j = b.spare;
        b.spare = j->next;
        free(j);
    }
    free(b.ready);
    pthread_cond_destroy(&b.changed);
    pthread_mutex_destroy(&b.lock);
    return status;
}

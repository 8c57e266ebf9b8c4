/* findscu: one association and the C-FINDs on it.
 *
 * The flow and every log line are pynetdicom's (docs/findscu-behaviour.md):
 * fs_session_open requests the association proposing the Query/Retrieve,
 * Basic Worklist and UPS contexts and picks the model's context;
 * fs_session_query sends one C-FIND and hands every response to the
 * session's sinks; fs_session_close releases (or aborts). A single query is
 * these three calls; a batch (findscu_batch.c) runs one session per worker
 * thread and many queries on each. Failures are reported (logged) where they
 * happen and kept in last_error, so a caller can also write them as data. */
#ifndef FINDSCU_SESSION_H
#define FINDSCU_SESSION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dq/assoc.h>
#include <dq/find.h>

#include "findscu_args.h"
#include "findscu_format.h"
#include "findscu_net.h"
#include "findscu_sink.h"

/* Exit statuses (pynetdicom: 1 when no association or unusable input, 2 for
 * usage; ours: 3 when a query of a batch failed (README "Many queries at
 * once"), 130 after Ctrl-C, as shells report SIGINT). */
enum { FS_EXIT_ASSOC = 1, FS_EXIT_USAGE = 2, FS_EXIT_FAILED = 3, FS_EXIT_INTERRUPTED = 130 };

/* A step that did not end the run. */
enum { FS_GO_ON = -1 };

/* Where the association is: what a failure is reported as depends on it. */
typedef enum fs_phase { FS_PHASE_ASSOCIATE, FS_PHASE_FIND, FS_PHASE_RELEASE } fs_phase;

typedef struct fs_session {
    const fs_options *o;
    const dq_assoc_user_identity *identity; /* --user, --jwt, ...: NULL when none */
    fs_sink *sinks[4];
    size_t n_sinks;
    fs_sink *format; /* --format (also in sinks[]): a stopped output cancels the query */
    int (*output_error)(const fs_sink *s); /* format's failed-write errno, 0 when none */
    size_t cancel_after; /* --cancel N: C-CANCEL after N pending responses (0: never) */
    fs_net *irq;         /* this session's Ctrl-C state (fs_net_slot) */
    /* Called with each match's identifier (--expand collects them), NULL: none. */
    void (*on_match)(void *ctx, const dq_dataset *identifier);
    void *match_ctx;
    /* What the session is doing. */
    fs_query_info info;
    dq_assoc *a;    /* the association, NULL when none */
    fs_net *net;    /* irq while a transport of ours is open, else NULL */
    bool requested; /* the A-ASSOCIATE-RQ went out */
    fs_phase phase;
    bool failure_reported; /* the association's failure has been logged */
    bool stop_asked;       /* the output failed: the C-CANCEL was asked for */
    uint16_t next_message_id;
    size_t matches;      /* pending responses with an identifier, this query */
    dq_error last_error; /* why the last failed step failed */
} fs_session;

/* Sets the session up for o (sinks and the rest are the caller's). */
void fs_session_init(fs_session *s, const fs_options *o, fs_net *irq);

/* Connects, negotiates and picks the model's context. FS_GO_ON with s->a,
 * or the exit status (everything reported, nothing left open). */
int fs_session_open(fs_session *s);

/* One C-FIND of identifier on s->a. FS_GO_ON when a final response arrived
 * (*res; the association lives on); otherwise the association is gone
 * (s->a NULL), the failure reported and kept in s->last_error, and the exit
 * status a single query would end with is returned (0, 1 or 130). */
int fs_session_query(fs_session *s, const dq_dataset *identifier, dq_find_result *res);

/* Releases the association (abort: A-ABORT instead, as DCMTK's --abort) and
 * frees it. 0, or 130 after Ctrl-C. */
int fs_session_close(fs_session *s, bool abort);

/* A Ctrl-C has been pressed (fs_out: ends a write to a stalled pipe). */
bool fs_interrupted(void);

/* A query that ended with a final response still failed: a Failure status,
 * or a Cancel nobody asked for with --cancel (--strict, batch error records). */
bool fs_query_failed(const fs_session *s, const dq_find_result *res);

/* The --format writers' warnings (text written as U+FFFD, DS/IS values that
 * are not numbers), once at the end of the run. */
void fs_report_format_stats(const fs_format_stats *st);

#endif

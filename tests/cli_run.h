/* findscu end-to-end test helpers: run the built findscu in a fresh temp
 * directory (stdout, stderr, exit status; Ctrl-C on cue) against the
 * scripted SCP (tests/scp), and read what the peer recorded. */
#ifndef DQ_TEST_CLI_RUN_H
#define DQ_TEST_CLI_RUN_H

#include "scp.h"

typedef struct result {
    int status;     /* exit status, or 128 + signal */
    double seen_at; /* when stderr first held the watched text (s after start), -1: never */
    char *out;      /* stdout */
    char *err;      /* stderr */
    char dir[96];   /* working directory it ran in (-w files land here) */
} result;

typedef struct peer {
    dq_test_scp scp;
    char *record;
    char port[16];
    int exit; /* the scripted SCP's exit status (0: its script ran to the end) */
} peer;

double mono_now(void);
/* A file's contents (malloc'd, NUL-terminated; "" when it cannot be read). */
char *slurp(const char *path);

/* Runs findscu with args (NULL-terminated) in a fresh temp dir. When
 * sigint_after is not NULL, sends SIGINT once stderr contains it (and again
 * after a second text when sigint_again is not NULL). When watch is not
 * NULL, r->seen_at records when stderr first contained it. */
void run_findscu_watch(result *r, const char *const *args, const char *sigint_after,
                       const char *sigint_again, const char *watch);
void run_findscu(result *r, const char *const *args, const char *sigint_after,
                 const char *sigint_again);
void result_free(result *r);

void peer_start(peer *p, const char *script);
int peer_finish(peer *p);
void peer_free(peer *p);
/* The nth value of key in the peer's record (a rotating static buffer). */
const char *get(const peer *p, const char *key, int nth);

/* One conversation: a scripted peer, findscu 127.0.0.1 <its port> args...
 * (SIGINTs and watch as run_findscu_watch), the peer finished. *took:
 * findscu's wall time. */
void converse_watch(peer *p, result *r, const char *script, const char *const *args,
                    const char *sigint_after, const char *sigint_again, const char *watch,
                    double *took);
void converse(peer *p, result *r, const char *script, const char *const *args,
              const char *sigint_after, const char *sigint_again, double *took);
/* A query against a peer that answers with nothing but success. */
void simple(peer *p, result *r, const char *extra_script, const char *const *args);

#endif

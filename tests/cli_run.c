/* findscu end-to-end test helpers (see cli_run.h). */
#include "cli_run.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tmp_path.h"

#define FINDSCU DQ_BINARY_DIR "/cli/findscu"

char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    b[got] = 0;
    fclose(f);
    return b;
}

double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs findscu with argv (NULL-terminated) in a fresh temp dir. When
 * sigint_after is not NULL, sends SIGINT once stderr contains it (and again
 * after a second text when sigint_again is not NULL). When watch is not
 * NULL, r->seen_at records when stderr first contained it. */
void run_findscu_watch(result *r, const char *const *args, const char *sigint_after,
                       const char *sigint_again, const char *watch)
{
    memset(r, 0, sizeof *r);
    cr_assert_not_null(dq_test_tmp_template(r->dir, sizeof r->dir, "dq-cli-e2e"));
    cr_assert_not_null(mkdtemp(r->dir));
    char outp[128], errp[128];
    snprintf(outp, sizeof outp, "%s/.stdout", r->dir);
    snprintf(errp, sizeof errp, "%s/.stderr", r->dir);
    const char *argv[64];
    size_t n = 0;
    argv[n++] = FINDSCU;
    for (size_t i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        if (chdir(r->dir) != 0)
            _exit(127);
        int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        execv(FINDSCU, (char *const *)argv);
        _exit(127);
    }
    double start = mono_now();
    int st = 0, sent = 0;
    r->seen_at = -1;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (watch && r->seen_at < 0) {
            char *e = slurp(errp);
            if (strstr(e, watch))
                r->seen_at = mono_now() - start;
            free(e);
        }
        const char *want = sent == 0 ? sigint_after : sent == 1 ? sigint_again : NULL;
        if (want) {
            char *e = slurp(errp);
            if (strstr(e, want)) {
                kill(pid, SIGINT);
                sent++;
            }
            free(e);
        }
        if (mono_now() - start > 30) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            cr_assert_fail("findscu did not finish within 30 s");
        }
        usleep(2000);
    }
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r->out = slurp(outp);
    r->err = slurp(errp);
}

void run_findscu(result *r, const char *const *args, const char *sigint_after,
                 const char *sigint_again)
{
    run_findscu_watch(r, args, sigint_after, sigint_again, NULL);
}

void result_free(result *r)
{
    free(r->out);
    free(r->err);
    DIR *d = opendir(r->dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                char p[512];
                snprintf(p, sizeof p, "%s/%s", r->dir, e->d_name);
                unlink(p);
            }
        }
        closedir(d);
    }
    rmdir(r->dir);
}

void peer_start(peer *p, const char *script)
{
    memset(p, 0, sizeof *p);
    cr_assert_eq(dq_test_scp_start(&p->scp, script, 1), 0);
    snprintf(p->port, sizeof p->port, "%u", p->scp.port);
}

int peer_finish(peer *p)
{
    p->exit = dq_test_scp_finish(&p->scp, 15);
    p->record = dq_test_scp_record(&p->scp);
    return p->exit;
}

void peer_free(peer *p)
{
    free(p->record);
    dq_test_scp_cleanup(&p->scp);
}

const char *get(const peer *p, const char *key, int nth)
{
    static char buf[8][8192];
    static int slot;
    slot = (slot + 1) % 8;
    return dq_test_scp_get(p->record, key, nth, buf[slot], sizeof buf[slot]);
}

/* One conversation: a scripted peer, findscu 127.0.0.1 <its port> args...
 * (SIGINTs and watch as run_findscu_watch), the peer finished. *took:
 * findscu's wall time. */
void converse_watch(peer *p, result *r, const char *script, const char *const *args,
                    const char *sigint_after, const char *sigint_again, const char *watch,
                    double *took)
{
    peer_start(p, script);
    const char *argv[64];
    size_t n = 0;
    argv[n++] = "127.0.0.1";
    argv[n++] = p->port;
    for (size_t i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    double t0 = mono_now();
    run_findscu_watch(r, argv, sigint_after, sigint_again, watch);
    if (took)
        *took = mono_now() - t0;
    peer_finish(p);
}

void converse(peer *p, result *r, const char *script, const char *const *args,
              const char *sigint_after, const char *sigint_again, double *took)
{
    converse_watch(p, r, script, args, sigint_after, sigint_again, NULL, took);
}

/* A query against a peer that answers with nothing but success. */
void simple(peer *p, result *r, const char *extra_script, const char *const *args)
{
    char script[1024];
    snprintf(script, sizeof script, "%saccept\nrecv-msg\nfind-rsp 0x0000\nrelease\nwait-close\n",
             extra_script ? extra_script : "");
    converse(p, r, script, args, NULL, NULL, NULL);
}

/* bench_find: how fast the C-FIND engine takes responses, and what an
 * association costs, against bench/replay_scp on loopback (a peer that sends
 * pre-encoded responses as fast as the socket takes them).
 *
 *   bench_find [-n RESPONSES] [-a ASSOCIATIONS] [-r REPEATS]
 *
 * 1. responses/s for small (~0.3 KB) and large (~2 KB) identifiers at a
 *    maximum receive PDU of 16 KB and 128 KB (each identifier decoded into
 *    the engine's reused data set and handed to a callback), with the bytes
 *    our network layer copied per response after the socket read;
 * 2. association setup + release round trip (A-ASSOCIATE-RQ/AC +
 *    A-RELEASE-RQ/RP + TCP connect/close), median and mean.
 * replay_scp is looked for next to this program. */
#define _GNU_SOURCE /* bench/CMakeLists.txt builds this without it; POSIX process and clock calls */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dq/dq.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char replay_path[PATH_MAX];

/* Starts replay_scp with the given arguments; returns its pid, *port. */
static pid_t start_replay(const char *const *args, uint16_t *port)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        const char *argv[32] = {replay_path};
        size_t n = 1;
        for (size_t i = 0; args[i] && n < 31; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        execv(replay_path, (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[128];
    unsigned p = 0;
    if (!f || !fgets(line, sizeof line, f) || sscanf(line, "port %u", &p) != 1) {
        fprintf(stderr, "bench_find: %s did not start\n", replay_path);
        exit(1);
    }
    fclose(f);
    *port = (uint16_t)p;
    return pid;
}

static void stop_replay(pid_t pid)
{
    int st;
    for (int i = 0; i < 200; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

static const char *const ts_all[] = {DQ_UID_ExplicitVRLittleEndian, DQ_UID_ImplicitVRLittleEndian};
static const dq_assoc_context ctx = {DQ_UID_PatientRootQueryRetrieveInformationModelFind, ts_all,
                                     2};

static void params(dq_assoc_params *p, uint32_t max_pdu)
{
    dq_assoc_params_default(p);
    p->called_ae = "REPLAY";
    p->contexts = &ctx;
    p->n_contexts = 1;
    p->max_pdu = max_pdu;
}

typedef struct counter {
    size_t n, elements;
} counter;

static void on_rsp(void *user, const dq_find_response *r, bool *cancel)
{
    counter *c = user;
    if (r->identifier) {
        c->n++;
        c->elements += dq_dataset_count(r->identifier);
    }
    (void)cancel;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bench_responses(unsigned long n, int repeats)
{
    printf("%-6s %-8s %12s %12s %14s %14s %12s\n", "size", "max PDU", "responses", "resp/s",
           "MB/s (wire)", "copied B/rsp", "in place %");
    const char *sizes[] = {"small", "large"};
    const uint32_t pdus[] = {16384, 131072};
    for (int s = 0; s < 2; s++)
        for (int m = 0; m < 2; m++) {
            double best = 0;
            dq_assoc_stats st = {0};
            for (int r = 0; r < repeats; r++) {
                char nbuf[32];
                snprintf(nbuf, sizeof nbuf, "%lu", n);
                const char *args[] = {"-p", "0", "-n", nbuf, "-s",       sizes[s],
                                      "-m", "1", "-q", "-t", "explicit", NULL};
                uint16_t port;
                pid_t pid = start_replay(args, &port);
                dq_assoc_params p;
                params(&p, pdus[m]);
                dq_assoc *a;
                dq_error e;
                if (dq_assoc_request(&a, "127.0.0.1", port, &p, &e) < 0) {
                    fprintf(stderr, "bench_find: %s\n", e.message);
                    exit(1);
                }
                dq_dataset *q = dq_dataset_new();
                dq_dataset_set_key(q, "QueryRetrieveLevel=PATIENT", NULL);
                dq_dataset_set_key(q, "PatientName=", NULL);
                dq_dataset_set_key(q, "PatientID=", NULL);
                dq_find_request rq = {DQ_UID_PatientRootQueryRetrieveInformationModelFind, q, 0, 0};
                counter c = {0};
                dq_find_result res;
                double t0 = now();
                if (dq_find(a, &rq, on_rsp, &c, &res, &e) < 0) {
                    fprintf(stderr, "bench_find: %s\n", e.message);
                    exit(1);
                }
                double dt = now() - t0;
                dq_assoc_stats_get(a, &st);
                dq_assoc_release(a, &e);
                dq_assoc_free(a);
                dq_dataset_free(q);
                stop_replay(pid);
                if (c.n != n) {
                    fprintf(stderr, "bench_find: got %zu responses, wanted %lu\n", c.n, n);
                    exit(1);
                }
                double rate = (double)n / dt;
                if (rate > best)
                    best = rate;
            }
            double per = (double)st.bytes_received / (double)st.messages_received;
            printf("%-6s %-8u %12lu %12.0f %14.1f %14.1f %12.1f\n", sizes[s], pdus[m], n, best,
                   best * per / 1e6,
                   (double)(st.bytes_copied + st.transport.bytes_moved) / (double)n,
                   100.0 * (double)st.data_sets_in_place / (double)n);
        }
}

static void bench_associations(unsigned long m)
{
    char mbuf[32];
    snprintf(mbuf, sizeof mbuf, "%lu", m);
    const char *args[] = {"-p", "0", "-n", "0", "-m", mbuf, "-q", NULL};
    uint16_t port;
    pid_t pid = start_replay(args, &port);
    double *t = malloc(m * sizeof *t);
    for (unsigned long i = 0; i < m; i++) {
        dq_assoc_params p;
        params(&p, 16382);
        dq_assoc *a;
        dq_error e;
        double t0 = now();
        if (dq_assoc_request(&a, "127.0.0.1", port, &p, &e) < 0 || dq_assoc_release(a, &e) < 0) {
            fprintf(stderr, "bench_find: association %lu: %s\n", i, e.message);
            exit(1);
        }
        t[i] = now() - t0;
        dq_assoc_free(a);
    }
    stop_replay(pid);
    double sum = 0;
    for (unsigned long i = 0; i < m; i++)
        sum += t[i];
    qsort(t, m, sizeof *t, cmp_double);
    printf("association setup + release on loopback: %lu runs, median %.1f us, mean %.1f us, "
           "p90 %.1f us\n",
           m, t[m / 2] * 1e6, sum / (double)m * 1e6, t[m * 9 / 10] * 1e6);
    free(t);
}

int main(int argc, char **argv)
{
    unsigned long n = 100000, m = 500;
    int repeats = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-n"))
            n = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "-a"))
            m = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "-r"))
            repeats = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: bench_find [-n RESPONSES] [-a ASSOCIATIONS] [-r REPEATS]\n");
            return 2;
        }
    }
    ssize_t l = readlink("/proc/self/exe", replay_path, sizeof replay_path - 32);
    if (l <= 0)
        return 1;
    replay_path[l] = 0;
    char *slash = strrchr(replay_path, '/');
    strcpy(slash + 1, "replay_scp");
    signal(SIGPIPE, SIG_IGN);
    bench_responses(n, repeats < 1 ? 1 : repeats);
    bench_associations(m ? m : 1);
    return 0;
}

/* The benchmark's replay SCP is itself a peer under test: it must serve
 * exactly N responses, in each transfer syntax, to DCMTK's findscu and to the
 * drain client, honour the client's max PDU and C-CANCEL, and survive garbage.
 * Also: --fork serves associations at once, --latency delays every response,
 * and several C-FINDs on one association are each answered in full.
 * (No timing measured here: bench/run.sh measures, ctest only checks
 * behaviour; --latency is checked as a lower bound on the elapsed time.) */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "replay_peer.h"
#include "tmp_path.h"

#define DRAIN_CLIENT DQ_BINARY_DIR "/bench/drain_client"

/* Waits for the SCP to exit on its own (it was told how many associations). */
static void scp_wait(replay *s)
{
    int status = 0;
    for (int i = 0; i < 200; i++) {
        pid_t r = waitpid(s->pid, &status, WNOHANG);
        if (r == s->pid) {
            fclose(s->out);
            cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "replay_scp failed (status %d)", status);
            return;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
    fclose(s->out);
    cr_assert_fail("replay_scp did not exit after its associations");
}

/* Runs a shell command, returns its exit status and (optionally) its stdout. */
static int run(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run(char *out, size_t size, const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = 0;
    if (out) {
        size_t got;
        while (n + 1 < size && (got = fread(out + n, 1, size - 1 - n, p)) > 0)
            n += got;
        out[n] = '\0';
    } else {
        char sink[4096];
        while (fread(sink, 1, sizeof sink, p) > 0) {
        }
    }
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void make_tmpdir(char *dir, size_t size)
{
    cr_assert_not_null(dq_test_tmp_template(dir, size, "dq_replay_scp"));
    cr_assert_not_null(mkdtemp(dir));
}

static const char *const ts_names[] = {"implicit", "explicit", "big", "deflate"};

/* DCMTK findscu receives all N, in the syntax the SCP was told to pick; the
 * extracted files hold the counters of the last response. */
static void dcmtk_gets_n(const char *ts)
{
    enum { N = 37 };
    replay s;
    const char *args[] = {"-n", "37", "-t", ts, "-m", "1", NULL};
    replay_start(&s, args);
    char dir[64], out[8192];
    make_tmpdir(dir, sizeof dir);
    int rc = run(
        NULL, 0,
        "cd %s && findscu -S %s -k QueryRetrieveLevel=STUDY -k PatientName= -X 127.0.0.1 %d 2>&1",
        dir, strcmp(ts, "deflate") == 0 ? "-xd" : "", s.port);
    cr_assert_eq(rc, 0, "DCMTK findscu failed with %s", ts);
    char line[256], want[256];
    replay_line(&s, line, sizeof line);
    snprintf(want, sizeof want, "find assoc=1 msgid=1 ts=%s pending=%d status=0x0000", ts, N);
    cr_assert_str_eq(line, want);
    replay_line(&s, line, sizeof line);
    cr_assert_str_eq(line, "end assoc=1 how=release");
    scp_wait(&s);

    cr_assert_eq(run(out, sizeof out, "ls %s | wc -l", dir), 0);
    cr_assert_eq(atoi(out), N, "%s: DCMTK wrote %s files, wanted %d", ts, out, N);
    cr_assert_eq(run(out, sizeof out, "dcmdump %s/rsp0037.dcm", dir), 0);
    cr_assert(strstr(out, "[PID00000037]"), "%s: PatientID of response 37 missing:\n%s", ts, out);
    cr_assert(strstr(out, "[OTHER00000037]"), "%s: sequence item of response 37 missing", ts);
    cr_assert(strstr(out, "[2.25.166530453236120463514218337734500000037]"), "%s: StudyInstanceUID",
              ts);
    cr_assert_eq(run(NULL, 0, "rm -rf %s", dir), 0);
}

Test(replay_scp, dcmtk_implicit)
{
    dcmtk_gets_n("implicit");
}
Test(replay_scp, dcmtk_explicit)
{
    dcmtk_gets_n("explicit");
}
Test(replay_scp, dcmtk_big_endian)
{
    dcmtk_gets_n("big");
}
Test(replay_scp, dcmtk_deflated)
{
    dcmtk_gets_n("deflate");
}

/* The drain client proposes all four and gets each one the SCP prefers. */
Test(replay_scp, drain_each_transfer_syntax)
{
    for (size_t i = 0; i < 4; i++) {
        replay s;
        const char *args[] = {"-n", "1500", "-t", ts_names[i], "-m", "1", NULL};
        replay_start(&s, args);
        char out[256], want[256], line[256];
        int rc = run(out, sizeof out, "%s -t explicit,implicit,big,deflate -n 1500 127.0.0.1 %d",
                     DRAIN_CLIENT, s.port);
        cr_assert_eq(rc, 0, "drain_client failed with %s", ts_names[i]);
        snprintf(want, sizeof want, "pending=1500 status=0x0000 ts=%s ", ts_names[i]);
        cr_assert(strncmp(out, want, strlen(want)) == 0, "got '%s', want '%s...'", out, want);
        replay_line(&s, line, sizeof line);
        snprintf(want, sizeof want, "find assoc=1 msgid=1 ts=%s pending=1500 status=0x0000",
                 ts_names[i]);
        cr_assert_str_eq(line, want);
        scp_wait(&s);
    }
}

/* A syntax the client did not propose is never chosen: the context is refused. */
Test(replay_scp, unproposed_syntax_is_refused)
{
    replay s;
    const char *args[] = {"-t", "deflate", "-m", "1", NULL};
    replay_start(&s, args);
    char out[512];
    int rc =
        run(out, sizeof out, "%s -t explicit,implicit 127.0.0.1 %d 2>&1", DRAIN_CLIENT, s.port);
    cr_assert_eq(rc, 1);
    cr_assert(strstr(out, "presentation context refused"), "%s", out);
    char line[256];
    replay_line(&s, line, sizeof line);
    cr_assert(strncmp(line, "end assoc=1 how=", 16) == 0, "%s", line);
    scp_wait(&s);
}

/* Max PDU is honoured: 2 KB identifiers in PDUs of at most 300 bytes (the
 * drain client fails on any PDU above what it announced). */
Test(replay_scp, small_max_pdu_fragments)
{
    replay s;
    const char *args[] = {"-n", "200", "-s", "large", "-m", "1", NULL};
    replay_start(&s, args);
    char out[256];
    int rc = run(out, sizeof out, "%s -pdu 300 -n 200 127.0.0.1 %d", DRAIN_CLIENT, s.port);
    cr_assert_eq(rc, 0, "%s", out);
    unsigned long bytes = 0;
    cr_assert_eq(sscanf(out, "pending=200 status=0x0000 ts=explicit bytes=%lu", &bytes), 1, "%s",
                 out);
    cr_assert_geq(bytes / 200, 2000, "large identifiers are ~2 KB, got %lu", bytes / 200);
    scp_wait(&s);
}

/* C-CANCEL-RQ stops the stream and the final status is Cancel (0xFE00). */
Test(replay_scp, cancel_with_drain_client)
{
    replay s;
    const char *args[] = {"-n", "1000000", "-m", "1", NULL};
    replay_start(&s, args);
    char out[256], line[256];
    int rc = run(out, sizeof out, "%s --cancel 10 127.0.0.1 %d", DRAIN_CLIENT, s.port);
    cr_assert_eq(rc, 0, "%s", out);
    unsigned long pending = 0;
    cr_assert_eq(sscanf(out, "pending=%lu status=0xFE00", &pending), 1, "%s", out);
    cr_assert(pending >= 10 && pending < 1000000, "pending=%lu", pending);
    replay_line(&s, line, sizeof line);
    char want[128];
    snprintf(want, sizeof want, "find assoc=1 msgid=1 ts=explicit pending=%lu status=0xFE00",
             pending);
    cr_assert_str_eq(line, want);
    scp_wait(&s);
}

Test(replay_scp, cancel_with_dcmtk)
{
    replay s;
    const char *args[] = {"-n", "1000000", "-m", "1", NULL};
    replay_start(&s, args);
    int rc =
        run(NULL, 0, "findscu -S -q -k QueryRetrieveLevel=STUDY --cancel 5 127.0.0.1 %d", s.port);
    cr_assert_eq(rc, 0);
    char line[256];
    replay_line(&s, line, sizeof line);
    cr_assert(strstr(line, "status=0xFE00"), "%s", line);
    scp_wait(&s);
}

/* Garbage instead of an A-ASSOCIATE-RQ: the SCP aborts that connection and
 * serves the next association normally. */
Test(replay_scp, survives_garbage)
{
    replay s;
    const char *args[] = {"-n", "3", "-m", "3", NULL};
    replay_start(&s, args);
    static const unsigned char bad[][16] = {
        {0x01, 0, 0xFF, 0xFF, 0xFF, 0xFF},                      /* 4 GB A-ASSOCIATE-RQ */
        {0x01, 0, 0, 0, 0, 10, 0, 1, 0, 0, 'x', 'x', 'x', 'x'}, /* shorter than its fixed part */
    };
    for (size_t i = 0; i < 2; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s.port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
        cr_assert_eq(write(fd, bad[i], i == 0 ? 6 : 16), i == 0 ? 6 : 16);
        unsigned char reply[64];
        struct pollfd p = {.fd = fd, .events = POLLIN};
        cr_assert_gt(poll(&p, 1, 5000), 0);
        ssize_t n = read(fd, reply, sizeof reply);
        /* Either an A-ABORT or a plain close, never an association. */
        cr_assert(n == 0 || (n >= 1 && reply[0] == 0x07), "reply type %d", n > 0 ? reply[0] : -1);
        close(fd);
        char line[256];
        replay_line(&s, line, sizeof line);
        cr_assert(strstr(line, "how=error"), "%s", line);
    }
    char out[256];
    cr_assert_eq(run(out, sizeof out, "%s -n 3 127.0.0.1 %d", DRAIN_CLIENT, s.port), 0, "%s", out);
    scp_wait(&s);
}

/* Reads the SCP's next `count` report lines into lines[] (any order). */
static void scp_lines(replay *s, char (*lines)[256], size_t count)
{
    for (size_t i = 0; i < count; i++)
        replay_line(s, lines[i], sizeof lines[i]);
}

static bool has_line(char (*lines)[256], size_t count, const char *want)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(lines[i], want) == 0)
            return true;
    return false;
}

static int connect_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* --fork: a connection that says nothing does not hold up the next
 * association (served one after the other, the drain client would wait for
 * the SCP's 10 s timeout on the silent one and give up after its own 3 s). */
Test(replay_scp, fork_serves_associations_at_once)
{
    replay s;
    const char *args[] = {"--fork", "-n", "3", "-m", "2", NULL};
    replay_start(&s, args);
    int silent = connect_loopback(s.port);
    char out[256];
    int rc = run(out, sizeof out, "%s --timeout 3000 -n 3 127.0.0.1 %d 2>&1", DRAIN_CLIENT, s.port);
    cr_assert_eq(rc, 0, "second association not served while the first was open: %s", out);
    char lines[2][256];
    scp_lines(&s, lines, 2);
    cr_assert_str_eq(lines[0], "find assoc=2 msgid=1 ts=explicit pending=3 status=0x0000");
    cr_assert_str_eq(lines[1], "end assoc=2 how=release");
    close(silent);
    replay_line(&s, lines[0], sizeof lines[0]);
    cr_assert(strncmp(lines[0], "end assoc=1 how=no-request", 26) == 0, "%s", lines[0]);
    scp_wait(&s);
}

/* --fork: concurrent children share stdout; every association still gets its
 * own whole find and end lines, numbered 1..M without gaps or duplicates. */
Test(replay_scp, fork_reports_every_association)
{
    enum { CLIENTS = 4, EACH = 10, M = CLIENTS * EACH };
    replay s;
    const char *args[] = {"--fork", "-n", "5", "-m", "40", NULL};
    replay_start(&s, args);
    char cmd[512] = "";
    size_t len = 0;
    for (int c = 0; c < CLIENTS; c++)
        len += (size_t)snprintf(cmd + len, sizeof cmd - len,
                                "%s -q -r %d -n 5 127.0.0.1 %d & p%d=$!; ", DRAIN_CLIENT, EACH,
                                s.port, c);
    cr_assert_eq(run(NULL, 0, "%s wait $p0 && wait $p1 && wait $p2 && wait $p3", cmd), 0);
    static char lines[2 * M][256];
    scp_lines(&s, lines, 2 * M);
    for (int k = 1; k <= M; k++) {
        char want[128];
        snprintf(want, sizeof want, "find assoc=%d msgid=1 ts=explicit pending=5 status=0x0000", k);
        cr_assert(has_line(lines, 2 * M, want), "missing: %s", want);
        snprintf(want, sizeof want, "end assoc=%d how=release", k);
        cr_assert(has_line(lines, 2 * M, want), "missing: %s", want);
    }
    scp_wait(&s);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* --latency MS sleeps before every response, the 3 pending and the final:
 * at least 4 x 60 ms (once per query would be 60 ms, pending only 180 ms). */
Test(replay_scp, latency_before_each_response)
{
    replay s;
    const char *args[] = {"--latency", "60", "-n", "3", "-m", "1", NULL};
    replay_start(&s, args);
    char out[256];
    double t0 = now_s();
    int rc = run(out, sizeof out, "%s -n 3 127.0.0.1 %d 2>&1", DRAIN_CLIENT, s.port);
    double elapsed = now_s() - t0;
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_geq(elapsed, 0.240, "4 responses after 60 ms each took only %.3f s", elapsed);
    cr_assert_lt(elapsed, 10.0, "--latency is milliseconds, took %.3f s", elapsed);
    scp_wait(&s);
}

/* The SCP's report of association 1: `queries` C-FINDs with message IDs
 * 1..queries, each `pending` matches then Success, then a release. */
static void expect_queries(replay *s, int queries, int pending)
{
    char line[256], want[128];
    for (int id = 1; id <= queries; id++) {
        replay_line(s, line, sizeof line);
        snprintf(want, sizeof want, "find assoc=1 msgid=%d ts=explicit pending=%d status=0x0000",
                 id, pending);
        cr_assert_str_eq(line, want);
    }
    replay_line(s, line, sizeof line);
    cr_assert_str_eq(line, "end assoc=1 how=release");
}

/* Several C-FINDs on one association (DCMTK findscu --repeat: message IDs 1,
 * 2, 3): each gets its N matches and Success, with and without --fork. */
static void several_queries_per_association(bool fork_mode)
{
    replay s;
    const char *args[] = {"-n", "4", "-m", "1", fork_mode ? "--fork" : NULL, NULL};
    replay_start(&s, args);
    char dir[64], out[256];
    make_tmpdir(dir, sizeof dir);
    /* exit status, pending responses, final Success responses */
    int rc = run(out, sizeof out,
                 "findscu -S -v --repeat 3 -k QueryRetrieveLevel=STUDY 127.0.0.1 %d >%s/log 2>&1;"
                 " echo $? $(grep -c '(Pending)' %s/log)"
                 " $(grep -c 'Received Final Find Response (Success)' %s/log)",
                 s.port, dir, dir, dir);
    cr_assert_eq(rc, 0);
    int status = -1, pendings = -1, finals = -1;
    cr_assert_eq(sscanf(out, "%d %d %d", &status, &pendings, &finals), 3, "%s", out);
    cr_assert_eq(status, 0, "DCMTK findscu failed");
    cr_assert_eq(pendings, 12);
    cr_assert_eq(finals, 3);
    cr_assert_eq(run(NULL, 0, "rm -rf %s", dir), 0);
    expect_queries(&s, 3, 4);
    scp_wait(&s);
}

Test(replay_scp, several_queries_per_association)
{
    several_queries_per_association(false);
}
Test(replay_scp, several_queries_per_association_forked)
{
    several_queries_per_association(true);
}

/* The drain client's --queries (the batch floor): Q C-FINDs on one
 * association, message IDs 1..Q, each answered in full. */
Test(replay_scp, drain_several_queries)
{
    replay s;
    const char *args[] = {"-n", "2", "-m", "1", NULL};
    replay_start(&s, args);
    char out[256];
    int rc = run(out, sizeof out, "%s -n 2 --queries 5 127.0.0.1 %d 2>&1", DRAIN_CLIENT, s.port);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strncmp(out, "pending=10 status=0x0000 ts=explicit ", 37) == 0, "%s", out);
    cr_assert(strstr(out, " queries=5\n"), "%s", out);
    expect_queries(&s, 5, 2);
    scp_wait(&s);
}

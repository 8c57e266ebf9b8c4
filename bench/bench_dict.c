/* bench_dict: how fast the generator runs and how fast dictionary lookups are.
 *
 *   bench_dict [--dicomgen PATH] [--standard DIR] [--seconds S]
 *
 * 1. Runs `dicomgen --emit dict` and `--emit uids` (both read part06.xml, the
 *    largest part) on DIR, five times each, and reports the best and median wall
 *    time and the peak RSS of the child (from wait4's rusage, the same number
 *    `/usr/bin/time -v` prints as "Maximum resident set size").
 * 2. Measures lookups per second of CPU time on one core: dq_dict_find over every tag in
 *    the dictionary (exact ones as they are, masked ones with concrete digits),
 *    dq_dict_find over tags that are not in it (the miss path walks the masked
 *    tables too), dq_dict_find_keyword over every keyword, dq_uid_find over
 *    every UID.
 * Not a test: numbers go to docs/PERFORMANCE.md. */
#define _GNU_SOURCE /* wait4, mkdtemp, readlink: bench/CMakeLists.txt builds this as plain C11 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dq/dict.h"
#include "dq/version.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this thread: lookup rates per core even on a busy machine. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Runs argv; returns wall seconds, *cpu the child's user+system seconds,
 * *rss_kb its peak RSS. */
static double run_child(char *const argv[], double *cpu, long *rss_kb)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0) {
        perror("wait4");
        exit(1);
    }
    double t = now() - t0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "bench_dict: %s failed (status %d)\n", argv[0], st);
        exit(1);
    }
    *rss_kb = ru.ru_maxrss;
    *cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    return t;
}

static void bench_generator(const char *dicomgen, const char *standard)
{
    const char *tmp = getenv("TMPDIR");
    char outdir[512];
    snprintf(outdir, sizeof outdir, "%s/bench_dict_XXXXXX", (tmp && *tmp) ? tmp : "/tmp");
    if (!mkdtemp(outdir)) {
        perror("mkdtemp");
        exit(1);
    }
    static const char *const emitters[] = {"dict", "uids", "vrs"};
    for (size_t e = 0; e < sizeof emitters / sizeof *emitters; e++) {
        double t[5], cpu[5];
        long rss = 0, max_rss = 0;
        for (int i = 0; i < 5; i++) {
            char *argv[] = {(char *)dicomgen,    "--standard",   (char *)standard, "--emit",
                            (char *)emitters[e], "--output-dir", outdir,           NULL};
            t[i] = run_child(argv, &cpu[i], &rss);
            max_rss = rss > max_rss ? rss : max_rss;
        }
        qsort(t, 5, sizeof *t, cmp_double);
        qsort(cpu, 5, sizeof *cpu, cmp_double);
        printf(
            "dicomgen --emit %-5s  wall best %.3f s, median %.3f s; CPU median %.3f s; peak RSS %.1f MiB\n",
            emitters[e], t[0], t[2], cpu[2], (double)max_rss / 1024.0);
    }
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", outdir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_dict: could not remove %s\n", outdir);
}

static volatile uintptr_t sink; /* keeps the lookups from being optimised away */

#define MEASURE(label, n_keys, expr)                                         \
    do {                                                                     \
        double t0 = cpu_now(), t;                                            \
        size_t rounds = 0;                                                   \
        uintptr_t acc = 0;                                                   \
        do {                                                                 \
            for (size_t i = 0; i < (n_keys); i++)                            \
                acc += (uintptr_t)(expr);                                    \
            rounds++;                                                        \
        } while ((t = cpu_now() - t0) < seconds);                            \
        sink = acc;                                                          \
        printf("%-44s %7.1f M/s  (%zu keys, %.0f ns each)\n", label,         \
               (double)rounds *(double)(n_keys) / t / 1e6, (size_t)(n_keys), \
               t / ((double)rounds * (double)(n_keys)) * 1e9);               \
    } while (0)

static void bench_lookups(double seconds)
{
    size_t n = dq_dict_count(), nu = dq_uid_count();
    uint32_t *tags = malloc(n * sizeof *tags), *misses = malloc(n * sizeof *misses);
    const char **kws = malloc(n * sizeof *kws), **uids = malloc(nu * sizeof *uids);
    size_t nkw = 0, nmiss = 0;
    for (size_t i = 0; i < n; i++) {
        const dq_dict_entry *e = dq_dict_at(i);
        tags[i] = e->tag | (0x22222222u & ~e->mask); /* masked: concrete even digits */
        if (e->keyword[0])
            kws[nkw++] = e->keyword;
        /* Same group, element + 1: mostly absent from the dictionary. */
        uint32_t m = e->tag + 1;
        if (!dq_dict_find(m))
            misses[nmiss++] = m;
    }
    for (size_t i = 0; i < nu; i++)
        uids[i] = dq_uid_at(i)->uid;
    /* Shuffle so the order is not the table's own (cache-friendlier) order. */
    srand(1);
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)rand() % (i + 1);
        uint32_t t = tags[i];
        tags[i] = tags[j];
        tags[j] = t;
    }
    for (size_t i = nkw - 1; i > 0; i--) {
        size_t j = (size_t)rand() % (i + 1);
        const char *t = kws[i];
        kws[i] = kws[j];
        kws[j] = t;
    }
    MEASURE("dq_dict_find (every tag, shuffled)", n, dq_dict_find(tags[i]));
    MEASURE("dq_dict_find (absent tags: miss path)", nmiss, dq_dict_find(misses[i]));
    MEASURE("dq_dict_find_keyword (every keyword)", nkw, dq_dict_find_keyword(kws[i]));
    MEASURE("dq_uid_find (every UID)", nu, dq_uid_find(uids[i]));
    free(tags);
    free(misses);
    free(kws);
    free(uids);
}

int main(int argc, char **argv)
{
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    self[len > 0 ? len : 0] = 0;
    char dicomgen[PATH_MAX + 32];
    snprintf(dicomgen, sizeof dicomgen, "%s/../gen/dicomgen", dirname(self));
    const char *standard = getenv("DICOM_STANDARD_DIR");
    const char *gen = dicomgen;
    double seconds = 1.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dicomgen") == 0 && i + 1 < argc)
            gen = argv[++i];
        else if (strcmp(argv[i], "--standard") == 0 && i + 1 < argc)
            standard = argv[++i];
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_dict [--dicomgen PATH] [--standard DIR] [--seconds S]\n");
            return 2;
        }
    }
    printf("dictionary: %zu elements, %zu UIDs, %zu VRs; PS3.6 %s\n", dq_dict_count(),
           dq_uid_count(), dq_vr_count(), dq_edition_at(2) ? dq_edition_at(2)->release : "?");
    if (standard)
        bench_generator(gen, standard);
    else
        printf("(generator not timed: give --standard DIR or set DICOM_STANDARD_DIR)\n");
    bench_lookups(seconds);
    return 0;
}

/* bench_dataset: data set decode/encode speed and allocations.
 *
 *   bench_dataset [--seconds S]
 *
 * 1. A typical 15-element C-FIND identifier with one sequence (one item of
 *    two elements), explicit VR LE: decode + encode per data set, on one core
 *    (thread CPU time), in three ways: reusing one data set and one output
 *    buffer (what a C-FIND response loop does), a fresh data set per message,
 *    and the other three transfer syntaxes.
 * 2. Decode throughput (MB/s) on a large data set: 100,000 small text
 *    elements (~2.4 MB), and a 64 MB OW pixel data element.
 * 3. Allocations per decoded data set: the arena's malloc count.
 * 4. The JSON and XML writers (dq/json.h) on the identifier: decode alone,
 *    decode + dq_json_append, decode + dq_xml_append per data set (reused
 *    data set and output buffer, as a streaming sink runs them), also with a
 *    non-ASCII name (ISO_IR 100), which goes through the charset decoder.
 * Not a test: numbers go to docs/PERFORMANCE.md. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dq/dq.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const dq_error *err)
{
    fprintf(stderr, "bench_dataset: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

static dq_dataset *identifier(void)
{
    static const char *const keys[] = {
        "SpecificCharacterSet=ISO_IR 100",
        "StudyDate=20240101",
        "StudyTime=120000",
        "AccessionNumber=A0000123",
        "QueryRetrieveLevel=STUDY",
        "ModalitiesInStudy=CT\\MR",
        "ReferringPhysicianName=Doe^John",
        "StudyDescription=CHEST ABDOMEN PELVIS",
        "PatientName=CITIZEN^Jan",
        "PatientID=123456",
        "PatientBirthDate=19700101",
        "PatientSex=F",
        "OtherPatientIDsSequence[0].PatientID=XYZ",
        "OtherPatientIDsSequence[0].IssuerOfPatientID=HOSP",
        "StudyInstanceUID=1.2.826.0.1.3680043.8.498.12345678901234567890",
        "StudyID=42",
    };
    dq_dataset *ds = dq_dataset_new();
    dq_error err;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (dq_dataset_set_key(ds, keys[i], &err))
            die(keys[i], &err);
    return ds;
}

typedef struct result {
    double per_sec;
    long n;
} result;

typedef int (*text_writer)(dq_buffer *, const dq_dataset *, dq_text_stats *, dq_error *);

/* decode (+ write as text when w is not NULL) with a reused data set and
 * output buffer; *bytes: the text of one data set */
static result loop_text(const dq_buffer *in, text_writer w, double seconds, size_t *bytes)
{
    dq_dataset *ds = dq_dataset_new();
    dq_buffer out = {0};
    dq_text_stats st = {0};
    dq_error err;
    long n = 0;
    double t0 = cpu_now(), t;
    do {
        for (int k = 0; k < 1000; k++) {
            if (dq_dataset_decode_into(ds, in->data, in->len, DQ_TS_EXPLICIT_LE, NULL, &err))
                die("decode", &err);
            dq_buffer_reset(&out);
            if (w && w(&out, ds, &st, &err))
                die("write", &err);
        }
        n += 1000;
        t = cpu_now() - t0;
    } while (t < seconds);
    *bytes = out.len;
    dq_buffer_free(&out);
    dq_dataset_free(ds);
    return (result){(double)n / t, n};
}

static void text_writers(dq_dataset *id, const char *what, double seconds)
{
    static const char *const names[3] = {"decode only", "decode + JSON", "decode + XML"};
    static const text_writer writers[3] = {NULL, dq_json_append, dq_xml_append};
    dq_buffer in = {0};
    dq_error err;
    if (dq_dataset_encode(id, DQ_TS_EXPLICIT_LE, &in, &err))
        die("encode identifier", &err);
    double base = 0;
    for (int i = 0; i < 3; i++) {
        size_t bytes = 0;
        result r = loop_text(&in, writers[i], seconds, &bytes);
        if (i == 0)
            base = r.per_sec;
        printf("%-14s %s: %10.0f data sets/s, %.2f us each (%.2fx decode alone), %zu bytes of "
               "text\n",
               names[i], what, r.per_sec, 1e6 / r.per_sec, base / r.per_sec, bytes);
    }
    dq_buffer_free(&in);
}

/* decode+encode with a reused data set and buffer */
static result loop_reuse(const dq_buffer *in, dq_transfer_syntax ts, double seconds)
{
    dq_dataset *ds = dq_dataset_new();
    dq_buffer out = {0};
    dq_error err;
    long n = 0;
    double t0 = cpu_now(), t;
    do {
        for (int k = 0; k < 1000; k++) {
            if (dq_dataset_decode_into(ds, in->data, in->len, ts, NULL, &err))
                die("decode", &err);
            dq_buffer_reset(&out);
            if (dq_dataset_encode(ds, ts, &out, &err))
                die("encode", &err);
        }
        n += 1000;
        t = cpu_now() - t0;
    } while (t < seconds);
    if (out.len != in->len || memcmp(out.data, in->data, in->len))
        die("round trip differs", NULL);
    dq_buffer_free(&out);
    dq_dataset_free(ds);
    return (result){(double)n / t, n};
}

/* decode into a fresh data set + encode into a fresh buffer, then free */
static result loop_fresh(const dq_buffer *in, double seconds, size_t *mallocs)
{
    dq_error err;
    long n = 0;
    double t0 = cpu_now(), t;
    do {
        for (int k = 0; k < 1000; k++) {
            dq_dataset *ds;
            dq_buffer out = {0};
            if (dq_dataset_decode(in->data, in->len, DQ_TS_EXPLICIT_LE, NULL, &ds, &err))
                die("decode", &err);
            if (dq_dataset_encode(ds, DQ_TS_EXPLICIT_LE, &out, &err))
                die("encode", &err);
            if (k == 0)
                dq_dataset_memory(ds, NULL, mallocs);
            dq_buffer_free(&out);
            dq_dataset_free(ds);
        }
        n += 1000;
        t = cpu_now() - t0;
    } while (t < seconds);
    return (result){(double)n / t, n};
}

/* decode into one reused data set: no fresh pages, the steady state */
static double decode_mbps_reused(const dq_buffer *in, int reps)
{
    dq_error err;
    double best = 0;
    dq_dataset *ds = dq_dataset_new();
    for (int r = 0; r < reps; r++) {
        double t0 = cpu_now();
        if (dq_dataset_decode_into(ds, in->data, in->len, DQ_TS_EXPLICIT_LE, NULL, &err))
            die("decode large", &err);
        double t = cpu_now() - t0;
        double mbps = (double)in->len / 1e6 / t;
        if (mbps > best && r > 0)
            best = mbps;
    }
    dq_dataset_free(ds);
    return best;
}

static double decode_mbps(const dq_buffer *in, int reps, size_t *mallocs)
{
    dq_error err;
    double best = 0;
    for (int r = 0; r < reps; r++) {
        dq_dataset *ds;
        double t0 = cpu_now();
        if (dq_dataset_decode(in->data, in->len, DQ_TS_EXPLICIT_LE, NULL, &ds, &err))
            die("decode large", &err);
        double t = cpu_now() - t0;
        dq_dataset_memory(ds, NULL, mallocs);
        dq_dataset_free(ds);
        double mbps = (double)in->len / 1e6 / t;
        if (mbps > best)
            best = mbps;
    }
    return best;
}

int main(int argc, char **argv)
{
    double seconds = 2.0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
    dq_error err;
    dq_dataset *id = identifier();
    printf("identifier: %zu top-level elements (one sequence, one item of 2)\n",
           dq_dataset_count(id));
    static const dq_transfer_syntax order[] = {DQ_TS_EXPLICIT_LE, DQ_TS_IMPLICIT_LE,
                                               DQ_TS_EXPLICIT_BE, DQ_TS_DEFLATED_LE};
    for (size_t i = 0; i < 4; i++) {
        dq_buffer in = {0};
        if (dq_dataset_encode(id, order[i], &in, &err))
            die("encode identifier", &err);
        result r = loop_reuse(&in, order[i], order[i] == DQ_TS_DEFLATED_LE ? seconds / 2 : seconds);
        printf("decode+encode %-36s %4zu bytes: %10.0f data sets/s (reused data set)\n",
               dq_ts_name(order[i]), in.len, r.per_sec);
        if (order[i] == DQ_TS_EXPLICIT_LE) {
            size_t m = 0;
            result f = loop_fresh(&in, seconds, &m);
            printf("decode+encode %-36s %4zu bytes: %10.0f data sets/s (fresh data set + buffer)\n",
                   dq_ts_name(order[i]), in.len, f.per_sec);
            printf("allocations per decoded identifier: %zu (arena); per reused decode: 0\n", m);
        }
        dq_buffer_free(&in);
    }
    text_writers(id, "(ASCII)", seconds);
    if (dq_dataset_set_key(id, "PatientName=M\xc3\xbcller^J\xc3\xa9r\xc3\xb4me", &err) ||
        dq_dataset_encode_keys(id, NULL, NULL, &err))
        die("non-ASCII name", &err);
    text_writers(id, "(ISO_IR 100 name)", seconds);
    dq_dataset_free(id);

    /* large: many small elements */
    dq_dataset *big = dq_dataset_new();
    dq_element *seq = dq_dataset_set_sequence(big, DQ_TAG(0x0040, 0xA730), &err);
    for (int i = 0; i < 1000; i++) {
        dq_dataset *item = dq_element_add_item(seq, &err);
        for (int k = 0; k < 100; k++) {
            char v[24];
            snprintf(v, sizeof v, "VALUE %d.%d", i, k);
            dq_dataset_set_string(item, DQ_TAG(0x0011, 0x1000 + k), DQ_VR_CODE('L', 'O'), v, &err);
        }
    }
    dq_buffer in = {0};
    if (dq_dataset_encode(big, DQ_TS_EXPLICIT_LE, &in, &err))
        die("encode big", &err);
    size_t m = 0;
    double mbps = decode_mbps(&in, 5, &m);
    printf("decode 100,000 small elements in 1,000 items (%.1f MB): %.0f MB/s fresh (%zu mallocs), "
           "%.0f MB/s reused\n",
           (double)in.len / 1e6, mbps, m, decode_mbps_reused(&in, 6));
    dq_buffer_free(&in);
    dq_dataset_free(big);

    /* large: pixel data */
    big = dq_dataset_new();
    size_t px = (size_t)64 << 20;
    uint8_t *pix = calloc(1, px);
    dq_dataset_set_string(big, DQ_TAG(0x0010, 0x0010), 0, "BIG^IMAGE", &err);
    dq_dataset_set_bytes(big, DQ_TAG(0x7FE0, 0x0010), DQ_VR_CODE('O', 'W'), pix, px, &err);
    free(pix);
    dq_buffer_init(&in);
    if (dq_dataset_encode(big, DQ_TS_EXPLICIT_LE, &in, &err))
        die("encode pixels", &err);
    mbps = decode_mbps(&in, 5, &m);
    printf(
        "decode a 64 MiB OW pixel data set (%.1f MB): %.0f MB/s fresh (%zu mallocs), %.0f MB/s reused\n",
        (double)in.len / 1e6, mbps, m, decode_mbps_reused(&in, 4));
    dq_buffer_free(&in);
    dq_dataset_free(big);
    return 0;
}

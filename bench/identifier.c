/* bench/identifier.c: the replay SCP's response identifier (see identifier.h). */
#include "identifier.h"

#include <string.h>

/* '#' runs of DQ_BENCH_COUNTER_DIGITS in a value mark a counter field. */
static void note_counters(dq_bench_identifier *id, size_t base, const char *value)
{
    for (const char *p = value; (p = strchr(p, '#')) != NULL;) {
        size_t run = strspn(p, "#");
        if (run == DQ_BENCH_COUNTER_DIGITS && id->n_counters < DQ_BENCH_MAX_COUNTERS)
            id->counters[id->n_counters++] = base + (size_t)(p - value);
        p += run;
    }
}

static void add(dq_bench_identifier *id, dq_bench_buf *b, size_t base, dq_bench_ts ts, uint32_t tag,
                const char *vr, const char *value)
{
    size_t at = dq_bench_put_element(b, ts, tag, vr, value, strlen(value));
    note_counters(id, base + at, value);
}

/* Builds the data set with a PatientComments filler of `filler` bytes (large only). */
static void build(dq_bench_identifier *id, dq_bench_ts ts, bool large, size_t filler)
{
    dq_bench_buf *b = &id->bytes;
    b->len = 0;
    id->n_counters = 0;
    if (ts == DQ_BENCH_TS_DEFLATED_LE)
        ts = DQ_BENCH_TS_EXPLICIT_LE; /* deflated after encoding */

    add(id, b, 0, ts, 0x00080005, "CS", "ISO_IR 100");
    add(id, b, 0, ts, 0x00080020, "DA", "20240115");
    add(id, b, 0, ts, 0x00080030, "TM", "101530.250000");
    add(id, b, 0, ts, 0x00080050, "SH", "A########");
    add(id, b, 0, ts, 0x00080052, "CS", "STUDY");
    add(id, b, 0, ts, 0x00080054, "AE", "REPLAY_SCP");
    add(id, b, 0, ts, 0x00080061, "CS", "CT\\SR");
    if (large)
        add(id, b, 0, ts, 0x00080080, "LO", "General Hospital of Replayville, Radiology");
    add(id, b, 0, ts, 0x00080090, "PN", "REFERRER^ALEX^^DR");
    add(id, b, 0, ts, 0x00081030, "LO", "CT CHEST ABDOMEN PELVIS W CONTRAST ########");
    if (large)
        add(id, b, 0, ts, 0x00081060, "PN", "READER^SAM^^DR\\SECOND^ROBIN^^DR");
    add(id, b, 0, ts, 0x00100010, "PN", "DOE^JANE^########");
    add(id, b, 0, ts, 0x00100020, "LO", "PID########");
    add(id, b, 0, ts, 0x00100030, "DA", "19700101");
    add(id, b, 0, ts, 0x00100040, "CS", "F");

    /* OtherPatientIDsSequence with one item: an ID from a second issuer. */
    dq_bench_identifier item_counters = {0};
    dq_bench_buf item = {0};
    add(&item_counters, &item, 0, ts, 0x00100020, "LO", "OTHER########");
    add(&item_counters, &item, 0, ts, 0x00100021, "LO", "OTHER_HOSPITAL");
    add(&item_counters, &item, 0, ts, 0x00100022, "CS", "TEXT");
    const uint8_t *items[1] = {item.p};
    size_t item_len[1] = {item.len};
    size_t first = dq_bench_put_sequence(b, ts, 0x00101002, items, item_len, 1);
    for (size_t i = 0; i < item_counters.n_counters && id->n_counters < DQ_BENCH_MAX_COUNTERS; i++)
        id->counters[id->n_counters++] = first + item_counters.counters[i];
    dq_bench_buf_free(&item);

    if (large) {
        static const char words[] =
            "Follow-up of incidental finding; no known allergies; prior imaging "
            "available on request; contrast tolerated well. ";
        char text[DQ_BENCH_LARGE_SIZE + 64];
        size_t n = filler < sizeof text - 1 ? filler : sizeof text - 1;
        const char *head = "Patient ######## comments: ";
        size_t k = 0;
        for (; k < n && head[k]; k++)
            text[k] = head[k];
        for (size_t j = 0; k < n; k++, j++)
            text[k] = words[j % (sizeof words - 1)];
        text[n] = '\0';
        add(id, b, 0, ts, 0x00104000, "LT", text);
    }

    add(id, b, 0, ts, 0x0020000D, "UI", "2.25.1665304532361204635142183377345########");
    add(id, b, 0, ts, 0x00200010, "SH", "S########");
    add(id, b, 0, ts, 0x00201206, "IS", "3");
    add(id, b, 0, ts, 0x00201208, "IS", "241");
}

void dq_bench_identifier_build(dq_bench_identifier *id, dq_bench_ts ts, bool large)
{
    memset(id, 0, sizeof *id);
    build(id, ts, large, 0);
    if (large && id->bytes.len < DQ_BENCH_LARGE_SIZE) {
        size_t filler = DQ_BENCH_LARGE_SIZE - id->bytes.len;
        build(id, ts, large, filler & ~(size_t)1);
    }
    dq_bench_identifier_set(id, 0);
}

void dq_bench_identifier_set(dq_bench_identifier *id, uint32_t counter)
{
    char digits[DQ_BENCH_COUNTER_DIGITS];
    uint32_t v = counter;
    for (int i = DQ_BENCH_COUNTER_DIGITS - 1; i >= 0; i--) {
        digits[i] = (char)('0' + v % 10);
        v /= 10;
    }
    for (size_t i = 0; i < id->n_counters; i++)
        memcpy(id->bytes.p + id->counters[i], digits, DQ_BENCH_COUNTER_DIGITS);
}

void dq_bench_identifier_free(dq_bench_identifier *id)
{
    dq_bench_buf_free(&id->bytes);
    id->n_counters = 0;
}

/* findscu: the built-in sinks (see findscu_sink.h). */
#include "findscu_sink.h"

#include <stdatomic.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "findscu_log.h"

/* ---- log dump --------------------------------------------------------------- */

static void log_line(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    FS_INFO("%.*s", (int)len, line);
}

static int log_response(fs_sink *s, const fs_query_info *info, const dq_find_response *rsp,
                        dq_error *err)
{
    (void)s;
    (void)info;
    if (!rsp->pending || !rsp->identifier || !fs_log_enabled(FS_LEVEL_INFO))
        return 0;
    /* pynetdicom logs the block only when the identifier is not empty. */
    if (dq_dataset_count(rsp->identifier) == 0)
        return 0;
    FS_INFO("%s", "");
    FS_INFO("# Response Identifier");
    int r = dq_dataset_dump(rsp->identifier, log_line, NULL, err);
    FS_INFO("%s", "");
    return r;
}

static void free_sink(fs_sink *s)
{
    if (s) {
        free(s->state);
        free(s);
    }
}

fs_sink *fs_sink_log_new(void)
{
    fs_sink *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->name = "log";
    s->response = log_response;
    s->destroy = free_sink;
    return s;
}

/* ---- Part 10 files ------------------------------------------------------------ */

int fs_new_uid(char *buf, size_t cap, dq_error *err)
{
    uint8_t r[16];
    size_t got = 0;
    /* getrandom() first: one system call, no file descriptor per UID (-w
     * writes one file per match). /dev/urandom when the kernel lacks it. */
    while (got < sizeof r) {
        ssize_t n = getrandom(r + got, sizeof r - got, 0);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            break;
        }
        got += (size_t)n;
    }
    int fd = got == sizeof r ? -1 : open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        got = 0;
        while (got < sizeof r) {
            ssize_t n = read(fd, r + got, sizeof r - got);
            if (n <= 0) {
                if (n < 0 && errno == EINTR)
                    continue;
                break;
            }
            got += (size_t)n;
        }
        close(fd);
    }
    if (got != sizeof r)
        return dq_fail(err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "cannot read /dev/urandom for a new UID");
    /* A version 4 UUID (RFC 4122), as PS3.5 B.2 asks. */
    r[6] = (uint8_t)((r[6] & 0x0F) | 0x40);
    r[8] = (uint8_t)((r[8] & 0x3F) | 0x80);
    return fs_uid_from_uuid(r, buf, cap, err);
}

int fs_uid_from_uuid(const uint8_t r[16], char *buf, size_t cap, dq_error *err)
{
    /* 128-bit big-endian number to decimal: four 32-bit limbs divided by
     * 10^9 per pass (nine digits at a time, five passes at most; dividing
     * byte by byte by 10 cost ~10,000 instructions per UID, a third of -w). */
    uint32_t limb[4];
    for (size_t i = 0; i < 4; i++)
        limb[i] = (uint32_t)r[4 * i] << 24 | (uint32_t)r[4 * i + 1] << 16 |
                  (uint32_t)r[4 * i + 2] << 8 | r[4 * i + 3];
    char digits[48]; /* least significant first */
    size_t nd = 0;
    bool zero;
    do {
        uint64_t rem = 0;
        zero = true;
        for (size_t i = 0; i < 4; i++) {
            uint64_t cur = rem << 32 | limb[i];
            limb[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
            zero = zero && limb[i] == 0;
        }
        for (int k = 0; k < 9; k++) {
            digits[nd++] = (char)('0' + rem % 10);
            rem /= 10;
        }
    } while (!zero);
    while (nd > 1 && digits[nd - 1] == '0') /* the last pass's leading zeros */
        nd--;
    if (cap < 5 + nd + 1)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "UID buffer too small");
    memcpy(buf, "2.25.", 5);
    for (size_t i = 0; i < nd; i++)
        buf[5 + i] = digits[nd - 1 - i];
    buf[5 + nd] = '\0';
    return 0;
}

int fs_write_part10(const char *path, const dq_dataset *identifier, const fs_query_info *info,
                    dq_error *err)
{
    char uid[80];
    if (fs_new_uid(uid, sizeof uid, err) != 0)
        return -1;
    return dq_part10_write_file(path, identifier, info->ts, info->model_uid, uid, err);
}

typedef struct part10_state {
    char dir[4096];
    atomic_ulong own;   /* the next file number, unless shared */
    atomic_ulong *next; /* &own, or the counter sinks of several threads share */
} part10_state;

static int part10_response(fs_sink *s, const fs_query_info *info, const dq_find_response *rsp,
                           dq_error *err)
{
    part10_state *st = s->state;
    if (!rsp->pending || !rsp->identifier)
        return 0;
    char path[4200];
    snprintf(path, sizeof path, "%s%srsp%06lu.dcm", st->dir, st->dir[0] ? "/" : "",
             (unsigned long)atomic_fetch_add(st->next, 1));
    if (fs_write_part10(path, rsp->identifier, info, err) != 0) {
        /* The library's I/O message already names the file; say it once,
         * the way Python words the OSError pynetdicom's save_as() raises. */
        if (err && err->kind == DQ_ERR_IO && err->sys_errno) {
            int e = err->sys_errno;
            dq_error_set(err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "[Errno %d] %s: '%s'",
                         e, strerror(e), path);
            err->sys_errno = e;
        } else {
            dq_error_prefix(err, "%s", path);
        }
        return -1;
    }
    return 0;
}

static int dir_error(dq_error *err, int e, const char *what, const char *dir)
{
    dq_error_set(err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                 "Cannot %s the output directory '%s': [Errno %d] %s", what, dir, e, strerror(e));
    if (err)
        err->sys_errno = e;
    return -1;
}

int fs_output_dir_prepare(const char *dir, dq_error *err)
{
    char p[sizeof((part10_state *)0)->dir];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p)
        return dir_error(err, ENAMETOOLONG, "use", dir);
    memcpy(p, dir, n + 1);
    /* Each missing component in turn, as mkdir -p: "a/b/c" needs "a" and "a/b". */
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            return dir_error(err, errno, "create", dir);
        p[i] = c;
    }
    struct stat st;
    if (stat(dir, &st) != 0)
        return dir_error(err, errno, "create", dir);
    if (!S_ISDIR(st.st_mode))
        return dir_error(err, ENOTDIR, "create", dir);
    /* Writable? Create and remove a file: unlike access(2) this also holds
     * for root, read-only mounts and ACLs. */
    char probe[sizeof p + 32];
    snprintf(probe, sizeof probe, "%s/.findscu-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0)
        return dir_error(err, errno, "write to", dir);
    close(fd);
    unlink(probe);
    return 0;
}

fs_sink *fs_sink_part10_new(const char *dir)
{
    return fs_sink_part10_new_shared(dir, NULL);
}

fs_sink *fs_sink_part10_new_shared(const char *dir, atomic_ulong *counter)
{
    fs_sink *s = calloc(1, sizeof *s);
    part10_state *st = calloc(1, sizeof *st);
    if (!s || !st) {
        free(s);
        free(st);
        return NULL;
    }
    if (dir)
        snprintf(st->dir, sizeof st->dir, "%s", dir);
    atomic_init(&st->own, 1);
    st->next = counter ? counter : &st->own;
    s->name = "part10";
    s->response = part10_response;
    s->destroy = free_sink;
    s->state = st;
    return s;
}

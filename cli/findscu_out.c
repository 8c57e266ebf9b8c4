/* findscu: the --format destination (see findscu_out.h). */
#include "findscu_out.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A regular file gets big writes; below this a record waits in the buffer. */
#define FS_OUT_CHUNK (64 * 1024)

struct fs_out {
    int fd;
    bool regular; /* a regular file: no need to write each record at once */
    int error;    /* errno of the first failed write */
    bool (*interrupted)(void);
    char *path;       /* --output PATH, NULL for stdout */
    char *tmp;        /* its temporary name (NULL when written directly) */
    bool direct;      /* fs_out_open_direct: no temporary file */
    time_t last_sync; /* direct: when the data last reached the disk */
    dq_buffer buf;
};

static int out_fail(dq_error *err, int e, const char *path)
{
    dq_error_set(err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                 "Cannot write to '%s': [Errno %d] %s", path, e, strerror(e));
    if (err)
        err->sys_errno = e;
    return -1;
}

/* "dir/.name.XXXXXX" beside path. */
static char *temp_name(const char *path)
{
    char *d = strdup(path), *b = strdup(path);
    char *t = NULL;
    if (d && b) {
        const char *dir = dirname(d), *base = basename(b);
        size_t n = strlen(dir) + strlen(base) + 16;
        t = malloc(n);
        if (t)
            snprintf(t, n, "%s/.%s.XXXXXX", dir, base);
    }
    free(d);
    free(b);
    return t;
}

/* The temporary file, with the mode a plain creat(2) would give (mkstemp's
 * is 0600). */
static int open_temp(fs_out *o, dq_error *err)
{
    o->tmp = temp_name(o->path);
    if (!o->tmp)
        return out_fail(err, ENOMEM, o->path);
    struct stat st;
    if (stat(o->path, &st) == 0 && S_ISDIR(st.st_mode))
        return out_fail(err, EISDIR, o->path);
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0)
        return out_fail(err, errno, o->path);
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(o->fd, 0666 & ~mask) != 0) {
        int e = errno;
        close(o->fd);
        unlink(o->tmp);
        o->fd = -1;
        return out_fail(err, e, o->path);
    }
    return 0;
}

int fs_out_open(fs_out **out, const char *path, dq_error *err)
{
    *out = NULL;
    fs_out *o = calloc(1, sizeof *o);
    if (!o)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    dq_buffer_init(&o->buf);
    o->fd = STDOUT_FILENO;
    if (path) {
        o->path = strdup(path);
        if (!o->path || open_temp(o, err) != 0) {
            if (!o->path)
                out_fail(err, ENOMEM, path);
            free(o->tmp);
            free(o->path);
            free(o);
            return -1;
        }
    }
    struct stat st;
    o->regular = fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode);
    *out = o;
    return 0;
}

int fs_out_open_direct(fs_out **out, const char *path, bool append, dq_error *err)
{
    *out = NULL;
    fs_out *o = calloc(1, sizeof *o);
    if (!o || !(o->path = strdup(path))) {
        free(o);
        return out_fail(err, ENOMEM, path);
    }
    dq_buffer_init(&o->buf);
    o->direct = true;
    o->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0666);
    if (o->fd < 0) {
        int e = errno;
        free(o->path);
        free(o);
        return out_fail(err, e, path);
    }
    struct stat st;
    o->regular = fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode);
    o->last_sync = time(NULL);
    *out = o;
    return 0;
}

dq_buffer *fs_out_buffer(fs_out *o)
{
    return &o->buf;
}

/* Everything buffered to the descriptor; a failure is kept in o->error
 * (EPIPE needs SIGPIPE ignored, which findscu does with --format). */
static int drain(fs_out *o)
{
    size_t off = 0;
    while (!o->error && off < o->buf.len) {
        ssize_t w = write(o->fd, o->buf.data + off, o->buf.len - off);
        if (w < 0 && errno == EINTR && !(o->interrupted && o->interrupted()))
            continue;
        if (w <= 0)
            o->error = w < 0 ? errno : EIO;
        else
            off += (size_t)w;
    }
    dq_buffer_reset(&o->buf);
    return o->error ? -1 : 0;
}

int fs_out_record_done(fs_out *o, bool now)
{
    if (o->error) {
        dq_buffer_reset(&o->buf);
        return -1;
    }
    /* --output's temporary file has no reader until it is renamed; a
     * direct file is read by a later --resume, which must find every
     * finished row there after a crash: written at once, on the disk within
     * about a second (one fdatasync a second, not one per row). */
    if (now && o->direct) {
        if (drain(o))
            return -1;
        time_t t = time(NULL);
        if (o->regular && t != o->last_sync) {
            o->last_sync = t;
            if (fdatasync(o->fd) != 0)
                o->error = errno;
        }
        return o->error ? -1 : 0;
    }
    if ((now && !o->path) || !o->regular || o->buf.len >= FS_OUT_CHUNK)
        return drain(o);
    return 0;
}

void fs_out_set_interrupted(fs_out *o, bool (*interrupted)(void))
{
    o->interrupted = interrupted;
}

int fs_out_error(const fs_out *o)
{
    return o->error;
}

const char *fs_out_name(const fs_out *o)
{
    return o->path ? o->path : "standard output";
}

int fs_out_close(fs_out *o, bool keep, dq_error *err)
{
    if (!o)
        return 0;
    drain(o);
    int rc = 0;
    if (o->direct) {
        /* What was written stays, kept or not: its rows are complete. */
        if (!o->error && o->regular && fdatasync(o->fd) != 0)
            o->error = errno;
        if (close(o->fd) != 0 && !o->error)
            o->error = errno;
    } else if (o->path) {
        if (close(o->fd) != 0 && !o->error)
            o->error = errno;
        if (keep && !o->error && rename(o->tmp, o->path) != 0)
            o->error = errno;
        if (!keep || o->error)
            unlink(o->tmp);
    }
    if (o->error && keep)
        rc = out_fail(err, o->error, fs_out_name(o));
    dq_buffer_free(&o->buf);
    free(o->tmp);
    free(o->path);
    free(o);
    return rc;
}

/* DICOM Part 10 files (PS3.10 7.1): preamble, "DICM", File Meta Information
 * in explicit VR LE, then the data set in the meta's transfer syntax. Files
 * without preamble or meta are read too, guessing the encoding. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset_impl.h"

#define V(a, b) DQ_VR_CODE(a, b)

/* Guesses the encoding of a bare data set from its first element header, as
 * pydicom's force=True reading does: VR letters at bytes 4-5 mean explicit VR;
 * the byte order is the one giving the smaller group number. */
static void guess(const uint8_t *p, size_t len, bool *implicit, bool *be)
{
    *implicit = true;
    *be = false;
    if (len < 8)
        return;
    uint16_t gle = dq_le16(p), gbe = dq_be16(p);
    *be = gbe < gle;
    *implicit = !(p[4] >= 'A' && p[4] <= 'Z' && p[5] >= 'A' && p[5] <= 'Z' &&
                  dq_vr_info_get(DQ_VR_CODE(p[4], p[5])));
    if (*implicit)
        *be = false; /* Implicit VR Big Endian does not exist */
}

/* Skips the preamble and "DICM" if present (PS3.10 7.1), then decodes the
 * meta group into meta; *pos_out: where the data set starts. */
static int decode_meta(const uint8_t *buf, size_t len, const dq_limits *limits, dq_dataset *meta,
                       size_t *pos_out, dq_error *err)
{
    size_t pos = 0;
    if (len >= 132 && memcmp(buf + 128, "DICM", 4) == 0)
        pos = 132;
    else if (len >= 4 && memcmp(buf, "DICM", 4) == 0)
        pos = 4;
    /* The meta group: explicit VR LE by the standard; some writers use
     * implicit VR, which guess() recognises. */
    if (len - pos >= 8 && dq_le16(buf + pos) == DQ_FILE_META_GROUP) {
        bool implicit, be;
        guess(buf + pos, len - pos, &implicit, &be);
        size_t used = 0;
        if (dq_decode_raw(meta, buf + pos, len - pos, implicit, false, limits, DQ_FILE_META_GROUP,
                          pos, &used, err)) {
            dq_error_prefix(err, "file meta information");
            return -1;
        }
        pos += used;
    }
    *pos_out = pos;
    return 0;
}

/* The meta's Transfer Syntax UID (0002,0010), DQ_TS_UNKNOWN without one. */
static int meta_transfer_syntax(const dq_dataset *meta, size_t pos, dq_transfer_syntax *ts_out,
                                dq_error *err)
{
    *ts_out = DQ_TS_UNKNOWN;
    const dq_element *tse = dq_dataset_find(meta, DQ_TAG_TransferSyntaxUID);
    if (!tse)
        return 0;
    dq_transfer_syntax ts = dq_ts_from_uid((const char *)tse->value, tse->len);
    if (ts == DQ_TS_UNKNOWN) {
        /* Compressed pixel data syntaxes encode the data set as explicit
         * VR LE; anything else we do not know. The standard's transfer
         * syntaxes all sit under the Implicit VR Little Endian UID's arc
         * (PS3.6 Table A-1, PS3.5 Annex A). */
        static const char arc[] = DQ_UID_ImplicitVRLittleEndian ".";
        dq_str uid;
        if (dq_element_string(tse, 0, &uid, NULL) == 0 && uid.len > sizeof arc - 1 &&
            memcmp(uid.ptr, arc, sizeof arc - 1) == 0)
            ts = DQ_TS_EXPLICIT_LE;
        else
            return dq_fail(err, DQ_ERR_UNSUPPORTED, pos, DQ_TAG_TransferSyntaxUID,
                           "unsupported transfer syntax %.*s", (int)tse->len,
                           (const char *)tse->value);
    }
    *ts_out = ts;
    return 0;
}

/* The data set after the meta, in *ts; without a transfer syntax the
 * encoding is guessed and *ts set to the guess. */
static int decode_body(const uint8_t *buf, size_t len, size_t pos, const dq_limits *limits,
                       dq_transfer_syntax *ts, dq_dataset *ds, dq_error *err)
{
    if (*ts == DQ_TS_DEFLATED_LE)
        return dq_decode_deflated(ds, buf + pos, len - pos, limits, err);
    bool implicit, be;
    if (*ts == DQ_TS_UNKNOWN) {
        guess(buf + pos, len - pos, &implicit, &be);
        *ts = implicit ? DQ_TS_IMPLICIT_LE : be ? DQ_TS_EXPLICIT_BE : DQ_TS_EXPLICIT_LE;
    } else {
        implicit = dq_ts_is_implicit(*ts);
        be = dq_ts_is_big_endian(*ts);
    }
    return dq_decode_raw(ds, buf + pos, len - pos, implicit, be, limits, 0, pos, NULL, err) ? -1
                                                                                            : 0;
}

int dq_part10_decode(const uint8_t *buf, size_t len, const dq_limits *limits, dq_dataset **meta_out,
                     dq_dataset **ds_out, dq_transfer_syntax *ts_out, dq_error *err)
{
    size_t pos = 0;
    dq_transfer_syntax ts = DQ_TS_UNKNOWN;
    dq_dataset *meta = dq_dataset_new(), *ds = dq_dataset_new();
    *ds_out = NULL;
    if (meta_out)
        *meta_out = NULL;
    if (!meta || !ds) {
        dq_error_set(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
        goto fail;
    }
    if (decode_meta(buf, len, limits, meta, &pos, err) ||
        meta_transfer_syntax(meta, pos, &ts, err) ||
        decode_body(buf, len, pos, limits, &ts, ds, err))
        goto fail;
    if (ts_out)
        *ts_out = ts;
    if (meta_out)
        *meta_out = meta;
    else
        dq_dataset_free(meta);
    *ds_out = ds;
    return 0;
fail:
    dq_dataset_free(meta);
    dq_dataset_free(ds);
    return -1;
}

/* An I/O failure on path, keeping the system's errno for the caller. */
static int io_fail(dq_error *err, const char *path, int e)
{
    dq_error_set(err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "%s: %s", path, strerror(e));
    if (err)
        err->sys_errno = e;
    return -1;
}

/* Opens path for reading if it is a regular file within the input limit;
 * *size: its size. */
static int open_input(const char *path, const dq_limits *limits, FILE **f_out, size_t *size,
                      dq_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return io_fail(err, path, errno);
    struct stat st;
    int st_rc = fstat(fileno(f), &st);
    if (st_rc == 0 && S_ISDIR(st.st_mode)) {
        /* fopen() opens a directory for reading; only read() says EISDIR. */
        fclose(f);
        return io_fail(err, path, EISDIR);
    }
    if (st_rc != 0 || st.st_size < 0 || (uint64_t)st.st_size > limits->max_input) {
        fclose(f);
        return dq_fail(err, DQ_ERR_LIMIT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "%s: not a regular file or larger than %zu bytes", path, limits->max_input);
    }
    *f_out = f;
    *size = (size_t)st.st_size;
    return 0;
}

/* The n bytes of f, which it closes, in a malloc'd *buf_out. */
static int read_all(FILE *f, const char *path, size_t n, uint8_t **buf_out, dq_error *err)
{
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    }
    size_t got = fread(buf, 1, n, f);
    int read_errno = ferror(f) ? errno : 0;
    fclose(f);
    if (got != n) {
        free(buf);
        if (read_errno)
            return io_fail(err, path, read_errno);
        return dq_fail(err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "%s: short read", path);
    }
    *buf_out = buf;
    return 0;
}

int dq_part10_read_file(const char *path, const dq_limits *limits, dq_dataset **meta_out,
                        dq_dataset **ds_out, dq_transfer_syntax *ts_out, dq_error *err)
{
    dq_limits def;
    if (!limits) {
        dq_limits_default(&def);
        limits = &def;
    }
    *ds_out = NULL;
    if (meta_out)
        *meta_out = NULL;
    FILE *f = NULL;
    size_t n = 0;
    uint8_t *buf = NULL;
    if (open_input(path, limits, &f, &n, err) || read_all(f, path, n, &buf, err))
        return -1;
    int rc = dq_part10_decode(buf, n, limits, meta_out, ds_out, ts_out, err);
    if (rc)
        dq_error_prefix(err, "%s", path);
    free(buf);
    return rc;
}

static int put_uid(dq_dataset *meta, uint32_t tag, const char *uid, dq_error *err)
{
    return dq_dataset_set_bytes(meta, tag, V('U', 'I'), uid, uid ? strlen(uid) : 0, err);
}

/* The data set's own value for tag (first value, trimmed) as a C string. */
static const char *uid_from(const dq_dataset *ds, uint32_t tag, char *buf, size_t cap)
{
    dq_str s;
    if (dq_dataset_get_string(ds, tag, &s, NULL) || s.len >= cap)
        return "";
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = 0;
    return buf;
}

int dq_part10_encode(const dq_dataset *ds, dq_transfer_syntax ts, const char *sop_class_uid,
                     const char *sop_instance_uid, dq_buffer *out, dq_error *err)
{
    if (!dq_ts_uid(ts))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "unknown transfer syntax");
    char cls[80], inst[80];
    if (!sop_class_uid)
        sop_class_uid = uid_from(ds, DQ_TAG_SOPClassUID, cls, sizeof cls);
    if (!sop_instance_uid)
        sop_instance_uid = uid_from(ds, DQ_TAG_SOPInstanceUID, inst, sizeof inst);
    dq_dataset *meta = dq_dataset_new();
    if (!meta)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    static const uint8_t version[2] = {0x00, 0x01};
    size_t start = out->len;
    int rc = dq_dataset_set_bytes(meta, DQ_TAG_FileMetaInformationGroupLength, V('U', 'L'),
                                  "\0\0\0\0", 4, err);
    rc = rc ? rc
            : dq_dataset_set_bytes(meta, DQ_TAG_FileMetaInformationVersion, V('O', 'B'), version, 2,
                                   err);
    rc = rc ? rc : put_uid(meta, DQ_TAG_MediaStorageSOPClassUID, sop_class_uid, err);
    rc = rc ? rc : put_uid(meta, DQ_TAG_MediaStorageSOPInstanceUID, sop_instance_uid, err);
    rc = rc ? rc : put_uid(meta, DQ_TAG_TransferSyntaxUID, dq_ts_uid(ts), err);
    rc = rc ? rc : put_uid(meta, DQ_TAG_ImplementationClassUID, DQ_IMPLEMENTATION_CLASS_UID, err);
    rc = rc ? rc
            : dq_dataset_set_bytes(meta, DQ_TAG_ImplementationVersionName, V('S', 'H'),
                                   DQ_IMPLEMENTATION_VERSION_NAME,
                                   strlen(DQ_IMPLEMENTATION_VERSION_NAME), err);
    rc = rc ? rc : dq_buffer_reserve(out, 132, err);
    if (rc == 0) {
        memset(out->data + out->len, 0, 128);
        memcpy(out->data + out->len + 128, "DICM", 4);
        out->len += 132;
        /* Group length (0002,0000) is recomputed by the encoder. */
        rc = dq_encode_raw(meta, false, false, 0, out, err);
    }
    if (rc == 0) {
        if (ts == DQ_TS_DEFLATED_LE) {
            dq_buffer plain;
            dq_buffer_init(&plain);
            rc = dq_encode_raw(ds, false, false, DQ_FILE_META_GROUP, &plain, err);
            if (rc == 0)
                rc = dq_deflate_raw(plain.data, plain.len, out, err);
            dq_buffer_free(&plain);
        } else {
            rc = dq_encode_raw(ds, dq_ts_is_implicit(ts), dq_ts_is_big_endian(ts),
                               DQ_FILE_META_GROUP, out, err);
        }
    }
    dq_dataset_free(meta);
    if (rc)
        out->len = start;
    return rc ? -1 : 0;
}

int dq_part10_write_file(const char *path, const dq_dataset *ds, dq_transfer_syntax ts,
                         const char *sop_class_uid, const char *sop_instance_uid, dq_error *err)
{
    dq_buffer b;
    dq_buffer_init(&b);
    if (dq_part10_encode(ds, ts, sop_class_uid, sop_instance_uid, &b, err)) {
        dq_buffer_free(&b);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    int rc = 0;
    if (!f || fwrite(b.data, 1, b.len, f) != b.len)
        rc = io_fail(err, path, errno);
    if (f && fclose(f) != 0 && rc == 0)
        rc = io_fail(err, path, errno);
    dq_buffer_free(&b);
    return rc;
}

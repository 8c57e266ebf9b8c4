/* Deflated Explicit VR Little Endian: raw deflate streams (RFC 1951, no zlib
 * header), inflated with a hard cap on the output so a small "deflate bomb"
 * cannot make us allocate without bound. */
#include <zlib.h>

#include "dataset_impl.h"

int dq_inflate_raw(const uint8_t *in, size_t len, size_t max_out, dq_buffer *out, dq_error *err)
{
    z_stream z = {0};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "inflateInit2 failed");
    size_t in_pos = 0;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (out->len >= max_out) {
            inflateEnd(&z);
            return dq_fail(err, DQ_ERR_LIMIT, in_pos, DQ_ERROR_NO_TAG,
                           "inflated data exceeds the limit of %zu bytes", max_out);
        }
        size_t want = out->cap - out->len;
        if (want < 16384) {
            if (dq_buffer_reserve(out, out->len < 16384 ? 16384 : out->len, err)) {
                inflateEnd(&z);
                return -1;
            }
            want = out->cap - out->len;
        }
        if (want > max_out - out->len + 1)
            want = max_out - out->len + 1; /* one byte over the cap proves it is over */
        if (want > UINT32_MAX)
            want = UINT32_MAX;
        size_t chunk = len - in_pos > UINT32_MAX ? UINT32_MAX : len - in_pos;
        z.next_in = (Bytef *)(in + in_pos);
        z.avail_in = (uInt)chunk;
        z.next_out = out->data + out->len;
        z.avail_out = (uInt)want;
        rc = inflate(&z, Z_NO_FLUSH);
        in_pos += chunk - z.avail_in;
        out->len += want - z.avail_out;
        if (rc == Z_BUF_ERROR && z.avail_in == 0 && in_pos == len) {
            inflateEnd(&z);
            return dq_fail(err, DQ_ERR_MALFORMED, in_pos, DQ_ERROR_NO_TAG,
                           "deflate stream is truncated");
        }
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            inflateEnd(&z);
            return dq_fail(err, DQ_ERR_MALFORMED, in_pos, DQ_ERROR_NO_TAG,
                           "invalid deflate data: %s", z.msg ? z.msg : "error");
        }
    }
    inflateEnd(&z);
    if (out->len > max_out)
        return dq_fail(err, DQ_ERR_LIMIT, in_pos, DQ_ERROR_NO_TAG,
                       "inflated data exceeds the limit of %zu bytes", max_out);
    return 0;
}

int dq_deflate_raw(const uint8_t *in, size_t len, dq_buffer *out, dq_error *err)
{
    z_stream z = {0};
    /* A window and hash no bigger than the input: zlib's defaults take ~270 KB
     * per stream, which costs more than compressing a 300-byte identifier. Any
     * inflater with a 32 KB window reads the result. */
    int wbits = 9, mem_level;
    while (wbits < MAX_WBITS && ((size_t)1 << wbits) < len)
        wbits++;
    mem_level = wbits - 6 > 8 ? 8 : wbits - 6;
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -wbits, mem_level,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "deflateInit2 failed");
    size_t bound = deflateBound(&z, (uLong)len) + 1;
    size_t start = out->len;
    if (len > UINT32_MAX || dq_buffer_reserve(out, bound, err)) {
        deflateEnd(&z);
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "cannot deflate %zu bytes", len);
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = out->data + out->len;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        out->len = start;
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "deflate failed");
    }
    out->len += bound - z.avail_out;
    if ((out->len - start) & 1u)
        out->data[out->len++] = 0; /* data sets have even length */
    return 0;
}

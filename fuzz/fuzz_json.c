/* Harness: the JSON and XML writers (dq/json.h) on any decoded data set.
 * Byte 0 bits 0-1 pick the syntax (implicit LE, explicit LE, deflated LE,
 * explicit BE); the rest is the data set. Whatever the data set holds, the
 * output must be what a strict reader takes: the JSON goes through the
 * RFC 8259 validator below (UTF-8 included, every data set key 8 uppercase
 * hex digits), the XML through libxml2's parser without recovery; a
 * rejection abort()s. Writing twice must give the same bytes. */
#include <libxml/parser.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dq/json.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- a strict JSON validator (RFC 8259) ---------------------------------- */

typedef struct jv {
    const uint8_t *p, *end;
    unsigned depth;
} jv;

static bool value(jv *v, bool dataset);

static void ws(jv *v)
{
    while (v->p < v->end && (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' || *v->p == '\r'))
        v->p++;
}

static bool lit(jv *v, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(v->end - v->p) < n || memcmp(v->p, s, n) != 0)
        return false;
    v->p += n;
    return true;
}

/* One UTF-8 character (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
static bool utf8_char(jv *v)
{
    const uint8_t *s = v->p;
    size_t left = (size_t)(v->end - s), n;
    uint32_t c;
    if (s[0] < 0x80)
        n = 1, c = s[0];
    else if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2, c = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3, c = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4, c = s[0] & 0x07;
    else
        return false;
    if (n > left)
        return false;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return false;
        c = c << 6 | (s[i] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return false;
    v->p += n;
    return true;
}

static bool hex4(jv *v)
{
    for (int i = 0; i < 4; i++, v->p++)
        if (v->p >= v->end || !strchr("0123456789abcdefABCDEF", *v->p) || !*v->p)
            return false;
    return true;
}

/* A string; *key_ok: whether it is 8 uppercase hex digits (a tag). */
static bool string(jv *v, bool *key_ok)
{
    const uint8_t *start = v->p + 1;
    if (!lit(v, "\""))
        return false;
    while (v->p < v->end && *v->p != '"') {
        if (*v->p < 0x20)
            return false;
        if (*v->p == '\\') {
            v->p++;
            if (v->p >= v->end)
                return false;
            uint8_t e = *v->p++;
            if (e == 'u' ? !hex4(v) : !strchr("\"\\/bfnrt", e) || !e)
                return false;
        } else if (!utf8_char(v)) {
            return false;
        }
    }
    if (key_ok) {
        size_t n = (size_t)(v->p - start);
        *key_ok = n == 8;
        for (size_t i = 0; i < n && *key_ok; i++)
            *key_ok = strchr("0123456789ABCDEF", start[i]) && start[i];
    }
    return lit(v, "\"");
}

static bool digits(jv *v)
{
    const uint8_t *s = v->p;
    while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
        v->p++;
    return v->p > s;
}

static bool number(jv *v)
{
    if (v->p < v->end && *v->p == '-')
        v->p++;
    if (v->p < v->end && *v->p == '0')
        v->p++;
    else if (!digits(v))
        return false;
    if (v->p < v->end && *v->p == '.' && (v->p++, !digits(v)))
        return false;
    if (v->p < v->end && (*v->p == 'e' || *v->p == 'E')) {
        v->p++;
        if (v->p < v->end && (*v->p == '+' || *v->p == '-'))
            v->p++;
        if (!digits(v))
            return false;
    }
    return true;
}

/* dataset: an object whose keys must be tags (the top level; items are
 * checked as values, where a PN object's keys are names). */
static bool members(jv *v, char close, bool dataset)
{
    ws(v);
    if (lit(v, close == '}' ? "}" : "]"))
        return true;
    for (;;) {
        ws(v);
        if (close == '}') {
            bool tag = false;
            if (!string(v, &tag) || (dataset && !tag))
                return false;
            ws(v);
            if (!lit(v, ":"))
                return false;
        }
        if (!value(v, false))
            return false;
        ws(v);
        if (lit(v, ","))
            continue;
        return lit(v, close == '}' ? "}" : "]");
    }
}

static bool value(jv *v, bool dataset)
{
    ws(v);
    if (v->p >= v->end || ++v->depth > 512)
        return false;
    bool ok;
    switch (*v->p) {
    case '{':
        v->p++;
        ok = members(v, '}', dataset);
        break;
    case '[':
        v->p++;
        ok = members(v, ']', false);
        break;
    case '"': ok = string(v, NULL); break;
    case 't': ok = lit(v, "true"); break;
    case 'f': ok = lit(v, "false"); break;
    case 'n': ok = lit(v, "null"); break;
    default: ok = number(v);
    }
    v->depth--;
    return ok;
}

static void check_json(const dq_buffer *b)
{
    jv v = {b->data, b->data + b->len, 0};
    if (!b->len || b->data[0] != '{' || !value(&v, true) || (ws(&v), v.p != v.end)) {
        fprintf(stderr, "invalid JSON at byte %zu of %zu\n", (size_t)(v.p - b->data), b->len);
        abort();
    }
}

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void check_xml(const dq_buffer *b)
{
    xmlDocPtr doc = xmlReadMemory((const char *)b->data, (int)b->len, "fuzz.xml", "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        fprintf(stderr, "invalid XML: %.*s\n", (int)(b->len > 2000 ? 2000 : b->len),
                (const char *)b->data);
        abort();
    }
    xmlFreeDoc(doc);
}

/* Writes ds twice with w; the two must agree and pass check. */
static void write_twice(int (*w)(dq_buffer *, const dq_dataset *, dq_text_stats *, dq_error *),
                        const dq_dataset *ds, void (*check)(const dq_buffer *))
{
    dq_buffer a = {0}, b = {0};
    dq_text_stats sa = {0}, sb = {0};
    dq_error err;
    int ra = w(&a, ds, &sa, &err), rb = w(&b, ds, &sb, &err);
    if (ra != rb || a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0) ||
        sa.replaced_bytes != sb.replaced_bytes || sa.bad_numbers != sb.bad_numbers)
        abort();
    if (ra == 0)
        check(&a);
    dq_buffer_free(&a);
    dq_buffer_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        xmlInitParser();
        xmlSetGenericErrorFunc(NULL, quiet);
        init = true;
    }
    if (size < 1)
        return 0;
    dq_limits lim;
    dq_fuzz_limits(&lim);
    dq_dataset *ds = NULL;
    dq_error err;
    if (dq_dataset_decode(data + 1, size - 1, (dq_transfer_syntax)(data[0] & 3), &lim, &ds, &err) ==
        0) {
        write_twice(dq_json_append, ds, check_json);
        write_twice(dq_xml_append, ds, check_xml);
    }
    dq_dataset_free(ds);
    return 0;
}

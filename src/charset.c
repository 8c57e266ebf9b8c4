/* Specific Character Set (0008,0005): text values to UTF-8 for display and
 * UTF-8 query values to the requested set, with glibc iconv. ISO 2022 code
 * extensions (PS3.5 6.1.2.5) are handled by tracking the G0/G1 designations
 * from escape sequences and converting each run with the set in force.
 * Bytes that do not convert are shown as "\xNN", never dropped. */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_impl.h"

/* A coded character set: the Defined Term(s) naming it, the iconv name for
 * its bytes, and for ISO 2022 the escape sequence designating it. */
typedef struct cset {
    const char *term;       /* "ISO_IR 100" */
    const char *term2022;   /* "ISO 2022 IR 100" */
    const char *iconv;      /* "ISO-8859-1"; NULL: ASCII */
    const char *esc;        /* designation escape (without ESC), NULL if none */
    bool g1;                /* designated to G1 (high bytes) rather than G0 */
    bool multibyte_g0;      /* JIS X 0208/0212: 7-bit byte pairs in G0 */
} cset;

static const cset sets[] = {
    {"ISO_IR 6", "ISO 2022 IR 6", NULL, "(B", false, false},
    {"ISO_IR 100", "ISO 2022 IR 100", "ISO-8859-1", "-A", true, false},
    {"ISO_IR 101", "ISO 2022 IR 101", "ISO-8859-2", "-B", true, false},
    {"ISO_IR 109", "ISO 2022 IR 109", "ISO-8859-3", "-C", true, false},
    {"ISO_IR 110", "ISO 2022 IR 110", "ISO-8859-4", "-D", true, false},
    {"ISO_IR 144", "ISO 2022 IR 144", "ISO-8859-5", "-L", true, false},
    {"ISO_IR 127", "ISO 2022 IR 127", "ISO-8859-6", "-G", true, false},
    {"ISO_IR 126", "ISO 2022 IR 126", "ISO-8859-7", "-F", true, false},
    {"ISO_IR 138", "ISO 2022 IR 138", "ISO-8859-8", "-H", true, false},
    {"ISO_IR 148", "ISO 2022 IR 148", "ISO-8859-9", "-M", true, false},
    {"ISO_IR 203", "ISO 2022 IR 203", "ISO-8859-15", "-b", true, false},
    {"ISO_IR 166", "ISO 2022 IR 166", "TIS-620", "-T", true, false},
    /* JIS X 0201: katakana in G1 (the high bytes of Shift_JIS), romaji in G0. */
    {"ISO_IR 13", "ISO 2022 IR 13", "SHIFT_JIS", ")I", true, false},
    {NULL, "ISO 2022 IR 13", NULL, "(J", false, false},
    {NULL, "ISO 2022 IR 87", "ISO-2022-JP-2", "$B", false, true},
    {NULL, "ISO 2022 IR 159", "ISO-2022-JP-2", "$(D", false, true},
    {NULL, "ISO 2022 IR 149", "EUC-KR", "$)C", true, false},
    {NULL, "ISO 2022 IR 58", "GB2312", "$)A", true, false},
    {"ISO_IR 192", NULL, "UTF-8", NULL, false, false},
    {"GB18030", NULL, "GB18030", NULL, false, false},
    {"GBK", NULL, "GBK", NULL, false, false},
};
#define NSETS (sizeof sets / sizeof sets[0])

static bool eq(dq_str s, const char *t) { return t && strlen(t) == s.len && memcmp(s.ptr, t, s.len) == 0; }

static const cset *find_term(dq_str term)
{
    for (size_t i = 0; i < NSETS; i++)
        if (eq(term, sets[i].term) || eq(term, sets[i].term2022))
            return &sets[i];
    return NULL;
}

static dq_str trimmed(const char *p, size_t n)
{
    while (n && (p[n - 1] == ' ' || p[n - 1] == 0))
        n--;
    while (n && *p == ' ') {
        p++;
        n--;
    }
    return (dq_str){p, n};
}

/* The index-th value of a Specific Character Set. */
static bool term_at(const char *cs, size_t index, dq_str *out)
{
    const char *p = cs, *end = cs + strlen(cs);
    for (size_t i = 0; i < index; i++) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        if (!bs)
            return false;
        p = bs + 1;
    }
    const char *bs = memchr(p, '\\', (size_t)(end - p));
    *out = trimmed(p, (size_t)((bs ? bs : end) - p));
    return true;
}

static int put_escaped(dq_buffer *out, uint8_t c, dq_error *err)
{
    char t[5];
    snprintf(t, sizeof t, "\\x%02X", c);
    return dq_buffer_append(out, t, 4, err);
}

/* iconv_open costs tens of microseconds (it loads gconv modules and builds
 * tables), more than converting a typical value, so each thread keeps a few
 * open descriptors. iconv_t is not thread-safe, hence per thread; a
 * thread-specific key closes them when the thread exits. */
#define ICONV_CACHE_SLOTS 8

typedef struct iconv_slot {
    const char *to, *from; /* static strings: the cset table or "UTF-8" */
    iconv_t cd;
} iconv_slot;

typedef struct iconv_cache {
    iconv_slot slot[ICONV_CACHE_SLOTS];
    unsigned next; /* round-robin victim once full */
} iconv_cache;

static pthread_key_t iconv_cache_key;
static pthread_once_t iconv_cache_once = PTHREAD_ONCE_INIT;

static void iconv_cache_free(void *p)
{
    iconv_cache *c = p;
    for (size_t i = 0; i < ICONV_CACHE_SLOTS; i++)
        if (c->slot[i].to)
            iconv_close(c->slot[i].cd);
    free(c);
}

static void iconv_cache_init(void)
{
    if (pthread_key_create(&iconv_cache_key, iconv_cache_free) != 0)
        abort(); /* only fails when the process is out of keys at startup */
}

/* An iconv descriptor in its initial shift state, or (iconv_t)-1 with errno
 * set. Not closed by the caller. Falls back to an uncached descriptor the
 * caller must close (*owned) if the cache cannot be allocated. */
static iconv_t iconv_get(const char *to, const char *from, bool *owned)
{
    *owned = false;
    pthread_once(&iconv_cache_once, iconv_cache_init);
    iconv_cache *c = pthread_getspecific(iconv_cache_key);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c || pthread_setspecific(iconv_cache_key, c) != 0) {
            free(c);
            *owned = true;
            return iconv_open(to, from);
        }
    }
    for (size_t i = 0; i < ICONV_CACHE_SLOTS; i++) {
        iconv_slot *s = &c->slot[i];
        if (s->to && strcmp(s->to, to) == 0 && strcmp(s->from, from) == 0) {
            iconv(s->cd, NULL, NULL, NULL, NULL); /* back to the initial state */
            return s->cd;
        }
    }
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1)
        return cd;
    iconv_slot *s = &c->slot[c->next];
    c->next = (c->next + 1) % ICONV_CACHE_SLOTS;
    if (s->to)
        iconv_close(s->cd);
    *s = (iconv_slot){to, from, cd};
    return cd;
}

static void iconv_put(iconv_t cd, bool owned)
{
    if (owned)
        iconv_close(cd);
}

/* Converts in[0..n) from `from` to UTF-8 with iconv; bytes it rejects are
 * escaped and skipped. prefix/suffix (e.g. ISO 2022 escapes) are fed around
 * the bytes but produce no output of their own. */
static int conv(const char *from, const char *prefix, const uint8_t *in, size_t n,
                dq_buffer *out, dq_error *err)
{
    if (!from) {
        /* ASCII: copy runs at once (every dumped text value comes here). */
        size_t i = 0;
        while (i < n) {
            size_t j = i;
            while (j < n && in[j] < 0x80)
                j++;
            if (j > i && dq_buffer_append(out, in + i, j - i, err))
                return -1;
            if (j < n && put_escaped(out, in[j++], err))
                return -1;
            i = j;
        }
        return 0;
    }
    bool owned;
    iconv_t cd = iconv_get("UTF-8", from, &owned);
    if (cd == (iconv_t)-1)
        return dq_error_set(err, DQ_ERR_UNSUPPORTED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                            "iconv cannot convert from %s", from), -1;
    if (prefix) {
        char *ip = (char *)prefix, ob[16], *op = ob;
        size_t il = strlen(prefix), ol = sizeof ob;
        iconv(cd, &ip, &il, &op, &ol);
    }
    size_t pos = 0;
    int rc = 0;
    while (pos < n && rc == 0) {
        if (dq_buffer_reserve(out, (n - pos) * 4 + 16, err)) {
            rc = -1;
            break;
        }
        char *ip = (char *)in + pos, *op = (char *)out->data + out->len;
        size_t il = n - pos, ol = out->cap - out->len;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        out->len = (size_t)((uint8_t *)op - out->data);
        pos = (size_t)((const uint8_t *)ip - in);
        if (r == (size_t)-1) {
            if (errno == E2BIG)
                continue;
            /* EILSEQ / EINVAL: show the byte, resynchronise after it. */
            if (pos < n && put_escaped(out, in[pos], err))
                rc = -1;
            pos++;
            iconv(cd, NULL, NULL, NULL, NULL);
            if (prefix) {
                char *pp = (char *)prefix, ob[16], *opp = ob;
                size_t pl = strlen(prefix), ol2 = sizeof ob;
                iconv(cd, &pp, &pl, &opp, &ol2);
            }
        }
    }
    iconv_put(cd, owned);
    return rc;
}

/* Is this byte a point where ISO 2022 designations return to the initial
 * state (PS3.5 6.1.2.5.3)? */
static bool reset_point(uint8_t c)
{
    return c == '\\' || c == '^' || c == '=' || c == '\r' || c == '\n' || c == '\f' || c == '\t';
}

int dq_charset_to_utf8(const char *specific_charset, const char *text, size_t len,
                       dq_buffer *out, dq_error *err)
{
    const uint8_t *t = (const uint8_t *)text;
    const char *cs = specific_charset ? specific_charset : "";
    dq_str first = {"", 0};
    term_at(cs, 0, &first);
    bool iso2022 = strstr(cs, "ISO 2022") != NULL;
    if (!iso2022) {
        /* One character set for the whole value. */
        const cset *c = first.len ? find_term(first) : NULL;
        if (first.len && !c) {
            conv(NULL, NULL, t, len, out, NULL);
            return dq_error_set(err, DQ_ERR_UNSUPPORTED, DQ_ERROR_NO_OFFSET, DQ_TAG(0x0008, 0x0005),
                                "unknown character set '%.*s'", (int)first.len, first.ptr), -1;
        }
        bool ascii = true;
        for (size_t i = 0; i < len && ascii; i++)
            ascii = t[i] < 0x80;
        if (ascii || !c || !c->iconv)
            return conv(NULL, NULL, t, len, out, err);
        return conv(c->iconv, NULL, t, len, out, err);
    }
    /* ISO 2022: initial G0 is ASCII, initial G1 the first value's G1 set. */
    const cset *init_g1 = NULL;
    if (first.len) {
        init_g1 = find_term(first);
        if (init_g1 && !init_g1->g1)
            init_g1 = NULL;
    }
    const cset *g0 = NULL, *g1 = init_g1;
    size_t i = 0;
    while (i < len) {
        uint8_t c = t[i];
        if (c == 0x1B) {
            const cset *found = NULL;
            size_t el = 0;
            for (size_t k = 0; k < NSETS; k++) {
                const char *e = sets[k].esc;
                if (!e || !sets[k].term2022)
                    continue;
                size_t n = strlen(e);
                if (i + 1 + n <= len && memcmp(t + i + 1, e, n) == 0) {
                    found = &sets[k];
                    el = n;
                    break;
                }
            }
            if (!found) {
                if (put_escaped(out, c, err))
                    return -1;
                i++;
                continue;
            }
            if (found->g1)
                g1 = found;
            else
                g0 = found->iconv || found->multibyte_g0 ? found : NULL;
            i += 1 + el;
            continue;
        }
        /* In a two-byte G0 set (JIS X 0208/0212) '^' '=' '\\' are halves of
         * characters; the encoder returns to ASCII before a delimiter. */
        bool mb = g0 && g0->multibyte_g0;
        if (reset_point(c) && !(mb && c > 0x20)) {
            g0 = NULL;
            g1 = init_g1;
            if (dq_buffer_append(out, &c, 1, err))
                return -1;
            i++;
            continue;
        }
        /* A run up to the next escape or reset point, split by byte range. */
        size_t j = i;
        if (c >= 0x80) {
            while (j < len && t[j] >= 0x80)
                j++;
            if (conv(g1 ? g1->iconv : NULL, NULL, t + i, j - i, out, err))
                return -1;
        } else {
            while (j < len && t[j] < 0x80 && t[j] != 0x1B &&
                   (mb ? t[j] >= 0x20 : !reset_point(t[j])))
                j++;
            if (j == i) {
                /* A control byte inside a two-byte run stops the run before
                 * it starts: copy it as one ASCII byte, or this loop would
                 * never advance (found by fuzz_dataset: a hang). */
                if (conv(NULL, NULL, t + i, 1, out, err))
                    return -1;
                i++;
                continue;
            }
            if (mb) {
                char prefix[8] = "\x1b";
                strcat(prefix, g0->esc);
                if (conv(g0->iconv, prefix, t + i, j - i, out, err))
                    return -1;
            } else if (conv(NULL, NULL, t + i, j - i, out, err)) {
                return -1;
            }
        }
        i = j;
    }
    return 0;
}

static int conv_to(const char *to, const char *in, size_t n, dq_buffer *out, dq_error *err)
{
    bool owned;
    iconv_t cd = iconv_get(to, "UTF-8", &owned);
    if (cd == (iconv_t)-1)
        return dq_error_set(err, DQ_ERR_UNSUPPORTED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                            "iconv cannot convert to %s", to), -1;
    int rc = 0;
    char *ip = (char *)in;
    size_t il = n;
    for (;;) {
        if (dq_buffer_reserve(out, il * 4 + 16, err)) {
            rc = -1;
            break;
        }
        char *op = (char *)out->data + out->len;
        size_t ol = out->cap - out->len;
        size_t r = il ? iconv(cd, &ip, &il, &op, &ol) : iconv(cd, NULL, NULL, &op, &ol);
        out->len = (size_t)((uint8_t *)op - out->data);
        if (r != (size_t)-1) {
            if (il == 0) {
                /* flush the shift state (ISO-2022-JP returns to ASCII) */
                char *op2 = (char *)out->data + out->len;
                size_t ol2 = out->cap - out->len;
                iconv(cd, NULL, NULL, &op2, &ol2);
                out->len = (size_t)((uint8_t *)op2 - out->data);
                break;
            }
            continue;
        }
        if (errno == E2BIG)
            continue;
        dq_error_set(err, DQ_ERR_ARGUMENT, (size_t)(ip - in), DQ_ERROR_NO_TAG,
                     "character at byte %zu of \"%.*s\" cannot be encoded in %s",
                     (size_t)(ip - in), (int)(n > 64 ? 64 : n), in, to);
        rc = -1;
        break;
    }
    iconv_put(cd, owned);
    return rc;
}

/* Does the Specific Character Set list this Defined Term? */
static bool lists_term(const char *cs, const char *want)
{
    dq_str term;
    for (size_t i = 0; term_at(cs, i, &term); i++)
        if (eq(term, want))
            return true;
    return false;
}

/* JIS X 0208 (ISO 2022 IR 87, ESC $ B) and JIS X 0212 (ISO 2022 IR 159,
 * ESC $ ( D) are both 7-bit byte pairs in G0. EUC-JP carries both (0212
 * behind the 0x8F single shift), so the text goes through EUC-JP once and
 * each character is re-designated here: glibc's ISO-2022-JP has no 0212 and
 * ISO-2022-JP-2 might pick other sets. Every ASCII byte (so every '^' '='
 * '\\' delimiter) and the end of the value return G0 to ASCII with ESC ( B
 * (PS3.5 6.1.2.5.3), as the decoder expects. */
static int encode_jis(const char *cs, const char *utf8, size_t len, dq_buffer *out, dq_error *err)
{
    bool has87 = lists_term(cs, "ISO 2022 IR 87"), has159 = lists_term(cs, "ISO 2022 IR 159");
    dq_buffer euc;
    dq_buffer_init(&euc);
    if (conv_to("EUC-JP", utf8, len, &euc, err)) {
        dq_buffer_free(&euc);
        return -1;
    }
    enum { ASCII, X0208, X0212 } mode = ASCII;
    int rc = 0;
    size_t i = 0;
    while (i < euc.len && rc == 0) {
        const uint8_t *e = euc.data + i;
        if (e[0] < 0x80) {
            if (mode != ASCII)
                rc = dq_buffer_append(out, "\x1b(B", 3, err);
            mode = ASCII;
            if (rc == 0)
                rc = dq_buffer_append(out, e, 1, err);
            i++;
            continue;
        }
        bool x0212 = e[0] == 0x8F;
        size_t skip = x0212 ? 1 : 0;
        bool ok = e[0] != 0x8E && i + skip + 2 <= euc.len && (x0212 ? has159 : has87);
        if (!ok) {
            dq_buffer_free(&euc);
            return dq_error_set(err, DQ_ERR_ARGUMENT, i, DQ_ERROR_NO_TAG,
                                "a character of \"%.*s\" cannot be encoded in '%s'",
                                (int)(len > 64 ? 64 : len), utf8, cs), -1;
        }
        if (mode != (x0212 ? X0212 : X0208))
            rc = x0212 ? dq_buffer_append(out, "\x1b$(D", 4, err) : dq_buffer_append(out, "\x1b$B", 3, err);
        mode = x0212 ? X0212 : X0208;
        uint8_t pair[2] = {(uint8_t)(e[skip] & 0x7F), (uint8_t)(e[skip + 1] & 0x7F)};
        if (rc == 0)
            rc = dq_buffer_append(out, pair, 2, err);
        i += skip + 2;
    }
    if (rc == 0 && mode != ASCII)
        rc = dq_buffer_append(out, "\x1b(B", 3, err);
    dq_buffer_free(&euc);
    return rc;
}

int dq_charset_from_utf8(const char *specific_charset, const char *utf8, size_t len,
                         dq_buffer *out, dq_error *err)
{
    const char *cs = specific_charset ? specific_charset : "";
    /* The target: the first value naming something other than ASCII. */
    const cset *c = NULL;
    dq_str term;
    for (size_t i = 0; term_at(cs, i, &term); i++) {
        if (!term.len)
            continue;
        const cset *f = find_term(term);
        if (!f)
            return dq_error_set(err, DQ_ERR_UNSUPPORTED, DQ_ERROR_NO_OFFSET, DQ_TAG(0x0008, 0x0005),
                                "unknown character set '%.*s'", (int)term.len, term.ptr), -1;
        if (f->iconv) {
            c = f;
            break;
        }
    }
    if (!c)
        return conv_to("ASCII", utf8, len, out, err);
    bool iso2022 = strstr(cs, "ISO 2022") != NULL;
    /* A set without an ISO 2022 designation (GBK, GB18030, UTF-8 named
     * beside ISO 2022 terms) has no escape to write: encode the value
     * directly (c->esc is NULL there; fuzz_keypath found the crash). */
    if (!iso2022 || !c->esc || (c->g1 && !strchr(c->esc, '$')))
        return conv_to(c->iconv, utf8, len, out, err); /* single-byte G1 needs no escapes */
    if (c->multibyte_g0)
        return encode_jis(cs, utf8, len, out, err);
    /* KS X 1001 / GB 2312 in G1: EUC bytes, the designation escape at the
     * start of every segment (between reset points) that needs it. */
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && !reset_point((uint8_t)utf8[j]))
            j++;
        bool high = false;
        for (size_t k = i; k < j; k++)
            high |= (uint8_t)utf8[k] >= 0x80;
        if (high) {
            char esc[8] = "\x1b";
            strcat(esc, c->esc);
            if (dq_buffer_append(out, esc, strlen(esc), err))
                return -1;
        }
        if (conv_to(c->iconv, utf8 + i, j - i, out, err))
            return -1;
        if (j < len && dq_buffer_append(out, utf8 + j, 1, err))
            return -1;
        i = j + 1;
    }
    return 0;
}

/* PS3.5 6.2: the VRs whose repertoire is "as defined by (0008,0005)". */
static bool uses_charset(dq_vr vr)
{
    const dq_vr_info *vi = dq_vr_props(vr);
    return vi && vi->uses_charset;
}

int dq_el_utf8_raw(const dq_element *el, dq_buffer *out)
{
    if (!el->len)
        return 0;
    if (!uses_charset(el->vr))
        return conv(NULL, NULL, el->value, el->len, out, NULL);
    dq_str cs = dq_ds_charset(el->owner);
    char csbuf[256];
    size_t cl = cs.len < sizeof csbuf ? cs.len : sizeof csbuf - 1;
    memcpy(csbuf, cs.ptr, cl);
    csbuf[cl] = 0;
    size_t before = out->len;
    if (dq_charset_to_utf8(csbuf, (const char *)el->value, el->len, out, NULL) && out->len == before)
        return -1;
    return 0;
}

size_t dq_element_utf8(const dq_element *el, char *buf, size_t cap)
{
    dq_buffer b;
    dq_buffer_init(&b);
    size_t need = 0;
    if (dq_vr_is_text(el->vr) && el->len) {
        /* Trim each value, join with '\' (LT ST UT UR are one value). */
        dq_str cs = dq_ds_charset(el->owner);
        char csbuf[256];
        size_t cl = cs.len < sizeof csbuf ? cs.len : sizeof csbuf - 1;
        memcpy(csbuf, cs.ptr, cl);
        csbuf[cl] = 0;
        bool charset_text = uses_charset(el->vr);
        size_t vm = dq_element_vm(el);
        if (vm == 0)
            vm = 1;
        for (size_t i = 0; i < vm; i++) {
            dq_str s;
            if (dq_element_string(el, i, &s, NULL))
                break;
            if (i)
                dq_buffer_append(&b, "\\", 1, NULL);
            if (charset_text)
                dq_charset_to_utf8(csbuf, s.ptr, s.len, &b, NULL);
            else
                conv(NULL, NULL, (const uint8_t *)s.ptr, s.len, &b, NULL);
        }
        need = b.len;
    }
    if (cap) {
        size_t n = need < cap - 1 ? need : cap - 1;
        if (n)
            memcpy(buf, b.data, n);
        buf[n] = 0;
    }
    dq_buffer_free(&b);
    return need;
}

static int encode_text_ds(dq_dataset *ds, const char *cs, dq_error *err)
{
    for (size_t i = 0; i < ds->n; i++) {
        dq_element *el = ds->elems[i];
        for (size_t k = 0; k < el->nitems; k++)
            if (encode_text_ds(el->items[k], cs, err))
                return -1;
        bool charset_text = uses_charset(el->vr);
        if (!charset_text || !el->len)
            continue;
        bool ascii = true;
        for (size_t k = 0; k < el->len && ascii; k++)
            ascii = el->value[k] < 0x80;
        if (ascii)
            continue;
        dq_buffer b;
        dq_buffer_init(&b);
        int rc = dq_charset_from_utf8(cs, (const char *)el->value, el->len, &b, err);
        if (rc == 0 && dq_el_set_value(el, b.data, b.len)) {
            dq_error_set(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, el->tag, "out of memory");
            rc = -1;
        }
        dq_buffer_free(&b);
        if (rc) {
            if (err)
                err->tag = el->tag;
            return -1;
        }
    }
    return 0;
}

int dq_dataset_encode_text(dq_dataset *ds, dq_error *err)
{
    dq_str cs = dq_ds_charset(ds);
    if (cs.len == 0 || (cs.len == 10 && memcmp(cs.ptr, "ISO_IR 192", 10) == 0))
        return 0;
    char csbuf[256];
    size_t cl = cs.len < sizeof csbuf ? cs.len : sizeof csbuf - 1;
    memcpy(csbuf, cs.ptr, cl);
    csbuf[cl] = 0;
    return encode_text_ds(ds, csbuf, err);
}

/* Specific Character Set (0008,0005): text values to UTF-8 for display and
 * UTF-8 query values to the requested set, with glibc iconv. ISO 2022 code
 * extensions (PS3.5 6.1.2.5) are handled by tracking the G0/G1 designations
 * from escape sequences and converting each run with the set in force.
 * Bytes in no designated set are read as ISO 8859-1, pydicom's default
 * encoding (so data sets without a Specific Character Set show as pydicom
 * shows them); bytes invalid in a declared multi-byte set are shown as
 * "\xNN", never dropped. Encoding follows pydicom's writer (see
 * dq_charset_from_utf8 in dq/dataset.h). */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_impl.h"

/* A coded character set: the Defined Term(s) naming it, the iconv name for
 * its bytes, and for ISO 2022 the escape sequence designating it. */
/* The Defined Terms of Specific Character Set (PS3.3 C.12.1.1.2) are
 * "ISO_IR <n>" (single-byte, no code extensions) and "ISO 2022 IR <n>" (with
 * them) for an ISO-IR registration number n, and a few names. */
enum { TERM_SINGLE = 1, TERM_2022 = 2 };

typedef struct cset {
    uint16_t ir;       /* ISO-IR number; 0 for a named term */
    uint8_t forms;     /* TERM_SINGLE and/or TERM_2022 */
    const char *name;  /* the named terms ("GB18030"); NULL otherwise */
    const char *iconv; /* "ISO-8859-1"; NULL: ASCII */
    const char *esc;   /* designation escape (without ESC), NULL if none */
    bool g1;           /* designated to G1 (high bytes) rather than G0 */
    bool multibyte_g0; /* JIS X 0208/0212: 7-bit byte pairs in G0 */
} cset;

#define BOTH (TERM_SINGLE | TERM_2022)
static const cset sets[] = {
    {6, BOTH, NULL, NULL, "(B", false, false},
    {100, BOTH, NULL, "ISO-8859-1", "-A", true, false},
    {101, BOTH, NULL, "ISO-8859-2", "-B", true, false},
    {109, BOTH, NULL, "ISO-8859-3", "-C", true, false},
    {110, BOTH, NULL, "ISO-8859-4", "-D", true, false},
    {144, BOTH, NULL, "ISO-8859-5", "-L", true, false},
    {127, BOTH, NULL, "ISO-8859-6", "-G", true, false},
    {126, BOTH, NULL, "ISO-8859-7", "-F", true, false},
    {138, BOTH, NULL, "ISO-8859-8", "-H", true, false},
    {148, BOTH, NULL, "ISO-8859-9", "-M", true, false},
    {203, BOTH, NULL, "ISO-8859-15", "-b", true, false},
    {166, BOTH, NULL, "TIS-620", "-T", true, false},
    /* JIS X 0201: katakana in G1 (the high bytes of Shift_JIS), romaji in G0. */
    {13, BOTH, NULL, "SHIFT_JIS", ")I", true, false},
    {13, TERM_2022, NULL, NULL, "(J", false, false},
    {87, TERM_2022, NULL, "ISO-2022-JP-2", "$B", false, true},
    {159, TERM_2022, NULL, "ISO-2022-JP-2", "$(D", false, true},
    {149, TERM_2022, NULL, "EUC-KR", "$)C", true, false},
    {58, TERM_2022, NULL, "GB2312", "$)A", true, false},
    {192, TERM_SINGLE, NULL, "UTF-8", NULL, false, false},
    {0, TERM_SINGLE, "GB18030", "GB18030", NULL, false, false},
    {0, TERM_SINGLE, "GBK", "GBK", NULL, false, false},
};
#undef BOTH
#define NSETS (sizeof sets / sizeof sets[0])

static bool eq(dq_str s, const char *t)
{
    return t && strlen(t) == s.len && memcmp(s.ptr, t, s.len) == 0;
}

/* "<prefix><n>" with n a number without leading zeros: n in *ir. */
static bool ir_term(dq_str t, const char *prefix, unsigned *ir)
{
    size_t n = strlen(prefix);
    if (t.len <= n || t.len > n + 3 || memcmp(t.ptr, prefix, n) != 0 || t.ptr[n] == '0')
        return false;
    unsigned v = 0;
    for (size_t i = n; i < t.len; i++) {
        if (t.ptr[i] < '0' || t.ptr[i] > '9')
            return false;
        v = v * 10 + (unsigned)(t.ptr[i] - '0');
    }
    *ir = v;
    return true;
}

static const cset *find_term(dq_str term)
{
    unsigned ir = 0;
    int form = ir_term(term, "ISO_IR ", &ir)        ? TERM_SINGLE
               : ir_term(term, "ISO 2022 IR ", &ir) ? TERM_2022
                                                    : 0;
    for (size_t i = 0; i < NSETS; i++)
        if (form ? sets[i].ir == ir && (sets[i].forms & form) : eq(term, sets[i].name))
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
    if (!dq_nth_value(&p, &end, index))
        return false;
    *out = trimmed(p, (size_t)(end - p));
    return true;
}

/* A byte no set decodes: "\xNN" for display, or (repl not NULL, for the
 * JSON and XML writers) U+FFFD REPLACEMENT CHARACTER, counted in *repl. */
static int put_bad(dq_buffer *out, uint8_t c, size_t *repl, dq_error *err)
{
    if (repl) {
        ++*repl;
        return dq_buffer_append(out, "\xEF\xBF\xBD", 3, err);
    }
    char t[5];
    snprintf(t, sizeof t, "\\x%02X", c);
    return dq_buffer_append(out, t, 4, err);
}

/* ISO 8859-1 is the first 256 code points: a high byte is two UTF-8 bytes. */
static int put_latin1(dq_buffer *out, uint8_t c, dq_error *err)
{
    uint8_t t[2] = {(uint8_t)(0xC0 | c >> 6), (uint8_t)(0x80 | (c & 0x3F))};
    return dq_buffer_append(out, t, 2, err);
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

static size_t utf8_len(const uint8_t *s, size_t n, uint32_t *cp);

/* UTF-8 (ISO_IR 192) to UTF-8: each valid character copied, each byte that
 * starts none escaped as conv() escapes iconv's rejects. Not through iconv:
 * glibc's UTF-8 decoder takes lead bytes F5-F7 (code points above U+10FFFF,
 * which RFC 3629 excludes), so they would reach the output unchanged. */
static int utf8_copy(const uint8_t *in, size_t n, dq_buffer *out, size_t *repl, dq_error *err)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        uint32_t cp;
        size_t l = 1;
        while (j < n && (l = utf8_len(in + j, n - j, &cp)) > 0)
            j += l;
        if (j > i && dq_buffer_append(out, in + i, j - i, err))
            return -1;
        if (j < n && put_bad(out, in[j++], repl, err))
            return -1;
        i = j;
    }
    return 0;
}

/* Converts in[0..n) from `from` to UTF-8 with iconv; bytes it rejects are
 * escaped and skipped. prefix/suffix (e.g. ISO 2022 escapes) are fed around
 * the bytes but produce no output of their own. */
static int conv(const char *from, const char *prefix, const uint8_t *in, size_t n, dq_buffer *out,
                size_t *repl, dq_error *err)
{
    if (!from) {
        /* The default encoding, ISO 8859-1 (pydicom's "iso8859"): copy ASCII
         * runs at once (every dumped text value comes here), widen the rest. */
        size_t i = 0;
        while (i < n) {
            size_t j = i;
            while (j < n && in[j] < 0x80)
                j++;
            if (j > i && dq_buffer_append(out, in + i, j - i, err))
                return -1;
            if (j < n && put_latin1(out, in[j++], err))
                return -1;
            i = j;
        }
        return 0;
    }
    if (!prefix && strcmp(from, "UTF-8") == 0)
        return utf8_copy(in, n, out, repl, err);
    bool owned;
    iconv_t cd = iconv_get("UTF-8", from, &owned);
    if (cd == (iconv_t)-1)
        return dq_fail(err, DQ_ERR_UNSUPPORTED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "iconv cannot convert from %s", from);
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
            if (pos < n && put_bad(out, in[pos], repl, err))
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

/* A value in one character set (no code extensions): ASCII is copied as is,
 * anything else converted from the named set, or ISO 8859-1 when it has no
 * iconv name or is not named. */
__attribute__((always_inline)) static inline int single_set_to_utf8(dq_str first, const uint8_t *t,
                                                                    size_t len, dq_buffer *out,
                                                                    size_t *repl, dq_error *err)
{
    const cset *c = first.len ? find_term(first) : NULL;
    if (first.len && !c) {
        conv(NULL, NULL, t, len, out, NULL, NULL);
        return dq_fail(err, DQ_ERR_UNSUPPORTED, DQ_ERROR_NO_OFFSET, DQ_TAG_SpecificCharacterSet,
                       "unknown character set '%.*s'", (int)first.len, first.ptr);
    }
    bool ascii = true;
    for (size_t i = 0; i < len && ascii; i++)
        ascii = t[i] < 0x80;
    if (ascii || !c || !c->iconv)
        return conv(NULL, NULL, t, len, out, NULL, err);
    return conv(c->iconv, NULL, t, len, out, repl, err);
}

/* The set designated by the escape sequence whose ESC is at t[i], with the
 * sequence's length after ESC in *esc_len; NULL if it is none of ours. */
static const cset *designation_at(const uint8_t *t, size_t i, size_t len, size_t *esc_len)
{
    for (size_t k = 0; k < NSETS; k++) {
        const char *e = sets[k].esc;
        if (!e || !(sets[k].forms & TERM_2022))
            continue;
        size_t n = strlen(e);
        if (i + 1 + n <= len && memcmp(t + i + 1, e, n) == 0) {
            *esc_len = n;
            return &sets[k];
        }
    }
    return NULL;
}

/* The 7-bit run at t[i], up to the next escape or reset point (in a two-byte
 * G0 set, the next control byte), converted with G0; *next: where it ends. */
__attribute__((always_inline)) static inline int g0_run_to_utf8(const cset *g0, const uint8_t *t,
                                                                size_t i, size_t len, size_t *next,
                                                                dq_buffer *out, size_t *repl,
                                                                dq_error *err)
{
    bool mb = g0 && g0->multibyte_g0;
    size_t j = i;
    while (j < len && t[j] < 0x80 && t[j] != 0x1B && (mb ? t[j] >= 0x20 : !reset_point(t[j])))
        j++;
    if (j == i) {
        /* A control byte inside a two-byte run stops the run before
         * it starts: copy it as one ASCII byte, or this loop would
         * never advance (found by fuzz_dataset: a hang). */
        *next = i + 1;
        return conv(NULL, NULL, t + i, 1, out, NULL, err);
    }
    *next = j;
    if (mb) {
        char prefix[8] = "\x1b";
        strcat(prefix, g0->esc);
        return conv(g0->iconv, prefix, t + i, j - i, out, repl, err);
    }
    return conv(NULL, NULL, t + i, j - i, out, NULL, err);
}

/* A value with ISO 2022 code extensions (PS3.5 6.1.2.5): escapes change the
 * G0/G1 designations, reset points restore the initial ones, and each run
 * between them is converted with the set in force. */
static int iso2022_to_utf8(dq_str first, const uint8_t *t, size_t len, dq_buffer *out, size_t *repl,
                           dq_error *err)
{
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
            size_t el = 0;
            const cset *found = designation_at(t, i, len, &el);
            if (!found) {
                if (put_bad(out, c, repl, err))
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
            if (conv(g1 ? g1->iconv : NULL, NULL, t + i, j - i, out, repl, err))
                return -1;
        } else if (g0_run_to_utf8(g0, t, i, len, &j, out, repl, err)) {
            return -1;
        }
        i = j;
    }
    return 0;
}

int dq_charset_to_utf8_repl(const char *specific_charset, const char *text, size_t len,
                            dq_buffer *out, size_t *replaced, dq_error *err)
{
    const uint8_t *t = (const uint8_t *)text;
    const char *cs = specific_charset ? specific_charset : "";
    dq_str first = {"", 0};
    term_at(cs, 0, &first);
    if (!strstr(cs, "ISO 2022"))
        return single_set_to_utf8(first, t, len, out, replaced, err);
    return iso2022_to_utf8(first, t, len, out, replaced, err);
}

int dq_charset_to_utf8(const char *specific_charset, const char *text, size_t len, dq_buffer *out,
                       dq_error *err)
{
    return dq_charset_to_utf8_repl(specific_charset, text, len, out, NULL, err);
}

/* PS3.5 6.2: the VRs whose repertoire is "as defined by (0008,0005)". */
static bool uses_charset(dq_vr vr)
{
    const dq_vr_info *vi = dq_vr_props(vr);
    return vi && vi->uses_charset;
}

/* ---- encoding: UTF-8 to a Specific Character Set, as pydicom 2.x writes ---- */

/* How one listed set encodes. pydicom's JIS encoders are strict: a JIS X
 * 0201 run stays in the half of its first character (ISO IR 13 katakana or
 * ISO IR 14 romaji), a JIS X 0208/0212 run has only that set's characters. */
typedef enum enc_kind { ENC_ICONV, ENC_JIS0201, ENC_JIS0208, ENC_JIS0212 } enc_kind;

typedef struct encoding {
    enc_kind kind;
    const char *iconv; /* ENC_ICONV: glibc's name; JIS X 0208/0212 go through EUC-JP */
    const char *esc;   /* designation without ESC; NULL: none */
    bool standalone;   /* ISO_IR 192, GB18030, GBK: no code extensions (PS3.3 C.12.1.1.2) */
} encoding;

#define MAX_TERMS 16

typedef struct enc_list {
    encoding e[MAX_TERMS];
    size_t n;
    bool unknown; /* a term we do not know: the default encoding stood in */
} enc_list;

/* pydicom's default encoding for "" and ISO_IR 6: ISO 8859-1, G0 back to
 * ASCII with ESC ( B when it is not the first set. */
static const encoding ENC_DEFAULT = {ENC_ICONV, "ISO-8859-1", "(B", false};

static encoding enc_of(const cset *c)
{
    if (!c || (!c->iconv && !c->multibyte_g0))
        return ENC_DEFAULT;
    if (c->multibyte_g0)
        return (encoding){strcmp(c->esc, "$B") == 0 ? ENC_JIS0208 : ENC_JIS0212, "EUC-JP", c->esc,
                          false};
    if (c->ir == 13 && (c->forms & TERM_2022))
        return (encoding){ENC_JIS0201, NULL, NULL, false};
    return (encoding){ENC_ICONV, c->iconv, c->esc, !(c->forms & TERM_2022)};
}

/* The sets a Specific Character Set lists, in order. */
static void enc_list_of(const char *cs, enc_list *l)
{
    dq_str term;
    l->n = 0;
    l->unknown = false;
    for (size_t i = 0; l->n < MAX_TERMS && term_at(cs, i, &term); i++) {
        const cset *c = term.len ? find_term(term) : NULL;
        l->unknown |= term.len && !c;
        l->e[l->n++] = enc_of(c);
    }
    if (l->n == 0)
        l->e[l->n++] = ENC_DEFAULT;
    if (l->e[0].standalone) {
        l->n = 1;
        return;
    }
    size_t k = 1;
    for (size_t i = 1; i < l->n; i++)
        if (!l->e[i].standalone)
            l->e[k++] = l->e[i];
    l->n = k;
}

/* Length of the valid UTF-8 character at s, 0 when the bytes are not one
 * (Python sees such a byte as a character no set has). */
static size_t utf8_len(const uint8_t *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || len > n || s[0] > 0xF4)
        return 0;
    uint32_t c = s[0] & (0x3F >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* JIS X 0201 as Python's shift_jis has it: ASCII (with YEN SIGN and
 * OVERLINE on 0x5C/0x7E) and the half-width katakana 0xA1-0xDF; -1: none. */
static int jis0201(uint32_t cp)
{
    if (cp < 0x80)
        return (int)cp;
    if (cp == 0xA5)
        return 0x5C;
    if (cp == 0x203E)
        return 0x7E;
    if (cp >= 0xFF61 && cp <= 0xFF9F)
        return (int)(cp - 0xFF61 + 0xA1);
    return -1;
}

/* One character (len bytes at s) in e, into b; its length or 0 if e lacks it. */
static size_t enc_char(const encoding *e, iconv_t cd, const uint8_t *s, size_t len, uint8_t b[16])
{
    uint32_t cp;
    if (utf8_len(s, len, &cp) != len)
        return 0;
    if (e->kind == ENC_JIS0201) {
        int c = jis0201(cp);
        return c < 0 ? 0 : (b[0] = (uint8_t)c, 1);
    }
    char *ip = (char *)s, *op = (char *)b;
    size_t il = len, ol = 16;
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || il)
        return 0;
    size_t n = 16 - ol;
    if (e->kind == ENC_JIS0208 && n == 2 && b[0] >= 0xA1) {
        b[0] &= 0x7F; /* EUC-JP's G1 pair is the 7-bit JIS pair */
        b[1] &= 0x7F;
        return 2;
    }
    if (e->kind == ENC_JIS0212 && n == 3 && b[0] == 0x8F) {
        b[0] = b[1] & 0x7F;
        b[1] = b[2] & 0x7F;
        return 2;
    }
    return e->kind == ENC_ICONV ? n : 0;
}

/* The UTF-8 -> e converter (JIS X 0201 needs none: *cd stays (iconv_t)-1). */
static int enc_open(const encoding *e, iconv_t *cd, bool *owned, dq_error *err)
{
    *cd = (iconv_t)-1;
    if (e->kind != ENC_JIS0201 && (*cd = iconv_get(e->iconv, "UTF-8", owned)) == (iconv_t)-1)
        return dq_fail(err, DQ_ERR_UNSUPPORTED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "iconv cannot convert to %s", e->iconv);
    return 0;
}

/* The longest run from the start of s[0..n) that e encodes as pydicom's
 * encoder for it does; its bytes (a JIS X 0208/0212 run with its own
 * designation first) are appended to out when out is not NULL. *run: the
 * run's length in bytes of s. -1 when no converter opens or out cannot grow. */
static int enc_run(const encoding *e, const uint8_t *s, size_t n, dq_buffer *out, size_t *run,
                   dq_error *err)
{
    bool owned = false;
    iconv_t cd;
    *run = 0;
    if (enc_open(e, &cd, &owned, err) < 0)
        return -1;
    size_t pos = 0;
    int rc = 0;
    int half = -1; /* JIS X 0201: the half (0 or 0x80) of the first character */
    while (pos < n) {
        uint32_t cp;
        size_t len = utf8_len(s + pos, n - pos, &cp);
        uint8_t b[16];
        size_t bl = len ? enc_char(e, cd, s + pos, len, b) : 0;
        if (bl == 0 || (e->kind == ENC_JIS0201 && half >= 0 && (b[0] & 0x80) != half))
            break;
        half = b[0] & 0x80;
        if (out && pos == 0 && (e->kind == ENC_JIS0208 || e->kind == ENC_JIS0212) &&
            (dq_buffer_append(out, "\x1b", 1, err) ||
             dq_buffer_append(out, e->esc, strlen(e->esc), err))) {
            rc = -1;
            break;
        }
        if (out && dq_buffer_append(out, b, bl, err)) {
            rc = -1;
            break;
        }
        pos += len;
    }
    if (cd != (iconv_t)-1)
        iconv_put(cd, owned);
    *run = pos;
    return rc;
}

/* The escape sequence designating e ahead of bytes starting with `first`
 * (JIS X 0201: ESC ) I for katakana, ESC ( J for romaji). */
static int put_designation(const encoding *e, int first, dq_buffer *out, dq_error *err)
{
    const char *esc = e->kind == ENC_JIS0201 ? (first >= 0x80 ? ")I" : "(J") : e->esc;
    if (!esc)
        return 0;
    return dq_buffer_append(out, "\x1b", 1, err) || dq_buffer_append(out, esc, strlen(esc), err)
               ? -1
               : 0;
}

/* JIS X 0208/0212 runs carry their own designation; after one, G0 goes back
 * to what the first set designates. */
static bool self_designating(const encoding *e)
{
    return e->kind == ENC_JIS0208 || e->kind == ENC_JIS0212;
}

/* Appends s[0..n) as encoding e starting a part; `designate` when e is not
 * the part's initial set. */
static int put_run(const encoding *e, bool designate, const uint8_t *s, size_t n, dq_buffer *out,
                   dq_error *err)
{
    dq_buffer run;
    dq_buffer_init(&run);
    size_t k;
    int rc = enc_run(e, s, n, &run, &k, err) < 0 || k != n ? -1 : 0;
    if (rc == 0 && designate && !self_designating(e))
        rc = put_designation(e, run.len ? run.data[0] : 0, out, err);
    if (rc == 0 && run.len)
        rc = dq_buffer_append(out, run.data, run.len, err);
    dq_buffer_free(&run);
    return rc;
}

/* Splits s between the sets: each run in the set that encodes the longest
 * one (the earlier set on a tie). *covered false: some character is in no
 * set (nothing is written). */
static int encode_split(const enc_list *l, const uint8_t *s, size_t n, dq_buffer *out,
                        bool *covered, dq_error *err)
{
    *covered = true;
    size_t pos = 0, start = out->len;
    const encoding *last = NULL;
    while (pos < n) {
        size_t best = 0, best_len = 0;
        for (size_t i = 0; i < l->n; i++) {
            size_t k;
            if (enc_run(&l->e[i], s + pos, n - pos, NULL, &k, err) < 0)
                return -1;
            if (k > best_len) {
                best = i;
                best_len = k;
            }
            if (k == n - pos)
                break;
        }
        if (best_len == 0) {
            out->len = start;
            *covered = false;
            return 0;
        }
        last = &l->e[best];
        if (put_run(last, true, s + pos, best_len, out, err))
            return -1;
        pos += best_len;
    }
    if (last && self_designating(last))
        return put_designation(&l->e[0], -1, out, err);
    return 0;
}

/* The first set's encoding with '?' for what it lacks (Python's
 * errors='replace'; pydicom's JIS X 0201 fallback keeps only romaji). */
static int encode_replacing(const enc_list *l, const uint8_t *s, size_t n, dq_buffer *out,
                            dq_error *err)
{
    const encoding *e = &l->e[0];
    bool owned = false;
    iconv_t cd;
    if (enc_open(e, &cd, &owned, err) < 0)
        return -1;
    int rc = 0;
    for (size_t pos = 0; pos < n && rc == 0;) {
        uint32_t cp;
        size_t len = utf8_len(s + pos, n - pos, &cp);
        uint8_t b[16];
        size_t bl = len ? enc_char(e, cd, s + pos, len, b) : 0;
        if (e->kind == ENC_JIS0201 && bl && b[0] >= 0x80)
            bl = 0;
        if (self_designating(e))
            bl = 0; /* never the first set in a valid list */
        rc = bl ? dq_buffer_append(out, b, bl, err) : dq_buffer_append(out, "?", 1, err);
        pos += len ? len : 1;
    }
    if (cd != (iconv_t)-1)
        iconv_put(cd, owned);
    return rc;
}

/* One part (a PN component, a value): pydicom's encode_string. */
static int encode_part(const enc_list *l, const uint8_t *s, size_t n, bool replace, dq_buffer *out,
                       unsigned *flags, dq_error *err)
{
    for (size_t i = 0; i < l->n; i++) {
        size_t k;
        if (enc_run(&l->e[i], s, n, NULL, &k, err) < 0)
            return -1;
        if (k != n)
            continue;
        if (put_run(&l->e[i], i > 0, s, n, out, err))
            return -1;
        if (self_designating(&l->e[i]))
            return put_designation(&l->e[0], -1, out, err);
        return 0;
    }
    bool covered = false;
    if (l->n > 1 && encode_split(l, s, n, out, &covered, err) < 0)
        return -1;
    if (covered)
        return 0;
    if (!replace) {
        size_t ok;
        if (enc_run(&l->e[0], s, n, NULL, &ok, err) < 0)
            return -1;
        return dq_fail(err, DQ_ERR_ARGUMENT, ok, DQ_ERROR_NO_TAG,
                       "the character at byte %zu of \"%.*s\" is in none of the character sets", ok,
                       (int)(n > 64 ? 64 : n), (const char *)s);
    }
    *flags |= DQ_CHARSET_REPLACED;
    return encode_replacing(l, s, n, out, err);
}

/* A PN value: each '^' component of each '=' group on its own; groups that
 * end up empty at the end are dropped (pydicom's _encode_personname). */
static int encode_pn(const enc_list *l, const uint8_t *s, size_t n, bool replace, dq_buffer *out,
                     unsigned *flags, dq_error *err)
{
    size_t start = out->len, keep = out->len;
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && s[j] != '^' && s[j] != '=')
            j++;
        if (encode_part(l, s + i, j - i, replace, out, flags, err))
            return -1;
        if (out->len > start && (j == n || s[j] == '='))
            keep = out->len; /* this group is not empty */
        if (j < n && dq_buffer_append(out, s + j, 1, err))
            return -1;
        if (j < n && s[j] == '=')
            start = out->len;
        i = j + 1;
    }
    out->len = keep;
    return 0;
}

int dq_charset_from_utf8(const char *specific_charset, dq_vr vr, const char *utf8, size_t len,
                         bool replace, dq_buffer *out, unsigned *flags_out, dq_error *err)
{
    const uint8_t *s = (const uint8_t *)utf8;
    enc_list l;
    if (flags_out)
        *flags_out = 0;
    if (!uses_charset(vr)) {
        /* pydicom writes these with its default encoding and raises when a
         * character is not in it. */
        l.n = 1;
        l.e[0] = ENC_DEFAULT;
        l.unknown = false;
        size_t ok;
        if (enc_run(&l.e[0], s, len, out, &ok, err) < 0)
            return -1;
        if (ok == len)
            return 0;
        return dq_fail(err, DQ_ERR_ARGUMENT, ok, DQ_ERROR_NO_TAG,
                       "the character at byte %zu of \"%.*s\" is not in ISO 8859-1", ok,
                       (int)(len > 64 ? 64 : len), utf8);
    }
    enc_list_of(specific_charset ? specific_charset : "", &l);
    unsigned flags = l.unknown ? DQ_CHARSET_UNKNOWN : 0;
    /* LT ST UT are one value (PS3.5 6.2: never multi-valued); the others
     * are split on '\', as pydicom splits str values of every VR but these. */
    const dq_vr_info *vi = dq_vr_props(vr);
    bool single = vi && vi->single_valued;
    for (size_t i = 0; i <= len;) {
        size_t j = i;
        while (j < len && (single || s[j] != '\\'))
            j++;
        int rc = vr == DQ_VR_PN ? encode_pn(&l, s + i, j - i, replace, out, &flags, err)
                                : encode_part(&l, s + i, j - i, replace, out, &flags, err);
        if (rc)
            return -1;
        if (j < len && dq_buffer_append(out, "\\", 1, err))
            return -1;
        i = j + 1;
    }
    if (flags_out)
        *flags_out = flags;
    return 0;
}
int dq_el_utf8_raw(const dq_element *el, dq_buffer *out)
{
    if (!el->len)
        return 0;
    if (!uses_charset(el->vr))
        return conv(NULL, NULL, el->value, el->len, out, NULL, NULL);
    dq_str cs = dq_ds_charset(el->owner);
    char csbuf[256];
    size_t cl = cs.len < sizeof csbuf ? cs.len : sizeof csbuf - 1;
    memcpy(csbuf, cs.ptr, cl);
    csbuf[cl] = 0;
    size_t before = out->len;
    if (dq_charset_to_utf8(csbuf, (const char *)el->value, el->len, out, NULL) &&
        out->len == before)
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
                conv(NULL, NULL, (const uint8_t *)s.ptr, s.len, &b, NULL, NULL);
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

typedef struct keys_ctx {
    dq_charset_warn_fn warn;
    void *ctx;
    bool warned_unknown;
    dq_buffer b;
} keys_ctx;

static int encode_key(keys_ctx *k, dq_element *el, dq_error *err)
{
    dq_str cs = dq_ds_charset(el->owner);
    char csbuf[256];
    size_t cl = cs.len < sizeof csbuf ? cs.len : sizeof csbuf - 1;
    memcpy(csbuf, cs.ptr, cl);
    csbuf[cl] = 0;
    dq_buffer_reset(&k->b);
    unsigned rc;
    if (dq_charset_from_utf8(csbuf, el->vr, (const char *)el->value, el->len, true, &k->b, &rc,
                             err) < 0) {
        if (err)
            err->tag = el->tag;
        return -1;
    }
    if (dq_el_set_value(el, k->b.data, k->b.len))
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, el->tag, "out of memory");
    el->typed_utf8 = 0;
    char msg[400];
    if ((rc & DQ_CHARSET_UNKNOWN) && !k->warned_unknown && k->warn) {
        k->warned_unknown = true;
        snprintf(msg, sizeof msg,
                 "Unknown Specific Character Set '%s' - using default encoding instead", csbuf);
        k->warn(k->ctx, el->tag, msg);
    }
    if ((rc & DQ_CHARSET_REPLACED) && k->warn) {
        snprintf(msg, sizeof msg,
                 "Failed to encode (%04X,%04X) with Specific Character Set '%s' - "
                 "using replacement characters in encoded string",
                 DQ_TAG_GROUP(el->tag), DQ_TAG_ELEMENT(el->tag), csbuf);
        k->warn(k->ctx, el->tag, msg);
    }
    return 0;
}

static int encode_keys_ds(keys_ctx *k, dq_dataset *ds, dq_error *err)
{
    for (size_t i = 0; i < ds->n; i++) {
        dq_element *el = ds->elems[i];
        for (size_t j = 0; j < el->nitems; j++)
            if (encode_keys_ds(k, el->items[j], err))
                return -1;
        if (el->typed_utf8 && encode_key(k, el, err))
            return -1;
    }
    return 0;
}

int dq_dataset_encode_keys(dq_dataset *ds, dq_charset_warn_fn warn, void *ctx, dq_error *err)
{
    keys_ctx k = {.warn = warn, .ctx = ctx};
    dq_buffer_init(&k.b);
    int rc = encode_keys_ds(&k, ds, err);
    dq_buffer_free(&k.b);
    return rc;
}

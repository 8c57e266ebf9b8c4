/* Query keys from the command line (findscu -k), as pynetdicom's findscu
 * reads them: "{component.}*component=value" where a component is a keyword
 * or (gggg,eeee), optionally with an item index [N]. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_impl.h"

#define V(a, b) DQ_VR_CODE(a, b)
#define MAX_INDEX 65535 /* a sane bound on "Seq[N]" so a typo cannot allocate millions of items */
#define MAX_PATH DQ_KEYPATH_MAX_STEPS

static int bad(dq_error *err, uint32_t tag, const char *arg, const char *fmt, const char *what)
{
    char why[320];
    snprintf(why, sizeof why, fmt, what);
    return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, tag, "invalid query key '%s': %s", arg,
                   why);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "(gggg,eeee)", "gggg,eeee" or "ggggeeee" -> tag. */
static bool parse_tag(const char *s, size_t n, uint32_t *out)
{
    char digits[8];
    size_t k = 0;
    if (n >= 2 && s[0] == '(' && s[n - 1] == ')') {
        s++;
        n -= 2;
    }
    if (n == 9 && s[4] == ',') {
        memcpy(digits, s, 4);
        memcpy(digits + 4, s + 5, 4);
    } else if (n == 8) {
        memcpy(digits, s, 8);
    } else {
        return false;
    }
    uint32_t t = 0;
    for (k = 0; k < 8; k++) {
        int h = hexval((unsigned char)digits[k]);
        if (h < 0)
            return false;
        t = t << 4 | (uint32_t)h;
    }
    *out = t;
    return true;
}

/* A text VR (or SQ, or an empty value): the text as given. */
static int set_text(dq_element *el, const char *text, size_t n, const char *arg, dq_error *err)
{
    if (el->vr == V('S', 'Q') && n)
        return bad(err, el->tag, arg, "%s", "a sequence takes no value");
    if (n > UINT32_MAX - 2)
        return bad(err, el->tag, arg, "%s", "value too long");
    return dq_el_set_value(el, text, n)
               ? dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, el->tag, "out of memory")
               : 0;
}

/* OB, OW, UN and the like: the bytes as hexadecimal digits, two per byte. */
static int set_hex(dq_element *el, const char *text, size_t n, const char *arg, dq_error *err)
{
    if (n % 2)
        return bad(err, el->tag, arg, "%s", "hex value has an odd number of digits");
    if (dq_el_set_value(el, NULL, n / 2))
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, el->tag, "out of memory");
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval((unsigned char)text[i]), lo = hexval((unsigned char)text[i + 1]);
        if (hi < 0 || lo < 0)
            return bad(err, el->tag, arg, "%s", "value is not hexadecimal");
        el->value[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* An AT value, (gggg,eeee) or a keyword, as its group then its element. */
static int at_bits(const char *tmp, size_t len, uint32_t tag, const char *arg, uint64_t *bits,
                   dq_error *err)
{
    uint32_t t;
    const dq_dict_entry *de;
    if (parse_tag(tmp, len, &t))
        *bits = (uint64_t)DQ_TAG_GROUP(t) | (uint64_t)DQ_TAG_ELEMENT(t) << 16;
    else if ((de = dq_dict_find_keyword(tmp)) != NULL)
        *bits = (uint64_t)DQ_TAG_GROUP(de->tag) | (uint64_t)DQ_TAG_ELEMENT(de->tag) << 16;
    else
        return bad(err, tag, arg, "'%s' is not a tag", tmp);
    return 0;
}

/* An FL or FD value as the bits of its IEEE 754 representation. */
static int float_bits(const char *tmp, dq_vr vr, uint32_t tag, const char *arg, uint64_t *bits,
                      dq_error *err)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(tmp, &end);
    if (*end || end == tmp || (errno == ERANGE && isinf(d)))
        return bad(err, tag, arg, "'%s' is not a number", tmp);
    if (vr == V('F', 'L')) {
        float f = (float)d;
        uint32_t u;
        memcpy(&u, &f, 4);
        *bits = u;
    } else {
        memcpy(bits, &d, 8);
    }
    return 0;
}

/* An integer value; UV must not be negative, US SS UL SL must fit their range. */
static int integer_bits(const char *tmp, dq_vr vr, uint32_t tag, const char *arg, uint64_t *bits,
                        dq_error *err)
{
    char *end = NULL;
    errno = 0;
    if (vr == V('U', 'V')) {
        if (tmp[0] == '-')
            return bad(err, tag, arg, "'%s' does not fit UV", tmp);
        unsigned long long u = strtoull(tmp, &end, 10);
        if (*end || end == tmp || errno)
            return bad(err, tag, arg, "'%s' is not an unsigned integer", tmp);
        *bits = u;
        return 0;
    }
    long long v = strtoll(tmp, &end, 10);
    if (*end || end == tmp || errno)
        return bad(err, tag, arg, "'%s' is not an integer", tmp);
    if (!dq_vr_int_fits(vr, v)) {
        char why[96];
        snprintf(why, sizeof why, "'%s' does not fit %c%c", tmp, (char)(vr >> 8), (char)vr);
        return bad(err, tag, arg, "%s", why);
    }
    *bits = (uint64_t)v;
    return 0;
}

/* Binary numbers and AT: count the '\'-separated values, then convert each
 * into size bytes, little-endian. */
static int set_binary(dq_element *el, const char *text, size_t n, unsigned size, const char *arg,
                      dq_error *err)
{
    dq_vr vr = el->vr;
    size_t count = 1;
    for (size_t i = 0; i < n; i++)
        count += text[i] == '\\';
    if (count > (UINT32_MAX - 1) / size || dq_el_set_value(el, NULL, count * size))
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, el->tag, "out of memory");
    const char *p = text;
    for (size_t i = 0; i < count; i++) {
        const char *e = strchr(p, '\\');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char tmp[64];
        if (len == 0 || len >= sizeof tmp)
            return bad(err, el->tag, arg, "%s", "empty or overlong number in a multi-value");
        memcpy(tmp, p, len);
        tmp[len] = 0;
        uint64_t bits = 0;
        int rc;
        if (vr == V('A', 'T'))
            rc = at_bits(tmp, len, el->tag, arg, &bits, err);
        else if (vr == V('F', 'L') || vr == V('F', 'D'))
            rc = float_bits(tmp, vr, el->tag, arg, &bits, err);
        else
            rc = integer_bits(tmp, vr, el->tag, arg, &bits, err);
        if (rc)
            return -1;
        uint8_t *dst = el->value + i * size;
        for (unsigned b = 0; b < size; b++)
            dst[b] = (uint8_t)(bits >> (8 * b));
        p = e ? e + 1 : p + len;
    }
    return 0;
}

/* Sets the element from the text of a query key: text as is, bytes as hex,
 * numbers and tags converted (several separated by '\'). */
int dq_el_set_from_text(dq_element *el, const char *text, const char *arg, dq_error *err)
{
    dq_vr vr = el->vr;
    size_t n = strlen(text);
    if (n == 0 || dq_vr_is_text(vr) || vr == V('S', 'Q'))
        return set_text(el, text, n, arg, err);
    const dq_vr_info *vi = dq_vr_props(vr);
    if (vi && vi->vr_class == DQ_VR_CLASS_BYTES)
        return set_hex(el, text, n, arg, err);
    unsigned size = vi ? vi->value_size : 0;
    if (!size)
        return bad(err, el->tag, arg, "%s", "the element's VR cannot be set from text");
    return set_binary(el, text, n, size, arg, err);
}

typedef dq_keypath_step component;

static int parse_component(const char *s, size_t n, const char *arg, component *c, dq_error *err)
{
    char name[128];
    if (n == 0 || n >= sizeof name)
        return bad(err, DQ_ERROR_NO_TAG, arg, "%s", "empty or overlong path component");
    memcpy(name, s, n);
    name[n] = 0;
    c->index = -1;
    char *lb = strchr(name, '['), *rb = strchr(name, ']');
    if (lb || rb) {
        if (!lb || !rb || rb < lb || rb[1] != 0 || rb == lb + 1)
            return bad(err, DQ_ERROR_NO_TAG, arg, "invalid component '%s'", name);
        char *end;
        errno = 0;
        long idx = strtol(lb + 1, &end, 10);
        if (end != rb || errno || idx < 0 || !isdigit((unsigned char)lb[1]))
            return bad(err, DQ_ERROR_NO_TAG, arg, "invalid item index in '%s'", name);
        if (idx > MAX_INDEX)
            return bad(err, DQ_ERROR_NO_TAG, arg, "item index in '%s' is too large", name);
        c->index = idx;
        *lb = 0;
    }
    const dq_dict_entry *de = NULL;
    if (strchr(name, ',') || name[0] == '(') {
        if (!parse_tag(name, strlen(name), &c->tag))
            return bad(err, DQ_ERROR_NO_TAG, arg, "malformed tag '%s' (expected (gggg,eeee))",
                       name);
        de = dq_dict_find(c->tag);
    } else {
        de = dq_dict_find_keyword(name);
        if (!de)
            return bad(err, DQ_ERROR_NO_TAG, arg, "unknown keyword '%s'", name);
        if (de->mask != 0xFFFFFFFFu)
            return bad(err, DQ_ERROR_NO_TAG, arg,
                       "repeating group element '%s' must be given as (gggg,eeee)", name);
        c->tag = de->tag;
    }
    return 0;
}

/* The path before '=' as components, split on '.'. */
static int parse_path(const char *arg, size_t path_len, component *comps, size_t *nc_out,
                      dq_error *err)
{
    size_t nc = 0;
    const char *p = arg, *pend = arg + path_len;
    while (p <= pend) {
        const char *dot = memchr(p, '.', (size_t)(pend - p));
        const char *ce = dot ? dot : pend;
        if (nc == MAX_PATH)
            return bad(err, DQ_ERROR_NO_TAG, arg, "%s", "path nested too deeply");
        if (parse_component(p, (size_t)(ce - p), arg, &comps[nc], err))
            return -1;
        nc++;
        if (!dot)
            break;
        p = dot + 1;
    }
    *nc_out = nc;
    return 0;
}

/* A sequence step, Seq[N] (or Seq without index in the middle): the
 * sequence and its items up to N are created as needed. *item: the item the
 * path goes on into, NULL when this step was the last. */
static int sequence_step(dq_dataset *cur, const component *c, dq_vr vr, bool last,
                         const char *value, const char *arg, dq_dataset **item, dq_error *err)
{
    if (vr != V('S', 'Q'))
        return bad(err, c->tag, arg, "(%s) is not a sequence", "element");
    if (c->index < 0)
        return bad(err, c->tag, arg, "%s", "a sequence in a path needs an item index [N]");
    dq_element *seq = dq_dataset_find_sequence(cur, c->tag);
    if (!seq && !(seq = dq_dataset_set_sequence(cur, c->tag, err)))
        return -1;
    while (seq->nitems <= (size_t)c->index)
        if (!dq_element_add_item(seq, err))
            return -1;
    if (last) {
        if (*value)
            return bad(err, c->tag, arg, "%s", "a sequence item takes no value");
        *item = NULL;
        return 0;
    }
    *item = seq->items[c->index];
    return 0;
}

/* The last component: Element=value, or Seq= (empty sequence). */
static int set_leaf(dq_dataset *cur, const component *c, dq_vr vr, const char *value,
                    const char *arg, dq_error *err)
{
    if (vr == V('S', 'Q')) {
        if (*value)
            return bad(err, c->tag, arg, "%s", "a sequence takes no value");
        return dq_dataset_set_sequence(cur, c->tag, err) ? 0 : -1;
    }
    /* Convert first, so a bad value leaves any existing element as it was. */
    dq_element tmp = {.tag = c->tag, .vr = vr, .owner = cur};
    if (dq_el_set_from_text(&tmp, value, arg, err))
        return -1;
    dq_element *el = dq_ds_put(cur, c->tag, vr);
    if (!el)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, c->tag, "out of memory");
    el->len = tmp.len;
    el->value = tmp.value;
    el->typed_utf8 = dq_vr_is_text(vr) && tmp.len; /* dq_dataset_encode_keys */
    return 0;
}

int dq_dataset_set_key(dq_dataset *ds, const char *arg, dq_error *err)
{
    if (!ds || !arg)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "no query key");
    const char *eq = strchr(arg, '=');
    const char *value = eq ? eq + 1 : "";
    size_t path_len = eq ? (size_t)(eq - arg) : strlen(arg);
    component comps[MAX_PATH];
    size_t nc = 0;
    if (parse_path(arg, path_len, comps, &nc, err))
        return -1;
    dq_dataset *cur = ds;
    for (size_t i = 0; i < nc; i++) {
        const component *c = &comps[i];
        bool last = i + 1 == nc;
        dq_vr vr = dq_vr_for_tag(c->tag, cur);
        if (c->index < 0 && last)
            return set_leaf(cur, c, vr, value, arg, err);
        if (sequence_step(cur, c, vr, last, value, arg, &cur, err))
            return -1;
    }
    return 0;
}

int dq_keypath_parse(const char *path, dq_keypath *out, dq_error *err)
{
    if (!path || !out)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "no key path");
    out->n = 0;
    return parse_path(path, strlen(path), out->step, &out->n, err);
}

const dq_element *dq_keypath_find(const dq_dataset *ds, const dq_keypath *kp)
{
    const dq_dataset *cur = ds;
    for (size_t i = 0; cur && i < kp->n; i++) {
        const dq_element *el = dq_dataset_find(cur, kp->step[i].tag);
        if (!el || i + 1 == kp->n)
            return el;
        /* Inside a path every step is an item of a sequence (Seq[N]). */
        if (kp->step[i].index < 0 || (size_t)kp->step[i].index >= dq_element_item_count(el))
            return NULL;
        cur = dq_element_item(el, (size_t)kp->step[i].index);
    }
    return NULL;
}

bool dq_keypath_equal(const dq_keypath *a, const dq_keypath *b)
{
    size_t i = 0;
    while (i < a->n && i < b->n && a->step[i].tag == b->step[i].tag &&
           a->step[i].index == b->step[i].index)
        i++;
    return i == a->n && i == b->n;
}

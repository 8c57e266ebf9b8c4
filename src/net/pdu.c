/* Upper Layer PDUs: framing, decoding into zero-copy views, encoding.
 *
 * Offsets, item types, header checks and header writers come from the
 * standard's tables via the generated dq_gen_pdu.{c,h}; this file composes
 * them into whole PDUs. Every length read from the wire is checked against
 * the bytes that enclose it before anything is read behind it. */
#include "dq/pdu.h"

#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "dq_gen_pdu.h"

/* The public constants of dq/pdu.h are PS3.8/PS3.7 table values: each is held
 * against the value generated from the standard, so a typo or a changed
 * edition fails the build. */
#define SAME(public, generated) \
    _Static_assert((public) == (generated), #public " is not " #generated)
SAME(DQ_PDU_ASSOCIATE_RQ, DQ_GEN_PDU_ASSOCIATE_RQ_TYPE);
SAME(DQ_PDU_ASSOCIATE_AC, DQ_GEN_PDU_ASSOCIATE_AC_TYPE);
SAME(DQ_PDU_ASSOCIATE_RJ, DQ_GEN_PDU_ASSOCIATE_RJ_TYPE);
SAME(DQ_PDU_P_DATA_TF, DQ_GEN_PDU_P_DATA_TF_TYPE);
SAME(DQ_PDU_RELEASE_RQ, DQ_GEN_PDU_RELEASE_RQ_TYPE);
SAME(DQ_PDU_RELEASE_RP, DQ_GEN_PDU_RELEASE_RP_TYPE);
SAME(DQ_PDU_ABORT, DQ_GEN_PDU_ABORT_TYPE);
SAME(DQ_PDU_ITEM_APPLICATION_CONTEXT, DQ_GEN_PDU_APP_CONTEXT_TYPE);
SAME(DQ_PDU_ITEM_PCTX_RQ, DQ_GEN_PDU_PCTX_RQ_TYPE);
SAME(DQ_PDU_ITEM_PCTX_AC, DQ_GEN_PDU_PCTX_AC_TYPE);
SAME(DQ_PDU_ITEM_ABSTRACT_SYNTAX, DQ_GEN_PDU_ABSTRACT_SYNTAX_TYPE);
SAME(DQ_PDU_ITEM_TRANSFER_SYNTAX, DQ_GEN_PDU_TRANSFER_SYNTAX_RQ_TYPE);
SAME(DQ_PDU_ITEM_TRANSFER_SYNTAX, DQ_GEN_PDU_TRANSFER_SYNTAX_AC_TYPE);
SAME(DQ_PDU_ITEM_USER_INFO, DQ_GEN_PDU_USER_INFO_RQ_TYPE);
SAME(DQ_PDU_ITEM_USER_INFO, DQ_GEN_PDU_USER_INFO_AC_TYPE);
SAME(DQ_PDU_ITEM_MAX_LENGTH, DQ_GEN_PDU_MAX_LENGTH_RQ_TYPE);
SAME(DQ_PDU_ITEM_MAX_LENGTH, DQ_GEN_PDU_MAX_LENGTH_AC_TYPE);
SAME(DQ_PDU_ITEM_IMPLEMENTATION_CLASS_UID, DQ_GEN_PDU_IMPL_CLASS_UID_RQ_TYPE);
SAME(DQ_PDU_ITEM_IMPLEMENTATION_CLASS_UID, DQ_GEN_PDU_IMPL_CLASS_UID_AC_TYPE);
SAME(DQ_PDU_ITEM_ASYNC_OPS_WINDOW, DQ_GEN_PDU_ASYNC_OPS_RQ_TYPE);
SAME(DQ_PDU_ITEM_ASYNC_OPS_WINDOW, DQ_GEN_PDU_ASYNC_OPS_AC_TYPE);
SAME(DQ_PDU_ITEM_ROLE_SELECTION, DQ_GEN_PDU_ROLE_RQ_TYPE);
SAME(DQ_PDU_ITEM_ROLE_SELECTION, DQ_GEN_PDU_ROLE_AC_TYPE);
SAME(DQ_PDU_ITEM_IMPLEMENTATION_VERSION_NAME, DQ_GEN_PDU_IMPL_VERSION_RQ_TYPE);
SAME(DQ_PDU_ITEM_IMPLEMENTATION_VERSION_NAME, DQ_GEN_PDU_IMPL_VERSION_AC_TYPE);
SAME(DQ_PDU_ITEM_SOP_EXT_NEG, DQ_GEN_PDU_EXT_NEG_TYPE);
SAME(DQ_PDU_ITEM_SOP_COMMON_EXT_NEG, DQ_GEN_PDU_COMMON_EXT_NEG_TYPE);
SAME(DQ_PDU_ITEM_USER_IDENTITY_RQ, DQ_GEN_PDU_USER_IDENTITY_RQ_TYPE);
SAME(DQ_PDU_ITEM_USER_IDENTITY_AC, DQ_GEN_PDU_USER_IDENTITY_AC_TYPE);
SAME(DQ_USER_IDENTITY_USERNAME, DQ_GEN_PDU_USER_IDENTITY_TYPE_USERNAME_AS_A_STRING_IN_UTF_8);
SAME(DQ_USER_IDENTITY_USERNAME_PASSCODE,
     DQ_GEN_PDU_USER_IDENTITY_TYPE_USERNAME_AS_A_STRING_IN_UTF_8_AND_PASSCODE);
SAME(DQ_USER_IDENTITY_KERBEROS, DQ_GEN_PDU_USER_IDENTITY_TYPE_KERBEROS_SERVICE_TICKET);
SAME(DQ_USER_IDENTITY_SAML, DQ_GEN_PDU_USER_IDENTITY_TYPE_SAML_ASSERTION);
/* JWT came with a later edition (2013's table stops at SAML): built from an
 * edition without it, type 5 has no text and dq_assoc refuses it. */
#ifdef DQ_GEN_PDU_USER_IDENTITY_TYPE_JSON_WEB_TOKEN_JWT
SAME(DQ_USER_IDENTITY_JWT, DQ_GEN_PDU_USER_IDENTITY_TYPE_JSON_WEB_TOKEN_JWT);
#endif
SAME(DQ_PDU_HEADER_SIZE, DQ_GEN_PDU_ASSOCIATE_RQ_HEADER_SIZE);
SAME(DQ_PDU_HEADER_SIZE, DQ_GEN_PDU_P_DATA_TF_HEADER_SIZE);
SAME(DQ_PDU_AE_TITLE_SIZE, DQ_GEN_PDU_ASSOCIATE_RQ_CALLED_AE_TITLE_SIZE);
SAME(DQ_PDU_AE_TITLE_SIZE, DQ_GEN_PDU_ASSOCIATE_RQ_CALLING_AE_TITLE_SIZE);
/* P-DATA-TF header, PDV item length and context ID, then the message control
 * header byte that starts every PDV (PS3.8 E.2). */
SAME(DQ_PDU_PDATA_HEADER_SIZE,
     DQ_GEN_PDU_P_DATA_TF_HEADER_SIZE + DQ_GEN_PDU_PDV_ITEM_PRESENTATION_DATA_VALUE_OFFSET + 1);
#define ITEM_HEADER 4u /* type, reserved, 2-byte length */
SAME(ITEM_HEADER, DQ_GEN_PDU_APP_CONTEXT_HEADER_SIZE);
#undef SAME
#define UID_MAX 64u

/* ---- layouts ------------------------------------------------------------------ */

/* Every PDU, item and sub-item header is checked and written from its
 * generated layout (PS3.8 9.3 and Annex D, PS3.7 Annex D): the type, where
 * the length field is and how wide, how many fixed bytes follow it. Fields
 * at fixed offsets are read and written through the generated
 * DQ_GEN_PDU_<LAYOUT>_<FIELD>_OFFSET/_SIZE macros. */
typedef enum dq_gen_pdu_layout_id layout_id;

/* Big-endian (PS3.8 9.3.1), 1 to 4 bytes. */
static uint32_t be_get(const uint8_t *p, uint32_t size)
{
    uint32_t v = 0;
    for (uint32_t i = 0; i < size; i++)
        v = v << 8 | p[i];
    return v;
}

static void be_put(uint8_t *p, uint32_t size, uint32_t v)
{
    for (uint32_t i = size; i-- > 0; v >>= 8)
        p[i] = (uint8_t)v;
}

#define GET(F, p) be_get((p) + F##_OFFSET, F##_SIZE)
#define SET(F, p, v) be_put((p) + F##_OFFSET, F##_SIZE, (uint32_t)(v))

/* p[0..avail) must start with a whole item of the layout: its type, its
 * length field, the fixed fields, and the length within avail. Returns the
 * item's size (header + length), or 0 with *why set. */
/* Inlined: the PDV item and P-DATA-TF checks run for every PDU received,
 * and a constant id folds the table reads and the length loop away. */
__attribute__((always_inline)) static inline size_t layout_check(layout_id id, const uint8_t *p,
                                                                 size_t avail, const char **why)
{
    const dq_gen_pdu_layout *l = &dq_gen_pdu_layouts[id];
    if (avail < l->header_size) {
        *why = "truncated header";
        return 0;
    }
    if (l->type >= 0 && p[0] != (uint8_t)l->type) {
        *why = "wrong type byte";
        return 0;
    }
    uint32_t length = be_get(p + l->length_offset, l->length_size);
    if (length > avail - l->header_size) {
        *why = "length runs past the end of the enclosing data";
        return 0;
    }
    if (l->fixed_size > l->header_size && length < l->fixed_size - l->header_size) {
        *why = "length shorter than the fixed fields";
        return 0;
    }
    return (size_t)length + l->header_size;
}

/* Writes the header: type (if the layout has one), zeroed reserved bytes,
 * length = bytes after the header. */
static void layout_put_header(layout_id id, uint8_t *p, uint32_t length)
{
    const dq_gen_pdu_layout *l = &dq_gen_pdu_layouts[id];
    memset(p, 0, l->length_offset);
    if (l->type >= 0)
        p[0] = (uint8_t)l->type;
    be_put(p + l->length_offset, l->length_size, length);
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ---- strings -------------------------------------------------------------------- */

dq_pdu_str dq_pdu_cstr(const char *s)
{
    dq_pdu_str r = {s, s ? strlen(s) : 0};
    return r;
}

bool dq_pdu_str_eq(dq_pdu_str a, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return a.len == n && (n == 0 || memcmp(a.ptr, s, n) == 0);
}

/* UIDs: some peers pad to even length with one NUL (PS3.5 style). All
 * trailing NULs go (a UID never contains one), so that decoding what we
 * encode from a decoded view gives the same view (fuzz_roundtrip). */
static dq_pdu_str uid_view(const uint8_t *p, size_t n)
{
    while (n > 0 && p[n - 1] == 0)
        n--;
    dq_pdu_str r = {n ? (const char *)p : NULL, n};
    return r;
}

/* Names (implementation version name): trailing spaces/NULs are padding. */
static dq_pdu_str name_view(const uint8_t *p, size_t n)
{
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == 0))
        n--;
    dq_pdu_str r = {n ? (const char *)p : NULL, n};
    return r;
}

/* AE titles: 16 bytes, leading and trailing spaces insignificant (PS3.8 9.3.2). */
static void ae_copy(char out[DQ_PDU_AE_TITLE_SIZE + 1], const uint8_t *p)
{
    size_t a = 0, b = DQ_PDU_AE_TITLE_SIZE;
    /* The result is a C string: it ends at the first NUL, and the spaces
     * before that NUL are padding too (else "AE  \0x" would read "AE  "). */
    const uint8_t *nul = memchr(p, 0, DQ_PDU_AE_TITLE_SIZE);
    if (nul)
        b = (size_t)(nul - p);
    while (a < b && p[a] == ' ')
        a++;
    while (b > a && p[b - 1] == ' ')
        b--;
    memcpy(out, p + a, b - a);
    out[b - a] = 0;
}

/* ---- framing -------------------------------------------------------------------- */

static bool known_type(unsigned t)
{
    return t >= DQ_PDU_ASSOCIATE_RQ && t <= DQ_PDU_ABORT;
}

int dq_pdu_frame_check(const uint8_t *buf, size_t len, uint32_t max_length, dq_pdu_frame *frame,
                       dq_error *err)
{
    dq_pdu_frame f = {0, 0, 0, false};
    if (len >= 1) {
        if (!known_type(buf[0])) {
            dq_error_set(err, DQ_ERR_MALFORMED, 0, DQ_ERROR_NO_TAG, "unrecognized PDU type 0x%02X",
                         buf[0]);
            if (frame)
                *frame = f;
            return -1;
        }
        f.type = (dq_pdu_type)buf[0];
    }
    if (len < DQ_PDU_HEADER_SIZE) {
        if (frame)
            *frame = f;
        return 0;
    }
    f.length = rd32(buf + DQ_GEN_PDU_P_DATA_TF_PDU_LENGTH_OFFSET);
    if (frame)
        *frame = f;
    switch (f.type) {
    case DQ_PDU_ASSOCIATE_RJ:
    case DQ_PDU_RELEASE_RQ:
    case DQ_PDU_RELEASE_RP:
    case DQ_PDU_ABORT:
        /* Fixed-size PDUs: all four are 10 bytes in the standard's tables. */
        if (f.length != DQ_GEN_PDU_ABORT_FIXED_SIZE - DQ_PDU_HEADER_SIZE)
            return dq_fail(err, DQ_ERR_MALFORMED, 2, DQ_ERROR_NO_TAG,
                           "%s PDU-length is %lu, must be 4", dq_pdu_type_name(f.type),
                           (unsigned long)f.length);
        break;
    case DQ_PDU_ASSOCIATE_RQ:
    case DQ_PDU_ASSOCIATE_AC:
        if (f.length > DQ_PDU_ASSOC_MAX_LENGTH)
            return dq_fail(err, DQ_ERR_LIMIT, 2, DQ_ERROR_NO_TAG,
                           "%s PDU-length %lu over the cap %u", dq_pdu_type_name(f.type),
                           (unsigned long)f.length, DQ_PDU_ASSOC_MAX_LENGTH);
        if (f.length < DQ_GEN_PDU_ASSOCIATE_RQ_FIXED_SIZE - DQ_PDU_HEADER_SIZE)
            return dq_fail(err, DQ_ERR_MALFORMED, 2, DQ_ERROR_NO_TAG, "%s PDU-length %lu too short",
                           dq_pdu_type_name(f.type), (unsigned long)f.length);
        break;
    case DQ_PDU_P_DATA_TF:
        if (max_length != 0 && f.length > max_length)
            return dq_fail(err, DQ_ERR_LIMIT, 2, DQ_ERROR_NO_TAG,
                           "P-DATA-TF PDU-length %lu over the maximum %lu", (unsigned long)f.length,
                           (unsigned long)max_length);
        break;
    }
    if ((uint64_t)f.length + DQ_PDU_HEADER_SIZE > (uint64_t)SIZE_MAX)
        return dq_fail(err, DQ_ERR_LIMIT, 2, DQ_ERROR_NO_TAG, "PDU does not fit in memory");
    f.size = (size_t)f.length + DQ_PDU_HEADER_SIZE;
    f.complete = len >= f.size;
    if (frame)
        *frame = f;
    return 0;
}

/* ---- decoding ------------------------------------------------------------------- */

#define FAIL(kind, off, ...) return dq_fail(err, kind, (size_t)(off), DQ_ERROR_NO_TAG, __VA_ARGS__)

/* Checks the PDU header against its generated layout: right type and
 * PDU-length exactly the rest of the buffer. */
/* Inlined for the same reason as layout_check: P-DATA-TF is checked per PDU. */
__attribute__((always_inline)) static inline int
check_whole(layout_id id, const char *name, const uint8_t *pdu, size_t size, dq_error *err)
{
    const char *why = "";
    if (!pdu)
        FAIL(DQ_ERR_ARGUMENT, 0, "%s: no input", name);
    size_t n = layout_check(id, pdu, size, &why);
    if (n == 0)
        FAIL(DQ_ERR_MALFORMED, 0, "%s: %s", name, why);
    if (n != size)
        FAIL(DQ_ERR_MALFORMED, 2, "%s: PDU-length says %zu bytes, have %zu", name, n, size);
    return 0;
}

static int decode_pctx(const uint8_t *p, size_t n, size_t base, bool ac, dq_pdu_pctx *pc,
                       dq_error *err)
{
    memset(pc, 0, sizeof *pc);
    pc->id = ac ? GET(DQ_GEN_PDU_PCTX_AC_PRESENTATION_CONTEXT_ID, p)
                : GET(DQ_GEN_PDU_PCTX_RQ_PRESENTATION_CONTEXT_ID, p);
    if (pc->id % 2 == 0)
        FAIL(DQ_ERR_MALFORMED, base + DQ_GEN_PDU_PCTX_RQ_PRESENTATION_CONTEXT_ID_OFFSET,
             "presentation context ID %u is not odd", pc->id);
    if (ac)
        pc->result = GET(DQ_GEN_PDU_PCTX_AC_RESULT_REASON, p);
    size_t off = DQ_GEN_PDU_PCTX_RQ_FIXED_SIZE;
    pc->raw = p + off;
    pc->raw_len = n - off;
    bool have_abstract = false;
    while (off < n) {
        const char *why = "";
        uint8_t t = p[off];
        size_t k;
        if (t == DQ_GEN_PDU_ABSTRACT_SYNTAX_TYPE && !ac) {
            k = layout_check(DQ_GEN_PDU_L_ABSTRACT_SYNTAX, p + off, n - off, &why);
            if (k == 0)
                FAIL(DQ_ERR_MALFORMED, base + off, "abstract syntax sub-item: %s", why);
            if (have_abstract || pc->n_transfer_syntaxes)
                FAIL(DQ_ERR_MALFORMED, base + off,
                     "presentation context %u: abstract syntax sub-item out of place", pc->id);
            have_abstract = true;
            pc->abstract_syntax = uid_view(p + off + ITEM_HEADER, k - ITEM_HEADER);
        } else if (t == DQ_GEN_PDU_TRANSFER_SYNTAX_RQ_TYPE) {
            k = layout_check(ac ? DQ_GEN_PDU_L_TRANSFER_SYNTAX_AC : DQ_GEN_PDU_L_TRANSFER_SYNTAX_RQ,
                             p + off, n - off, &why);
            if (k == 0)
                FAIL(DQ_ERR_MALFORMED, base + off, "transfer syntax sub-item: %s", why);
            if (!ac && !have_abstract)
                FAIL(DQ_ERR_MALFORMED, base + off,
                     "presentation context %u: transfer syntax before the abstract syntax", pc->id);
            if (ac && pc->n_transfer_syntaxes == 1)
                FAIL(DQ_ERR_MALFORMED, base + off,
                     "presentation context %u: more than one transfer syntax in an A-ASSOCIATE-AC",
                     pc->id);
            if (pc->n_transfer_syntaxes == UINT16_MAX)
                FAIL(DQ_ERR_LIMIT, base + off, "too many transfer syntaxes");
            if (pc->n_transfer_syntaxes == 0)
                pc->transfer_syntax = uid_view(p + off + ITEM_HEADER, k - ITEM_HEADER);
            pc->n_transfer_syntaxes++;
        } else {
            FAIL(DQ_ERR_MALFORMED, base + off,
                 "presentation context %u: unexpected sub-item type 0x%02X", pc->id, t);
        }
        off += k;
    }
    if (!ac && (!have_abstract || pc->n_transfer_syntaxes == 0))
        FAIL(DQ_ERR_MALFORMED, base,
             "presentation context %u: needs an abstract syntax and a transfer syntax", pc->id);
    return 0;
}

/* The i-th UID of a list validated when it was decoded: each entry is a
 * header of hdr bytes ending in a 2-byte length, then the UID; with
 * item_type >= 0 only the entries of that item type count. */
static dq_pdu_str nth_uid(const uint8_t *raw, size_t raw_len, size_t hdr, int item_type, size_t i)
{
    size_t off = 0, seen = 0;
    while (raw && off + hdr <= raw_len) {
        size_t k = hdr + rd16(raw + off + hdr - 2);
        if (k > raw_len - off)
            break;
        if ((item_type < 0 || raw[off] == item_type) && seen++ == i)
            return uid_view(raw + off + hdr, k - hdr);
        off += k;
    }
    return (dq_pdu_str){NULL, 0};
}

dq_pdu_str dq_pdu_pctx_transfer_syntax(const dq_pdu_pctx *pc, size_t i)
{
    if (!pc || i >= pc->n_transfer_syntaxes)
        return (dq_pdu_str){NULL, 0};
    if (pc->transfer_syntaxes)
        return pc->transfer_syntaxes[i];
    if (!pc->raw)
        return i == 0 ? pc->transfer_syntax : (dq_pdu_str){NULL, 0};
    return nth_uid(pc->raw, pc->raw_len, ITEM_HEADER, DQ_PDU_ITEM_TRANSFER_SYNTAX, i);
}

/* Reads a 2-byte length followed by that many bytes at p[*off], within n. */
static bool take16(const uint8_t *p, size_t n, size_t *off, const uint8_t **data, size_t *len)
{
    if (n - *off < 2)
        return false;
    size_t l = rd16(p + *off);
    if (n - *off - 2 < l)
        return false;
    *data = p + *off + 2;
    *len = l;
    *off += 2 + l;
    return true;
}

static int decode_common_ext_neg(const uint8_t *p, size_t n, size_t base, dq_pdu_common_ext_neg *c,
                                 dq_error *err)
{
    memset(c, 0, sizeof *c);
    size_t off = DQ_GEN_PDU_COMMON_EXT_NEG_SOP_CLASS_UID_LENGTH_OFFSET;
    const uint8_t *d;
    size_t l;
    if (!take16(p, n, &off, &d, &l))
        FAIL(DQ_ERR_MALFORMED, base + off,
             "common extended negotiation: SOP-class-uid runs past the item");
    c->sop_class_uid = uid_view(d, l);
    if (!take16(p, n, &off, &d, &l))
        FAIL(DQ_ERR_MALFORMED, base + off,
             "common extended negotiation: Service-class-uid runs past the item");
    c->service_class_uid = uid_view(d, l);
    if (!take16(p, n, &off, &d, &l))
        FAIL(DQ_ERR_MALFORMED, base + off,
             "common extended negotiation: related general SOP classes run past the item");
    c->raw = d;
    c->raw_len = l;
    /* Validate the related-general sub-fields now so the accessor can trust them. */
    size_t roff = 0;
    while (roff < l) {
        const char *why = "";
        size_t k = layout_check(DQ_GEN_PDU_L_RELATED_GENERAL, d + roff, l - roff, &why);
        if (k == 0)
            FAIL(DQ_ERR_MALFORMED, base + (size_t)(d - p) + roff, "related general SOP class: %s",
                 why);
        if (c->n_related == UINT16_MAX)
            FAIL(DQ_ERR_LIMIT, base, "too many related general SOP classes");
        c->n_related++;
        roff += k;
    }
    /* Bytes after (z+1) are reserved for later versions of the sub-item: ignored. */
    return 0;
}

dq_pdu_str dq_pdu_common_ext_neg_related(const dq_pdu_common_ext_neg *c, size_t i)
{
    if (!c || i >= c->n_related)
        return (dq_pdu_str){NULL, 0};
    if (c->related_list)
        return c->related_list[i];
    return nth_uid(c->raw, c->raw_len, 2, -1, i);
}

/* ---- user information sub-items (PS3.8 Annex D, PS3.7 Annex D) ------------------- */

/* The sub-item being decoded: s[0..avail) starts with its header; `at` is
 * its offset within the PDU (for errors); `ac` says which direction's layouts
 * apply. size is the sub-item's whole size once its layout is checked. */
typedef struct ui_sub {
    const uint8_t *s;
    size_t avail, at, size;
    bool ac;
} ui_sub;

/* What a sub-item gives once decode_ui_sub checked it against its layout
 * (every reader may trust the header, the fixed fields and x->size). */
typedef int (*ui_reader)(const ui_sub *x, dq_pdu_user_info *ui, dq_error *err);

/* 51H (PS3.8 D.1). */
static int ui_max_length(const ui_sub *x, dq_pdu_user_info *ui, dq_error *err)
{
    (void)err;
    ui->has_max_length = true;
    ui->max_length = GET(DQ_GEN_PDU_MAX_LENGTH_RQ_MAXIMUM_LENGTH_RECEIVED, x->s);
    return 0;
}

/* 52H (PS3.7 D.3.3.2). */
static int ui_impl_class_uid(const ui_sub *x, dq_pdu_user_info *ui, dq_error *err)
{
    (void)err;
    ui->implementation_class_uid = uid_view(x->s + ITEM_HEADER, x->size - ITEM_HEADER);
    return 0;
}

/* 55H (PS3.7 D.3.3.2). */
static int ui_impl_version(const ui_sub *x, dq_pdu_user_info *ui, dq_error *err)
{
    (void)err;
    ui->implementation_version_name = name_view(x->s + ITEM_HEADER, x->size - ITEM_HEADER);
    return 0;
}

/* 53H (PS3.7 D.3.3.3). */
static int ui_async_ops(const ui_sub *x, dq_pdu_user_info *ui, dq_error *err)
{
    (void)err;
    ui->has_async_ops = true;
    ui->max_ops_invoked = GET(DQ_GEN_PDU_ASYNC_OPS_RQ_MAXIMUM_NUMBER_OPERATIONS_INVOKED, x->s);
    ui->max_ops_performed = GET(DQ_GEN_PDU_ASYNC_OPS_RQ_MAXIMUM_NUMBER_OPERATIONS_PERFORMED, x->s);
    return 0;
}

/* 54H (PS3.7 D.3.3.4): UID, then the SCU and SCP role bytes. */
static int ui_role(const ui_sub *x, dq_pdu_user_info *ui, dq_error *err)
{
    if (ui->n_roles == DQ_PDU_MAX_ROLES)
        FAIL(DQ_ERR_LIMIT, x->at, "more than %u role selection sub-items", DQ_PDU_MAX_ROLES);
    size_t o = DQ_GEN_PDU_ROLE_RQ_UID_LENGTH_OFFSET;
    const uint8_t *d;
    size_t l;
    if (!take16(x->s, x->size, &o, &d, &l) || x->size - o != 2)
        FAIL(DQ_ERR_MALFORMED, x->at,
             "role selection sub-item: UID-length does not match the item");
    dq_pdu_role *r = &ui->roles[ui->n_roles++];
    r->sop_class_uid = uid_view(d, l);
    r->scu_role = x->s[o];
    r->scp_role = x->s[o + 1];
    return 0;
}

/* 56H (PS3.7 D.3.3.5): UID, then opaque application information. */
static int ui_ext_neg(const ui_sub *x, dq_pdu_user_info *ui, dq_error *err)
{
    if (ui->n_ext_neg == DQ_PDU_MAX_EXT_NEG)
        FAIL(DQ_ERR_LIMIT, x->at, "more than %u extended negotiation sub-items",
             DQ_PDU_MAX_EXT_NEG);
    size_t o = DQ_GEN_PDU_EXT_NEG_SOP_CLASS_UID_LENGTH_OFFSET;
    const uint8_t *d;
    size_t l;
    if (!take16(x->s, x->size, &o, &d, &l))
        FAIL(DQ_ERR_MALFORMED, x->at,
             "SOP class extended negotiation: SOP-class-uid runs past the item");
    dq_pdu_ext_neg *e = &ui->ext_neg[ui->n_ext_neg++];
    e->sop_class_uid = uid_view(d, l);
    e->info = x->s + o;
    e->info_len = x->size - o;
    return 0;
}

/* 57H (PS3.7 D.3.3.6). */
static int ui_common_ext_neg(const ui_sub *x, dq_pdu_user_info *ui, dq_error *err)
{
    if (ui->n_common_ext_neg == DQ_PDU_MAX_COMMON_EXT_NEG)
        FAIL(DQ_ERR_LIMIT, x->at, "more than %u common extended negotiation sub-items",
             DQ_PDU_MAX_COMMON_EXT_NEG);
    if (decode_common_ext_neg(x->s, x->size, x->at, &ui->common_ext_neg[ui->n_common_ext_neg],
                              err) < 0)
        return -1;
    ui->n_common_ext_neg++;
    return 0;
}

/* At most one User Identity sub-item per A-ASSOCIATE (PS3.7 D.3.3.7.1/.2). */
static dq_pdu_user_identity *ui_identity_slot(const ui_sub *x, dq_pdu_user_info *ui, dq_error *err)
{
    if (ui->has_user_identity) {
        dq_error_set(err, DQ_ERR_MALFORMED, x->at, DQ_ERROR_NO_TAG,
                     "more than one user identity sub-item");
        return NULL;
    }
    ui->has_user_identity = true;
    memset(&ui->user_identity, 0, sizeof ui->user_identity);
    return &ui->user_identity;
}

/* One length-prefixed field of the User Identity sub-item at *o, moved past it. */
static int identity_field(const ui_sub *x, size_t *o, const char *what, const uint8_t **p,
                          uint16_t *len, dq_error *err)
{
    const uint8_t *d;
    size_t l;
    if (!take16(x->s, x->size, o, &d, &l))
        FAIL(DQ_ERR_MALFORMED, x->at, "user identity: %s runs past the item", what);
    *p = d;
    *len = (uint16_t)l;
    return 0;
}

/* 58H (PS3.7 D.3.3.7.1): type, positive-response-requested, the primary
 * field, then the secondary field (the passcode of type 2; its length field
 * may be missing when empty). */
static int ui_identity_rq(const ui_sub *x, dq_pdu_user_info *ui, dq_error *err)
{
    dq_pdu_user_identity *u = ui_identity_slot(x, ui, err);
    if (!u)
        return -1;
    u->type = GET(DQ_GEN_PDU_USER_IDENTITY_RQ_USER_IDENTITY_TYPE, x->s);
    u->positive_response_requested =
        GET(DQ_GEN_PDU_USER_IDENTITY_RQ_POSITIVE_RESPONSE_REQUESTED, x->s);
    size_t o = DQ_GEN_PDU_USER_IDENTITY_RQ_PRIMARY_FIELD_LENGTH_OFFSET;
    if (identity_field(x, &o, "primary field", &u->primary, &u->primary_len, err) < 0)
        return -1;
    if (o == x->size)
        return 0;
    return identity_field(x, &o, "secondary field", &u->secondary, &u->secondary_len, err);
}

/* 59H (PS3.7 D.3.3.7.2): the server response (may be empty). */
static int ui_identity_ac(const ui_sub *x, dq_pdu_user_info *ui, dq_error *err)
{
    dq_pdu_user_identity *u = ui_identity_slot(x, ui, err);
    size_t o = DQ_GEN_PDU_USER_IDENTITY_AC_SERVER_RESPONSE_LENGTH_OFFSET;
    return u ? identity_field(x, &o, "server response", &u->primary, &u->primary_len, err) : -1;
}

/* The sub-items this decoder reads, by item type (51H..59H): the layout each
 * is checked against in an RQ and in an AC, a name for errors, the reader.
 * A reader of NULL in one direction: the other direction's item (58H in an
 * AC, 59H in an RQ), checked, then skipped as unknown. One table lookup per
 * sub-item, and only while an A-ASSOCIATE is decoded. */
typedef struct ui_kind {
    const char *what;
    layout_id rq, ac;
    ui_reader read_rq, read_ac;
} ui_kind;

#define UI_FIRST DQ_PDU_ITEM_MAX_LENGTH
/* A row: a sub-item with an RQ and an AC layout (DQ_GEN_PDU_L_<L>_RQ/_AC),
 * or one layout L for both directions (UI_ONLY: a reader per direction,
 * UI_ONE: the same). */
#define UI_TWINS(type, what, L, rq_reader, ac_reader) \
    [(type)-UI_FIRST] = {what, DQ_GEN_PDU_L_##L##_RQ, DQ_GEN_PDU_L_##L##_AC, rq_reader, ac_reader}
#define UI_ONLY(type, what, L, rq_reader, ac_reader) \
    [(type)-UI_FIRST] = {what, DQ_GEN_PDU_L_##L, DQ_GEN_PDU_L_##L, rq_reader, ac_reader}
#define UI_ONE(type, what, L, reader) UI_ONLY(type, what, L, reader, reader)
static const ui_kind UI_KINDS[] = {
    UI_TWINS(DQ_PDU_ITEM_MAX_LENGTH, "maximum length", MAX_LENGTH, ui_max_length, ui_max_length),
    UI_TWINS(DQ_PDU_ITEM_IMPLEMENTATION_CLASS_UID, "implementation class UID", IMPL_CLASS_UID,
             ui_impl_class_uid, ui_impl_class_uid),
    UI_TWINS(DQ_PDU_ITEM_ASYNC_OPS_WINDOW, "asynchronous operations window", ASYNC_OPS,
             ui_async_ops, ui_async_ops),
    UI_TWINS(DQ_PDU_ITEM_ROLE_SELECTION, "role selection", ROLE, ui_role, ui_role),
    UI_TWINS(DQ_PDU_ITEM_IMPLEMENTATION_VERSION_NAME, "implementation version name", IMPL_VERSION,
             ui_impl_version, ui_impl_version),
    UI_ONE(DQ_PDU_ITEM_SOP_EXT_NEG, "SOP class extended negotiation", EXT_NEG, ui_ext_neg),
    UI_ONE(DQ_PDU_ITEM_SOP_COMMON_EXT_NEG, "SOP class common extended negotiation", COMMON_EXT_NEG,
           ui_common_ext_neg),
    UI_ONLY(DQ_PDU_ITEM_USER_IDENTITY_RQ, "user identity", USER_IDENTITY_RQ, ui_identity_rq, NULL),
    UI_ONLY(DQ_PDU_ITEM_USER_IDENTITY_AC, "user identity", USER_IDENTITY_AC, NULL, ui_identity_ac),
};
#define UI_KINDS_COUNT (sizeof UI_KINDS / sizeof UI_KINDS[0])
#undef UI_TWINS
#undef UI_ONE
#undef UI_ONLY

/* Unknown sub-items are skipped (PS3.7 D.3.3), but still bounds-checked. */
static int ui_unknown(ui_sub *x, dq_pdu_user_info *ui, dq_error *err)
{
    size_t l = rd16(x->s + 2);
    if (l > x->avail - ITEM_HEADER)
        FAIL(DQ_ERR_MALFORMED, x->at, "user information sub-item 0x%02X runs past the item",
             x->s[0]);
    x->size = ITEM_HEADER + l;
    ui->n_unknown++;
    return 0;
}

static int decode_ui_sub(ui_sub *x, dq_pdu_user_info *ui, dq_error *err)
{
    size_t i = (size_t)x->s[0] - UI_FIRST; /* wraps below 51H: out of range too */
    const ui_kind *k = i < UI_KINDS_COUNT ? &UI_KINDS[i] : NULL;
    if (!k || !k->what)
        return ui_unknown(x, ui, err);
    const char *why = "";
    x->size = layout_check(x->ac ? k->ac : k->rq, x->s, x->avail, &why);
    if (x->size == 0)
        FAIL(DQ_ERR_MALFORMED, x->at, "%s sub-item: %s", k->what, why);
    ui_reader read = x->ac ? k->read_ac : k->read_rq;
    if (!read) { /* the other direction's item: not ours to read */
        ui->n_unknown++;
        return 0;
    }
    return read(x, ui, err);
}

/* The User Information item (50H): its sub-items in any order. */
static int decode_user_info(const uint8_t *p, size_t n, size_t base, bool ac, dq_pdu_user_info *ui,
                            dq_error *err)
{
    memset(ui, 0, sizeof *ui);
    size_t off = DQ_GEN_PDU_USER_INFO_RQ_FIXED_SIZE;
    while (off < n) {
        ui_sub x = {p + off, n - off, base + off, 0, ac};
        if (x.avail < ITEM_HEADER)
            FAIL(DQ_ERR_MALFORMED, x.at, "user information: truncated sub-item header");
        if (decode_ui_sub(&x, ui, err) < 0)
            return -1;
        off += x.size;
    }
    if (!ui->has_max_length)
        FAIL(DQ_ERR_MALFORMED, base, "user information item without a maximum length sub-item");
    return 0;
}

/* A presentation context item (20H in an RQ, 21H in an AC) at offset off
 * of the PDU, appended to out->pctx; *k is its size. */
static int decode_pctx_item(const uint8_t *p, size_t avail, size_t off, bool ac,
                            dq_pdu_associate *out, size_t *k, dq_error *err)
{
    const char *why = "";
    if ((p[0] == DQ_PDU_ITEM_PCTX_AC) != ac)
        FAIL(DQ_ERR_MALFORMED, off, "presentation context item type 0x%02X in an %s", p[0],
             ac ? "A-ASSOCIATE-AC" : "A-ASSOCIATE-RQ");
    *k = layout_check(ac ? DQ_GEN_PDU_L_PCTX_AC : DQ_GEN_PDU_L_PCTX_RQ, p, avail, &why);
    if (*k == 0)
        FAIL(DQ_ERR_MALFORMED, off, "presentation context item: %s", why);
    if (out->n_pctx == DQ_PDU_MAX_PCTX)
        FAIL(DQ_ERR_LIMIT, off, "more than %u presentation contexts", DQ_PDU_MAX_PCTX);
    dq_pdu_pctx *pc = &out->pctx[out->n_pctx];
    if (decode_pctx(p, *k, off, ac, pc, err) < 0)
        return -1;
    for (size_t i = 0; i < out->n_pctx; i++)
        if (out->pctx[i].id == pc->id)
            FAIL(DQ_ERR_MALFORMED, off, "presentation context ID %u used twice", pc->id);
    out->n_pctx++;
    return 0;
}

/* An item that stands exactly once in an A-ASSOCIATE (PS3.8 9.3.2): checked
 * at offset off of the PDU, *seen tracks it, *k is its size. */
static int single_item(layout_id id, const char *name, const uint8_t *p, size_t avail, size_t off,
                       bool *seen, size_t *k, dq_error *err)
{
    const char *why = "";
    *k = layout_check(id, p, avail, &why);
    if (*k == 0)
        FAIL(DQ_ERR_MALFORMED, off, "%s item: %s", name, why);
    if (*seen)
        FAIL(DQ_ERR_MALFORMED, off, "more than one %s item", name);
    *seen = true;
    return 0;
}

/* The Application Context item (10H, PS3.8 9.3.2.1). */
static int decode_app_context_item(const uint8_t *p, size_t avail, size_t off, bool *seen,
                                   dq_pdu_associate *out, size_t *k, dq_error *err)
{
    if (single_item(DQ_GEN_PDU_L_APP_CONTEXT, "application context", p, avail, off, seen, k, err) <
        0)
        return -1;
    out->application_context = uid_view(p + ITEM_HEADER, *k - ITEM_HEADER);
    return 0;
}

/* The User Information item (50H, PS3.8 9.3.2.3/9.3.3.3). */
static int decode_user_info_item(const uint8_t *p, size_t avail, size_t off, bool ac, bool *seen,
                                 dq_pdu_associate *out, size_t *k, dq_error *err)
{
    layout_id id = ac ? DQ_GEN_PDU_L_USER_INFO_AC : DQ_GEN_PDU_L_USER_INFO_RQ;
    if (single_item(id, "user information", p, avail, off, seen, k, err) < 0)
        return -1;
    return decode_user_info(p, *k, off, ac, &out->user_info, err);
}

int dq_pdu_decode_associate(const uint8_t *pdu, size_t size, dq_pdu_associate *out, dq_error *err)
{
    if (!pdu || !out || size < 1)
        FAIL(DQ_ERR_ARGUMENT, 0, "A-ASSOCIATE: no input");
    bool ac = pdu[0] == DQ_PDU_ASSOCIATE_AC;
    if (!ac && pdu[0] != DQ_PDU_ASSOCIATE_RQ)
        FAIL(DQ_ERR_MALFORMED, 0, "PDU type 0x%02X is not A-ASSOCIATE-RQ/AC", pdu[0]);
    int rc = ac ? check_whole(DQ_GEN_PDU_L_ASSOCIATE_AC, "A-ASSOCIATE-AC", pdu, size, err)
                : check_whole(DQ_GEN_PDU_L_ASSOCIATE_RQ, "A-ASSOCIATE-RQ", pdu, size, err);
    if (rc < 0)
        return -1;
    memset(out, 0, sizeof *out);
    out->type = ac ? DQ_PDU_ASSOCIATE_AC : DQ_PDU_ASSOCIATE_RQ;
    out->protocol_version = GET(DQ_GEN_PDU_ASSOCIATE_RQ_PROTOCOL_VERSION, pdu);
    /* In an AC these bytes are "reserved" but echo the RQ's AE titles (PS3.8
     * Table 9-17), so they are read at the RQ's offsets. */
    ae_copy(out->called_ae, pdu + DQ_GEN_PDU_ASSOCIATE_RQ_CALLED_AE_TITLE_OFFSET);
    ae_copy(out->calling_ae, pdu + DQ_GEN_PDU_ASSOCIATE_RQ_CALLING_AE_TITLE_OFFSET);

    bool have_ctx = false, have_ui = false;
    size_t off = DQ_GEN_PDU_ASSOCIATE_RQ_VARIABLE_ITEMS_OFFSET;
    while (off < size) {
        const uint8_t *p = pdu + off;
        size_t avail = size - off;
        size_t k = 0;
        if (avail < ITEM_HEADER)
            FAIL(DQ_ERR_MALFORMED, off, "truncated item header");
        switch (p[0]) {
        case DQ_PDU_ITEM_APPLICATION_CONTEXT:
            rc = decode_app_context_item(p, avail, off, &have_ctx, out, &k, err);
            break;
        case DQ_PDU_ITEM_PCTX_RQ:
        case DQ_PDU_ITEM_PCTX_AC: rc = decode_pctx_item(p, avail, off, ac, out, &k, err); break;
        case DQ_PDU_ITEM_USER_INFO:
            rc = decode_user_info_item(p, avail, off, ac, &have_ui, out, &k, err);
            break;
        default: FAIL(DQ_ERR_MALFORMED, off, "unrecognized item type 0x%02X", p[0]);
        }
        if (rc < 0)
            return -1;
        off += k;
    }
    if (!have_ctx)
        FAIL(DQ_ERR_MALFORMED, size, "no application context item");
    if (out->n_pctx == 0)
        FAIL(DQ_ERR_MALFORMED, size, "no presentation context item");
    if (!have_ui)
        FAIL(DQ_ERR_MALFORMED, size, "no user information item");
    return 0;
}

/* The PDUs of fixed size (A-ASSOCIATE-RJ, A-RELEASE-RQ/RP, A-ABORT):
 * check_whole, and the PDU-length exactly the fixed fields. */
static int check_fixed(layout_id id, const char *name, const uint8_t *pdu, size_t size,
                       dq_error *err)
{
    if (check_whole(id, name, pdu, size, err) < 0)
        return -1;
    uint32_t fixed = dq_gen_pdu_layouts[id].fixed_size;
    if (size != fixed)
        FAIL(DQ_ERR_MALFORMED, 2, "%s PDU-length must be %u", name,
             (unsigned)(fixed - DQ_PDU_HEADER_SIZE));
    return 0;
}

/* A-ASSOCIATE-RJ (PS3.8 9.3.4) and A-ABORT (9.3.8): fixed size, and every
 * field one byte, copied to or from a uint8_t of the public struct. */
typedef struct byte_field {
    uint8_t at;     /* offset in the PDU */
    uint8_t member; /* offsetof in the struct */
} byte_field;
typedef struct fixed_pdu {
    layout_id id;
    const char *name;
    size_t nfields;
    byte_field fields[3];
} fixed_pdu;

#define BYTE_FIELD(F, type, m)        \
    {                                 \
        F##_OFFSET, offsetof(type, m) \
    }
_Static_assert(DQ_GEN_PDU_ASSOCIATE_RJ_RESULT_SIZE == 1 &&
                   DQ_GEN_PDU_ASSOCIATE_RJ_SOURCE_SIZE == 1 &&
                   DQ_GEN_PDU_ASSOCIATE_RJ_REASON_DIAG_SIZE == 1 &&
                   DQ_GEN_PDU_ABORT_SOURCE_SIZE == 1 && DQ_GEN_PDU_ABORT_REASON_DIAG_SIZE == 1,
               "the A-ASSOCIATE-RJ and A-ABORT fields are single bytes");
static const fixed_pdu reject_pdu = {
    DQ_GEN_PDU_L_ASSOCIATE_RJ,
    "A-ASSOCIATE-RJ",
    3,
    {BYTE_FIELD(DQ_GEN_PDU_ASSOCIATE_RJ_RESULT, dq_pdu_reject, result),
     BYTE_FIELD(DQ_GEN_PDU_ASSOCIATE_RJ_SOURCE, dq_pdu_reject, source),
     BYTE_FIELD(DQ_GEN_PDU_ASSOCIATE_RJ_REASON_DIAG, dq_pdu_reject, reason)}};
static const fixed_pdu abort_pdu = {
    DQ_GEN_PDU_L_ABORT,
    "A-ABORT",
    2,
    {BYTE_FIELD(DQ_GEN_PDU_ABORT_SOURCE, dq_pdu_abort, source),
     BYTE_FIELD(DQ_GEN_PDU_ABORT_REASON_DIAG, dq_pdu_abort, reason)}};

static int decode_fixed(const fixed_pdu *d, const uint8_t *pdu, size_t size, void *out,
                        dq_error *err)
{
    if (check_fixed(d->id, d->name, pdu, size, err) < 0)
        return -1;
    for (size_t k = 0; k < d->nfields; k++)
        ((uint8_t *)out)[d->fields[k].member] = pdu[d->fields[k].at];
    return 0;
}

int dq_pdu_decode_reject(const uint8_t *pdu, size_t size, dq_pdu_reject *out, dq_error *err)
{
    return decode_fixed(&reject_pdu, pdu, size, out, err);
}

int dq_pdu_decode_abort(const uint8_t *pdu, size_t size, dq_pdu_abort *out, dq_error *err)
{
    return decode_fixed(&abort_pdu, pdu, size, out, err);
}

int dq_pdu_decode_release(const uint8_t *pdu, size_t size, dq_pdu_type *type, dq_error *err)
{
    if (!pdu || size < 1)
        FAIL(DQ_ERR_ARGUMENT, 0, "A-RELEASE: no input");
    int rc;
    if (pdu[0] == DQ_PDU_RELEASE_RQ)
        rc = check_fixed(DQ_GEN_PDU_L_RELEASE_RQ, "A-RELEASE-RQ", pdu, size, err);
    else if (pdu[0] == DQ_PDU_RELEASE_RP)
        rc = check_fixed(DQ_GEN_PDU_L_RELEASE_RP, "A-RELEASE-RP", pdu, size, err);
    else
        FAIL(DQ_ERR_MALFORMED, 0, "PDU type 0x%02X is not A-RELEASE-RQ/RP", pdu[0]);
    if (rc < 0)
        return -1;
    if (type)
        *type = (dq_pdu_type)pdu[0];
    return 0;
}

int dq_pdv_iter_init(dq_pdv_iter *it, const uint8_t *pdu, size_t size, dq_error *err)
{
    int rc = check_whole(DQ_GEN_PDU_L_P_DATA_TF, "P-DATA-TF", pdu, size, err);
    if (rc < 0)
        return -1;
    if (size == DQ_GEN_PDU_P_DATA_TF_FIXED_SIZE)
        FAIL(DQ_ERR_MALFORMED, 2, "P-DATA-TF without a presentation data value item");
    it->pdu = pdu;
    it->size = size;
    it->pos = DQ_GEN_PDU_P_DATA_TF_PRESENTATION_DATA_VALUE_ITEM_S_OFFSET;
    return 0;
}

int dq_pdv_next(dq_pdv_iter *it, dq_pdv *out, bool *end, dq_error *err)
{
    *end = it->pos >= it->size;
    if (*end)
        return 0;
    const char *why = "";
    const uint8_t *p = it->pdu + it->pos;
    size_t k = layout_check(DQ_GEN_PDU_L_PDV_ITEM, p, it->size - it->pos, &why);
    if (k == 0) {
        dq_error_set(err, DQ_ERR_MALFORMED, it->pos, DQ_ERROR_NO_TAG,
                     "presentation data value item: %s", why);
        it->pos = it->size; /* no resynchronising after garbage */
        return -1;
    }
    if (k < DQ_GEN_PDU_PDV_ITEM_FIXED_SIZE + 1) { /* + the message control header */
        dq_error_set(err, DQ_ERR_MALFORMED, it->pos, DQ_ERROR_NO_TAG,
                     "presentation data value item without a message control header");
        it->pos = it->size;
        return -1;
    }
    out->pctx_id = GET(DQ_GEN_PDU_PDV_ITEM_PRESENTATION_CONTEXT_ID, p);
    out->control = p[DQ_GEN_PDU_PDV_ITEM_PRESENTATION_DATA_VALUE_OFFSET];
    out->command = (out->control & DQ_PDV_COMMAND) != 0;
    out->last = (out->control & DQ_PDV_LAST) != 0;
    out->data = p + DQ_GEN_PDU_PDV_ITEM_PRESENTATION_DATA_VALUE_OFFSET + 1;
    out->len = k - DQ_GEN_PDU_PDV_ITEM_PRESENTATION_DATA_VALUE_OFFSET - 1;
    it->pos += k;
    return 0;
}

int dq_pdu_validate(const uint8_t *pdu, size_t size, dq_error *err)
{
    dq_pdu_frame f;
    if (dq_pdu_frame_check(pdu, size, 0, &f, err) < 0)
        return -1;
    if (!f.complete || f.size != size)
        FAIL(DQ_ERR_MALFORMED, size, "not exactly one whole PDU");
    switch (f.type) {
    case DQ_PDU_ASSOCIATE_RQ:
    case DQ_PDU_ASSOCIATE_AC: {
        dq_pdu_associate *a = malloc(sizeof *a); /* too big for a fuzzer's stack budget */
        if (!a)
            FAIL(DQ_ERR_NOMEM, 0, "out of memory");
        int rc = dq_pdu_decode_associate(pdu, size, a, err);
        free(a);
        return rc;
    }
    case DQ_PDU_ASSOCIATE_RJ: {
        dq_pdu_reject rj;
        return dq_pdu_decode_reject(pdu, size, &rj, err);
    }
    case DQ_PDU_P_DATA_TF: {
        dq_pdv_iter it;
        dq_pdv v;
        int rc = dq_pdv_iter_init(&it, pdu, size, err);
        if (rc < 0)
            return -1;
        bool end = false;
        while (!end)
            if (dq_pdv_next(&it, &v, &end, err) < 0)
                return -1;
        return 0;
    }
    case DQ_PDU_RELEASE_RQ:
    case DQ_PDU_RELEASE_RP: return dq_pdu_decode_release(pdu, size, NULL, err);
    case DQ_PDU_ABORT: {
        dq_pdu_abort ab;
        return dq_pdu_decode_abort(pdu, size, &ab, err);
    }
    }
    FAIL(DQ_ERR_MALFORMED, 0, "unrecognized PDU type");
}

/* ---- encoding ------------------------------------------------------------------- */

/* Appends n bytes (NULL data: zeros); returns where they start or NULL. */
static uint8_t *put(dq_buffer *b, const void *data, size_t n, dq_error *err)
{
    if (!b) {
        dq_error_set(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "no buffer");
        return NULL;
    }
    if (dq_buffer_reserve(b, n, err) < 0)
        return NULL;
    uint8_t *p = b->data + b->len;
    if (n) {
        if (data)
            memcpy(p, data, n);
        else
            memset(p, 0, n);
    }
    b->len += n;
    return p;
}

/* Items: reserve the header, write the body, then patch the length. */
static bool item_begin(dq_buffer *b, size_t *start, dq_error *err)
{
    *start = b->len;
    return put(b, NULL, ITEM_HEADER, err) != NULL;
}

static bool item_end(dq_buffer *b, size_t start, layout_id id, const char *what, dq_error *err)
{
    size_t len = b->len - start - ITEM_HEADER;
    if (len > UINT16_MAX) {
        dq_error_set(err, DQ_ERR_ARGUMENT, start, DQ_ERROR_NO_TAG,
                     "%s: %zu bytes do not fit a 16-bit item length", what, len);
        return false;
    }
    layout_put_header(id, b->data + start, (uint32_t)len);
    return true;
}

static bool put_uid_item(dq_buffer *b, layout_id id, dq_pdu_str s, const char *what, size_t max,
                         dq_error *err)
{
    if (s.len > max || (s.len && !s.ptr)) {
        dq_error_set(err, DQ_ERR_ARGUMENT, b->len, DQ_ERROR_NO_TAG, "%s longer than %zu bytes",
                     what, max);
        return false;
    }
    size_t start;
    return item_begin(b, &start, err) && put(b, s.ptr, s.len, err) &&
           item_end(b, start, id, what, err);
}

static bool put16(dq_buffer *b, size_t v, const char *what, dq_error *err)
{
    if (v > UINT16_MAX) {
        dq_error_set(err, DQ_ERR_ARGUMENT, b->len, DQ_ERROR_NO_TAG, "%s: %zu does not fit 16 bits",
                     what, v);
        return false;
    }
    uint8_t *p = put(b, NULL, 2, err);
    if (p)
        wr16(p, (uint16_t)v);
    return p != NULL;
}

static bool put_str16(dq_buffer *b, dq_pdu_str s, const char *what, dq_error *err)
{
    return put16(b, s.len, what, err) && put(b, s.ptr, s.len, err);
}

static bool ae_ok(const char *ae)
{
    size_t n = ae ? strlen(ae) : 0;
    if (n == 0 || n > DQ_PDU_AE_TITLE_SIZE)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)ae[i] < 0x20 || ae[i] == '\\' || (unsigned char)ae[i] == 0x7F)
            return false;
    return true;
}

/* 51H: always written (PS3.8 D.1: required in RQ and AC). */
static bool encode_max_length(dq_buffer *b, const dq_pdu_user_info *ui, dq_error *err)
{
    size_t s;
    if (!item_begin(b, &s, err))
        return false;
    uint8_t *p = put(b, NULL, 4, err);
    if (!p)
        return false;
    wr32(p, ui->max_length);
    return item_end(b, s, DQ_GEN_PDU_L_MAX_LENGTH_RQ, "maximum length", err);
}

/* 53H, when present. */
static bool encode_async_ops(dq_buffer *b, const dq_pdu_user_info *ui, dq_error *err)
{
    size_t s;
    return !ui->has_async_ops ||
           (item_begin(b, &s, err) && put16(b, ui->max_ops_invoked, "", err) &&
            put16(b, ui->max_ops_performed, "", err) &&
            item_end(b, s, DQ_GEN_PDU_L_ASYNC_OPS_RQ, "asynchronous operations window", err));
}

/* 54H, one per role. */
static bool encode_roles(dq_buffer *b, const dq_pdu_user_info *ui, bool ac, dq_error *err)
{
    size_t s;
    for (size_t i = 0; i < ui->n_roles && i < DQ_PDU_MAX_ROLES; i++) {
        const dq_pdu_role *r = &ui->roles[i];
        if (!item_begin(b, &s, err) || !put_str16(b, r->sop_class_uid, "role selection UID", err) ||
            !put(b, &r->scu_role, 1, err) || !put(b, &r->scp_role, 1, err) ||
            !item_end(b, s, ac ? DQ_GEN_PDU_L_ROLE_AC : DQ_GEN_PDU_L_ROLE_RQ, "role selection",
                      err))
            return false;
    }
    return true;
}

/* 56H, one per SOP class. */
static bool encode_ext_neg(dq_buffer *b, const dq_pdu_user_info *ui, dq_error *err)
{
    size_t s;
    for (size_t i = 0; i < ui->n_ext_neg && i < DQ_PDU_MAX_EXT_NEG; i++) {
        const dq_pdu_ext_neg *e = &ui->ext_neg[i];
        if (!item_begin(b, &s, err) ||
            !put_str16(b, e->sop_class_uid, "extended negotiation UID", err) ||
            !put(b, e->info, e->info_len, err) ||
            !item_end(b, s, DQ_GEN_PDU_L_EXT_NEG, "SOP class extended negotiation", err))
            return false;
    }
    return true;
}

/* 57H (RQ only), one per SOP class. */
static bool encode_common_ext_neg(dq_buffer *b, const dq_pdu_common_ext_neg *c, dq_error *err)
{
    size_t s;
    if (!item_begin(b, &s, err) ||
        !put_str16(b, c->sop_class_uid, "common extended negotiation", err) ||
        !put_str16(b, c->service_class_uid, "common extended negotiation", err))
        return false;
    size_t rel = b->len;
    if (!put16(b, 0, "", err))
        return false;
    for (size_t k = 0; k < c->n_related; k++)
        if (!put_str16(b, dq_pdu_common_ext_neg_related(c, k), "related general SOP class", err))
            return false;
    size_t rl = b->len - rel - 2;
    if (rl > UINT16_MAX) {
        dq_error_set(err, DQ_ERR_ARGUMENT, rel, DQ_ERROR_NO_TAG,
                     "related general SOP classes too long");
        return false;
    }
    wr16(b->data + rel, (uint16_t)rl);
    /* put_header writes 0 for byte 2, the Sub-Item-version: version 0 is what we write. */
    return item_end(b, s, DQ_GEN_PDU_L_COMMON_EXT_NEG, "SOP class common extended negotiation",
                    err);
}

/* 58H in an RQ, 59H in an AC, when present. */
static bool encode_user_identity(dq_buffer *b, const dq_pdu_user_info *ui, bool ac, dq_error *err)
{
    if (!ui->has_user_identity)
        return true;
    const dq_pdu_user_identity *u = &ui->user_identity;
    size_t s;
    if (!item_begin(b, &s, err))
        return false;
    dq_pdu_str prim = {(const char *)u->primary, u->primary_len};
    if (ac)
        return put_str16(b, prim, "server response", err) &&
               item_end(b, s, DQ_GEN_PDU_L_USER_IDENTITY_AC, "user identity", err);
    dq_pdu_str sec = {(const char *)u->secondary, u->secondary_len};
    uint8_t tb[2] = {u->type, u->positive_response_requested};
    return put(b, tb, 2, err) && put_str16(b, prim, "primary field", err) &&
           put_str16(b, sec, "secondary field", err) &&
           item_end(b, s, DQ_GEN_PDU_L_USER_IDENTITY_RQ, "user identity", err);
}

/* The User Information item (50H), sub-items in the order of PS3.7 D.3.3. */
static bool encode_user_info(dq_buffer *b, const dq_pdu_user_info *ui, bool ac, dq_error *err)
{
    size_t start;
    if (!item_begin(b, &start, err) || !encode_max_length(b, ui, err))
        return false;
    if (ui->implementation_class_uid.len &&
        !put_uid_item(b, ac ? DQ_GEN_PDU_L_IMPL_CLASS_UID_AC : DQ_GEN_PDU_L_IMPL_CLASS_UID_RQ,
                      ui->implementation_class_uid, "implementation class UID", UID_MAX, err))
        return false;
    if (!encode_async_ops(b, ui, err) || !encode_roles(b, ui, ac, err))
        return false;
    if (ui->implementation_version_name.len &&
        !put_uid_item(b, ac ? DQ_GEN_PDU_L_IMPL_VERSION_AC : DQ_GEN_PDU_L_IMPL_VERSION_RQ,
                      ui->implementation_version_name, "implementation version name", 16, err))
        return false;
    if (!encode_ext_neg(b, ui, err))
        return false;
    for (size_t i = 0; !ac && i < ui->n_common_ext_neg && i < DQ_PDU_MAX_COMMON_EXT_NEG; i++)
        if (!encode_common_ext_neg(b, &ui->common_ext_neg[i], err))
            return false;
    return encode_user_identity(b, ui, ac, err) &&
           item_end(b, start, ac ? DQ_GEN_PDU_L_USER_INFO_AC : DQ_GEN_PDU_L_USER_INFO_RQ,
                    "user information", err);
}

static bool encode_pctx(dq_buffer *b, const dq_pdu_pctx *pc, bool ac, dq_error *err)
{
    if (pc->id % 2 == 0) {
        dq_error_set(err, DQ_ERR_ARGUMENT, b->len, DQ_ERROR_NO_TAG,
                     "presentation context ID %u is not odd", pc->id);
        return false;
    }
    size_t start;
    if (!item_begin(b, &start, err))
        return false;
    uint8_t *p = put(b, NULL, 4, err);
    if (!p)
        return false;
    p[0] = pc->id; /* bytes 5..8: ID, reserved, result (AC) / reserved, reserved */
    if (ac)
        p[2] = pc->result;
    if (ac) {
        if (pc->transfer_syntax.len &&
            !put_uid_item(b, DQ_GEN_PDU_L_TRANSFER_SYNTAX_AC, pc->transfer_syntax,
                          "transfer syntax", UID_MAX, err))
            return false;
        return item_end(b, start, DQ_GEN_PDU_L_PCTX_AC, "presentation context", err);
    }
    if (!put_uid_item(b, DQ_GEN_PDU_L_ABSTRACT_SYNTAX, pc->abstract_syntax, "abstract syntax",
                      UID_MAX, err))
        return false;
    size_t n = pc->n_transfer_syntaxes ? pc->n_transfer_syntaxes : 1;
    for (size_t i = 0; i < n; i++) {
        /* encoder input list, or a decoded view's raw sub-items, or just the first */
        dq_pdu_str ts =
            pc->n_transfer_syntaxes ? dq_pdu_pctx_transfer_syntax(pc, i) : pc->transfer_syntax;
        if (ts.len == 0) {
            dq_error_set(err, DQ_ERR_ARGUMENT, b->len, DQ_ERROR_NO_TAG,
                         "presentation context %u: empty transfer syntax", pc->id);
            return false;
        }
        if (!put_uid_item(b, DQ_GEN_PDU_L_TRANSFER_SYNTAX_RQ, ts, "transfer syntax", UID_MAX, err))
            return false;
    }
    return item_end(b, start, DQ_GEN_PDU_L_PCTX_RQ, "presentation context", err);
}

int dq_pdu_encode_associate(dq_buffer *out, const dq_pdu_associate *a, dq_error *err)
{
    if (!out || !a)
        FAIL(DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, "A-ASSOCIATE: no input");
    bool ac = a->type == DQ_PDU_ASSOCIATE_AC;
    if (!ac && a->type != DQ_PDU_ASSOCIATE_RQ)
        FAIL(DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, "type must be A-ASSOCIATE-RQ or -AC");
    if (!ae_ok(a->called_ae))
        FAIL(DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET,
             "called AE title \"%s\": 1-16 characters, no backslash or control characters",
             a->called_ae);
    if (!ae_ok(a->calling_ae))
        FAIL(DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET,
             "calling AE title \"%s\": 1-16 characters, no backslash or control characters",
             a->calling_ae);
    if (a->n_pctx == 0 || a->n_pctx > DQ_PDU_MAX_PCTX)
        FAIL(DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, "need 1..%u presentation contexts, have %zu",
             DQ_PDU_MAX_PCTX, a->n_pctx);
    if (a->application_context.len == 0)
        FAIL(DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, "no application context name");
    size_t start = out->len;
    uint8_t *p = put(out, NULL, DQ_GEN_PDU_ASSOCIATE_RQ_FIXED_SIZE, err);
    if (!p)
        return -1;
    SET(DQ_GEN_PDU_ASSOCIATE_RQ_PROTOCOL_VERSION, p,
        a->protocol_version ? a->protocol_version : DQ_PDU_PROTOCOL_VERSION);
    memset(p + DQ_GEN_PDU_ASSOCIATE_RQ_CALLED_AE_TITLE_OFFSET, ' ', 2 * DQ_PDU_AE_TITLE_SIZE);
    memcpy(p + DQ_GEN_PDU_ASSOCIATE_RQ_CALLED_AE_TITLE_OFFSET, a->called_ae, strlen(a->called_ae));
    memcpy(p + DQ_GEN_PDU_ASSOCIATE_RQ_CALLING_AE_TITLE_OFFSET, a->calling_ae,
           strlen(a->calling_ae));
    bool ok = put_uid_item(out, DQ_GEN_PDU_L_APP_CONTEXT, a->application_context,
                           "application context", UID_MAX, err);
    for (size_t i = 0; ok && i < a->n_pctx; i++)
        ok = encode_pctx(out, &a->pctx[i], ac, err);
    if (ok)
        ok = encode_user_info(out, &a->user_info, ac, err);
    if (!ok) {
        out->len = start;
        return -1;
    }
    uint32_t len = (uint32_t)(out->len - start - DQ_PDU_HEADER_SIZE);
    if (ac)
        layout_put_header(DQ_GEN_PDU_L_ASSOCIATE_AC, out->data + start, len);
    else
        layout_put_header(DQ_GEN_PDU_L_ASSOCIATE_RQ, out->data + start, len);
    return 0;
}

static int encode_fixed(const fixed_pdu *d, dq_buffer *out, const void *in, dq_error *err)
{
    uint32_t size = dq_gen_pdu_layouts[d->id].fixed_size;
    uint8_t *p = put(out, NULL, size, err); /* reserved fields zero */
    if (!p)
        return -1;
    layout_put_header(d->id, p, size - DQ_PDU_HEADER_SIZE);
    for (size_t k = 0; k < d->nfields; k++)
        p[d->fields[k].at] = ((const uint8_t *)in)[d->fields[k].member];
    return 0;
}

int dq_pdu_encode_reject(dq_buffer *out, const dq_pdu_reject *rj, dq_error *err)
{
    return encode_fixed(&reject_pdu, out, rj, err);
}

int dq_pdu_encode_abort(dq_buffer *out, const dq_pdu_abort *ab, dq_error *err)
{
    return encode_fixed(&abort_pdu, out, ab, err);
}

int dq_pdu_encode_release(dq_buffer *out, dq_pdu_type type, dq_error *err)
{
    if (type != DQ_PDU_RELEASE_RQ && type != DQ_PDU_RELEASE_RP)
        FAIL(DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, "type must be A-RELEASE-RQ or -RP");
    uint8_t *p = put(out, NULL, DQ_GEN_PDU_RELEASE_RQ_FIXED_SIZE, err);
    if (!p)
        return -1;
    if (type == DQ_PDU_RELEASE_RQ)
        layout_put_header(DQ_GEN_PDU_L_RELEASE_RQ, p,
                          DQ_GEN_PDU_RELEASE_RQ_FIXED_SIZE - DQ_PDU_HEADER_SIZE);
    else
        layout_put_header(DQ_GEN_PDU_L_RELEASE_RP, p,
                          DQ_GEN_PDU_RELEASE_RP_FIXED_SIZE - DQ_PDU_HEADER_SIZE);
    return 0;
}

int dq_pdu_pdata_header(uint8_t out[DQ_PDU_PDATA_HEADER_SIZE], uint8_t pctx_id, bool command,
                        bool last, size_t data_len, dq_error *err)
{
    /* PDV item length counts the context ID, the control byte and the data;
     * PDU-length adds the 4-byte item length. */
    if (data_len > UINT32_MAX - 6)
        FAIL(DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, "PDV of %zu bytes does not fit a PDU", data_len);
    layout_put_header(DQ_GEN_PDU_L_P_DATA_TF, out, (uint32_t)(data_len + 6));
    layout_put_header(DQ_GEN_PDU_L_PDV_ITEM, out + DQ_GEN_PDU_P_DATA_TF_HEADER_SIZE,
                      (uint32_t)(data_len + 2));
    SET(DQ_GEN_PDU_PDV_ITEM_PRESENTATION_CONTEXT_ID, out + DQ_GEN_PDU_P_DATA_TF_HEADER_SIZE,
        pctx_id);
    out[DQ_GEN_PDU_P_DATA_TF_HEADER_SIZE + DQ_GEN_PDU_PDV_ITEM_PRESENTATION_DATA_VALUE_OFFSET] =
        (uint8_t)((command ? DQ_PDV_COMMAND : 0) | (last ? DQ_PDV_LAST : 0));
    return 0;
}

int dq_pdu_encode_pdata(dq_buffer *out, const dq_pdv *pdvs, size_t n, dq_error *err)
{
    if (!out || (!pdvs && n) || n == 0)
        FAIL(DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, "P-DATA-TF needs at least one PDV");
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (pdvs[i].len > UINT32_MAX - 2)
            FAIL(DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, "PDV %zu too long", i);
        total += 6 + (uint64_t)pdvs[i].len;
    }
    if (total > UINT32_MAX)
        FAIL(DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, "P-DATA-TF of %llu bytes does not fit a PDU",
             (unsigned long long)total);
    if (total + DQ_PDU_HEADER_SIZE > SIZE_MAX)
        FAIL(DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, "P-DATA-TF does not fit in memory");
    uint8_t *p = put(out, NULL, (size_t)total + DQ_PDU_HEADER_SIZE, err);
    if (!p)
        return -1;
    layout_put_header(DQ_GEN_PDU_L_P_DATA_TF, p, (uint32_t)total);
    p += DQ_PDU_HEADER_SIZE;
    for (size_t i = 0; i < n; i++) {
        layout_put_header(DQ_GEN_PDU_L_PDV_ITEM, p, (uint32_t)(pdvs[i].len + 2));
        SET(DQ_GEN_PDU_PDV_ITEM_PRESENTATION_CONTEXT_ID, p, pdvs[i].pctx_id);
        p[5] = (uint8_t)((pdvs[i].command ? DQ_PDV_COMMAND : 0) | (pdvs[i].last ? DQ_PDV_LAST : 0));
        if (pdvs[i].len)
            memcpy(p + 6, pdvs[i].data, pdvs[i].len);
        p += 6 + pdvs[i].len;
    }
    return 0;
}

/* ---- names and meanings ---------------------------------------------------------- */

const char *dq_pdu_tls_record(const uint8_t *p, size_t n)
{
    /* RFC 8446 5.1 (and RFC 5246 6.2.1): ContentType, ProtocolVersion. */
    enum { TLS_ALERT = 21, TLS_HANDSHAKE = 22, TLS_MAJOR = 3 };
    if (!p || n < 2 || p[1] != TLS_MAJOR)
        return NULL;
    return p[0] == TLS_ALERT ? "alert" : p[0] == TLS_HANDSHAKE ? "handshake" : NULL;
}

const char *dq_pdu_type_name(unsigned type)
{
    switch (type) {
    case DQ_PDU_ASSOCIATE_RQ: return "A-ASSOCIATE-RQ";
    case DQ_PDU_ASSOCIATE_AC: return "A-ASSOCIATE-AC";
    case DQ_PDU_ASSOCIATE_RJ: return "A-ASSOCIATE-RJ";
    case DQ_PDU_P_DATA_TF: return "P-DATA-TF";
    case DQ_PDU_RELEASE_RQ: return "A-RELEASE-RQ";
    case DQ_PDU_RELEASE_RP: return "A-RELEASE-RP";
    case DQ_PDU_ABORT: return "A-ABORT";
    }
    return NULL;
}

static const char *meaning(const dq_gen_pdu_meaning *t, size_t n, long context, unsigned v)
{
    for (size_t i = 0; i < n; i++)
        if ((t[i].context < 0 || t[i].context == context) && v >= t[i].lo && v <= t[i].hi)
            return t[i].text;
    return NULL;
}

const char *dq_pdu_reject_result_text(unsigned result)
{
    return meaning(dq_gen_pdu_rj_result, DQ_GEN_PDU_RJ_RESULT_COUNT, -1, result);
}

const char *dq_pdu_reject_source_text(unsigned source)
{
    return meaning(dq_gen_pdu_rj_source, DQ_GEN_PDU_RJ_SOURCE_COUNT, -1, source);
}

const char *dq_pdu_reject_reason_text(unsigned source, unsigned reason)
{
    return meaning(dq_gen_pdu_rj_reason, DQ_GEN_PDU_RJ_REASON_COUNT, (long)source, reason);
}

const char *dq_pdu_abort_source_text(unsigned source)
{
    return meaning(dq_gen_pdu_abort_source, DQ_GEN_PDU_ABORT_SOURCE_COUNT, -1, source);
}

const char *dq_pdu_abort_reason_text(unsigned source, unsigned reason)
{
    return meaning(dq_gen_pdu_abort_reason, DQ_GEN_PDU_ABORT_REASON_COUNT, (long)source, reason);
}

const char *dq_pdu_pctx_result_text(unsigned result)
{
    return meaning(dq_gen_pdu_pctx_result, DQ_GEN_PDU_PCTX_RESULT_COUNT, -1, result);
}

const char *dq_pdu_user_identity_type_text(unsigned type)
{
    return meaning(dq_gen_pdu_user_identity_type, DQ_GEN_PDU_USER_IDENTITY_TYPE_COUNT, -1, type);
}

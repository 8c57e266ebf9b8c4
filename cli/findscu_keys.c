/* findscu: query by level (see findscu_keys.h).
 *
 * Which keys a level's template holds (PS3.4):
 *   - Query/Retrieve, --keys required: the level's Unique and Required keys
 *     (C.2.2.1), and the Unique keys of the levels above it, which a
 *     hierarchical query carries (C.4.1.2.1); --keys all: every key of the
 *     level's table (U, R, O, with the items of sequence keys);
 *   - worklist and UPS, --keys required: the Type 1, 1C, 2 and 2C return keys
 *     (K.6-1, CC.2.5-3), with the items of sequences that are themselves
 *     selected; --keys all: every key with a return key type.
 * Attributes of the identifier that are not keys (Query/Retrieve Level,
 * Specific Character Set, ...) are never added empty. Keys given with -k or
 * -f are kept as given; only what is missing is added. */
#include "findscu_keys.h"

#include <string.h>

#include <dq/dict.h>
#include <dq/query_keys.h>

#include "findscu_log.h"

typedef struct tmpl {
    const dq_query_model *m;
    const dq_query_level *l;
    bool all;
    bool chosen[512]; /* per key of the level */
} tmpl;

static bool is_type(const char *t, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(t, *set) == 0)
            return true;
    return false;
}

/* Marks the keys the template takes; a nested key only with its sequence. */
static void choose(tmpl *t)
{
    static const char *const qr_required[] = {"U", "R", NULL};
    static const char *const ret_required[] = {"1", "1C", "2", "2C", NULL};
    static const char *const ret_none[] = {"-", "", NULL};
    for (size_t i = 0; i < t->l->nkeys && i < sizeof t->chosen; i++) {
        const dq_query_key *k = &t->l->keys[i];
        bool qr = k->type[0] != 0;
        bool want = qr ? (t->all || is_type(k->type, qr_required))
                       : (t->all ? !is_type(k->ret, ret_none) : is_type(k->ret, ret_required));
        if (k->parent >= 0)
            want = want && t->chosen[k->parent];
        if (k->depth == 0 && dq_query_model_identifier_tag(t->m, k->tag))
            want = false;
        t->chosen[i] = want;
    }
}

static dq_vr dict_vr(uint32_t tag)
{
    const dq_dict_entry *e = dq_dict_find(tag);
    return e && e->vr[0] ? e->vr[0] : DQ_VR_UN;
}

static int fill(const tmpl *t, dq_dataset *ds, int parent, dq_error *err);

/* One key: added empty when missing; a sequence gets one item of its chosen
 * keys (or, given with items, its items get the missing ones). */
static int add_key(const tmpl *t, dq_dataset *ds, size_t i, dq_error *err)
{
    const dq_query_key *k = &t->l->keys[i];
    const dq_element *el = dq_dataset_find(ds, k->tag);
    bool has_items = false;
    for (size_t j = i + 1; j < t->l->nkeys && j < sizeof t->chosen; j++)
        has_items |= t->l->keys[j].parent == (int16_t)i && t->chosen[j];
    if (el) {
        for (size_t n = 0; has_items && n < dq_element_item_count(el); n++)
            if (fill(t, dq_element_item(el, n), (int)i, err) != 0)
                return -1;
        return 0;
    }
    if (dict_vr(k->tag) != DQ_VR_SQ)
        return dq_dataset_set_empty(ds, k->tag, dict_vr(k->tag), err);
    dq_element *seq = dq_dataset_set_sequence(ds, k->tag, err);
    if (!seq)
        return -1;
    if (!has_items)
        return 0;
    dq_dataset *item = dq_element_add_item(seq, err);
    return item ? fill(t, item, (int)i, err) : -1;
}

static int fill(const tmpl *t, dq_dataset *ds, int parent, dq_error *err)
{
    for (size_t i = 0; i < t->l->nkeys && i < sizeof t->chosen; i++)
        if (t->chosen[i] && t->l->keys[i].parent == parent && add_key(t, ds, i, err) != 0)
            return -1;
    return 0;
}

/* The Unique keys of the levels above (PS3.4 C.4.1.2.1), added empty. */
static int add_upper_unique(const tmpl *t, dq_dataset *ds, dq_error *err)
{
    for (size_t lv = 0; lv < dq_query_level_index(t->m, t->l); lv++) {
        const dq_query_level *up = &t->m->levels[lv];
        for (size_t i = 0; i < up->nkeys; i++) {
            const dq_query_key *k = &up->keys[i];
            if (k->depth == 0 && strcmp(k->type, "U") == 0 && !dq_dataset_find(ds, k->tag) &&
                dq_dataset_set_empty(ds, k->tag, dict_vr(k->tag), err) != 0)
                return -1;
        }
    }
    return 0;
}

static const char *keyword_of(uint32_t tag)
{
    const dq_dict_entry *e = dq_dict_find(tag);
    return e && e->keyword[0] ? e->keyword : "(unknown)";
}

/* A level's name in messages: "the STUDY level of the Study Root model", or
 * "the Modality Worklist model". */
static void where(const tmpl *t, char *buf, size_t cap)
{
    if (t->l->name[0])
        snprintf(buf, cap, "the %s level of the %s model", t->l->name, t->m->name);
    else
        snprintf(buf, cap, "the %s model", t->m->name);
}

/* Every key at the top of ds that the level's table does not list. */
static void check_defined(const tmpl *t, const dq_dataset *ds)
{
    char at[160];
    where(t, at, sizeof at);
    for (size_t i = 0; i < dq_dataset_count(ds); i++) {
        uint32_t tag = dq_element_tag(dq_dataset_at(ds, i));
        bool upper_unique = false;
        for (size_t lv = 0; lv < dq_query_level_index(t->m, t->l); lv++) {
            const dq_query_key *k = dq_query_level_key(&t->m->levels[lv], tag);
            upper_unique |= k && strcmp(k->type, "U") == 0;
        }
        if (dq_query_level_key(t->l, tag) || upper_unique ||
            dq_query_model_identifier_tag(t->m, tag))
            continue;
        FS_WARN("Key %s (%04X,%04X) is not defined for %s (PS3.4 Table %s: %s)", keyword_of(tag),
                tag >> 16, tag & 0xFFFF, at, t->l->table, t->l->caption);
    }
}

/* A hierarchical query names one entity of each level above by a single
 * value in its unique key (PS3.4 C.4.1.2.1); relational queries need not
 * (C.4.1.2.2). One line lists the keys without one. */
static void check_upper_unique(const tmpl *t, const fs_options *o, const dq_dataset *ds)
{
    char missing[512] = "";
    size_t off = 0;
    for (size_t lv = 0; lv < dq_query_level_index(t->m, t->l) && !o->relational_query; lv++) {
        const dq_query_level *up = &t->m->levels[lv];
        for (size_t i = 0; i < up->nkeys; i++) {
            const dq_query_key *k = &up->keys[i];
            if (k->depth != 0 || strcmp(k->type, "U") != 0)
                continue;
            const dq_element *el = dq_dataset_find(ds, k->tag);
            if ((el && dq_element_vm(el) == 1) || off >= sizeof missing)
                continue;
            int w = snprintf(missing + off, sizeof missing - off, "%s%s (%04X,%04X)",
                             off ? ", " : "", k->keyword, k->tag >> 16, k->tag & 0xFFFF);
            off += w > 0 ? (size_t)w : 0;
        }
    }
    if (off)
        FS_WARN("A query at the %s level of the %s model needs one value in the unique key of "
                "each level above (PS3.4 C.4.1.2.1; or --relational-query): %s",
                t->l->name, t->m->name, missing);
}

/* Query/Retrieve Level: -L's, unless -k/-f set one (then that one is sent). */
static int set_level(const tmpl *t, dq_dataset *ds, const char *level, dq_error *err)
{
    dq_str have;
    if (dq_dataset_get_string(ds, t->m->level_tag, &have, NULL) == 0) {
        if (have.len != strlen(level) || memcmp(have.ptr, level, have.len) != 0)
            FS_WARN("QueryRetrieveLevel %.*s from -k/-f is sent, not -L %s", (int)have.len,
                    have.ptr, level);
        return 0;
    }
    return dq_dataset_set_string(ds, t->m->level_tag, dict_vr(t->m->level_tag), level, err);
}

int fs_keys_apply(const fs_options *o, dq_dataset *ds)
{
    if (!o->keys_given)
        return 0;
    tmpl t;
    memset(&t, 0, sizeof t);
    t.m = dq_query_model_find(fs_model_name(o->model));
    t.l = t.m ? dq_query_level_find(t.m, o->level ? o->level : "") : NULL;
    t.all = o->keys_all;
    if (!t.l || t.l->nkeys > sizeof t.chosen) {
        FS_ERROR("No PS3.4 key table for the %s model", fs_model_name(o->model));
        return -1;
    }
    choose(&t);
    dq_error err;
    dq_error_clear(&err);
    if ((o->level && set_level(&t, ds, o->level, &err) != 0) || fill(&t, ds, -1, &err) != 0 ||
        add_upper_unique(&t, ds, &err) != 0) {
        FS_ERROR("Cannot add the %s keys: %s", o->level ? o->level : t.m->name, err.message);
        return -1;
    }
    check_defined(&t, ds);
    check_upper_unique(&t, o, ds);
    return 0;
}

/* The level and its model, for --expand. */
static bool expand_tmpl(const fs_options *o, const char *level, tmpl *t)
{
    memset(t, 0, sizeof *t);
    t->m = dq_query_model_find(fs_model_name(o->model));
    t->l = t->m ? dq_query_level_find(t->m, level) : NULL;
    t->all = o->keys_all;
    return t->l && t->l->name[0] && t->l->nkeys <= sizeof t->chosen;
}

const char *fs_keys_next_level(const fs_options *o, const char *level)
{
    tmpl t, target;
    if (!o->expand || !expand_tmpl(o, level, &t) || !expand_tmpl(o, o->expand, &target))
        return NULL;
    size_t i = dq_query_level_index(t.m, t.l);
    return i < dq_query_level_index(t.m, target.l) ? t.m->levels[i + 1].name : NULL;
}

/* The element of match with tag copied into ds as it came (value bytes and
 * VR); false when match does not hold it with a value. */
static bool copy_value(dq_dataset *ds, const dq_dataset *match, uint32_t tag, int *rc,
                       dq_error *err)
{
    const dq_element *el = dq_dataset_find(match, tag);
    size_t len = 0;
    const uint8_t *v = el ? dq_element_value(el, &len) : NULL;
    if (!el || len == 0)
        return false;
    *rc = dq_dataset_set_bytes(ds, tag, dq_element_vr(el), v, len, err);
    return true;
}

int fs_keys_child(const fs_options *o, const char *level, const dq_dataset *match, dq_dataset **out,
                  dq_error *err)
{
    tmpl t;
    *out = NULL;
    if (!expand_tmpl(o, level, &t))
        return dq_fail(err, DQ_ERR_NOT_FOUND, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "no PS3.4 key table for the %s level", level);
    choose(&t);
    dq_dataset *ds = dq_dataset_new();
    if (!ds)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    int rc = dq_dataset_set_string(ds, t.m->level_tag, dict_vr(t.m->level_tag), level, err);
    /* The parent's text is in its character set: the child says the same. */
    copy_value(ds, match, DQ_TAG_SpecificCharacterSet, &rc, err);
    /* One entity of each level above, by its unique key (PS3.4 C.4.1.2.1). */
    for (size_t lv = 0; rc == 0 && lv < dq_query_level_index(t.m, t.l); lv++) {
        const dq_query_level *up = &t.m->levels[lv];
        for (size_t i = 0; rc == 0 && i < up->nkeys; i++) {
            const dq_query_key *k = &up->keys[i];
            if (k->depth != 0 || strcmp(k->type, "U") != 0 ||
                copy_value(ds, match, k->tag, &rc, err))
                continue;
            rc =
                dq_fail(err, DQ_ERR_NOT_FOUND, DQ_ERROR_NO_OFFSET, k->tag,
                        "the %s match has no %s to query its %s with", up->name, k->keyword, level);
        }
    }
    if (rc == 0)
        rc = fill(&t, ds, -1, err);
    if (rc != 0) {
        dq_dataset_free(ds);
        return -1;
    }
    *out = ds;
    return 0;
}

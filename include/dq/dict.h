/* dq: the data dictionary, UIDs and VRs, generated from the
 * standard (PS3.5, PS3.6, PS3.7) by gen/dicomgen at build time.
 *
 * All tables are static const data; lookups allocate nothing. */
#ifndef DQ_DICT_H
#define DQ_DICT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A VR is its two ASCII characters, the first in the high byte:
 * 'P' << 8 | 'N' for PN. 0 means "no VR" (e.g. items and delimiters). */
typedef uint16_t dq_vr;
#define DQ_VR_CODE(a, b) ((dq_vr)(((unsigned)(a) << 8) | (unsigned)(b)))

/* Generated from PS3.5 Table 6.2-1: enum { DQ_VR_AE = DQ_VR_CODE('A','E'), ... }.
 * Only the VRs of the edition built from exist: 2013 has no DQ_VR_UR, UC, OL,
 * OV, SV or UV. Code that must build from any edition writes those as
 * DQ_VR_CODE('U', 'R') (tests/test_dict_editions.c builds from 2013). */
#include "dq_gen_vr_codes.h"

/* Generated from PS3.6 Table A-1: #define DQ_UID_<Keyword> "<UID>", e.g.
 * DQ_UID_ExplicitVRLittleEndian "1.2.840.10008.1.2.1". The keyword is the
 * edition's; editions before 2016 have none and the name is derived from the
 * UID Name (gen/emit_uids.c says how). Code names UIDs only through these,
 * so a misspelt one does not compile. The header is generated into the build
 * tree beside dq_gen_vr_codes.h and is part of the public headers. */
#include "dq_gen_uid_codes.h"

/* Generated from PS3.6's registries and PS3.7's command fields:
 * #define DQ_TAG_<Keyword> 0xggggeeeeu, e.g. DQ_TAG_PatientName 0x00100010u,
 * for every element with one tag (retired ones too; repeating groups such as
 * (60xx,3000) have none). Code names tags only through these. */
#include "dq_gen_tag_codes.h"

/* What kind of value a VR holds, for codecs and display. */
typedef enum dq_vr_class {
    DQ_VR_CLASS_TEXT,   /* character string (AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT) */
    DQ_VR_CLASS_NUMBER, /* fixed-size binary numbers (US SS UL SL FL FD UV SV AT) */
    DQ_VR_CLASS_BYTES,  /* other-byte/word streams (OB OW OD OF OL OV UN) */
    DQ_VR_CLASS_SEQUENCE, /* SQ */
} dq_vr_class;

typedef struct dq_vr_info {
    dq_vr vr;
    const char *code; /* "PN" */
    const char *name; /* "Person Name" */
    dq_vr_class vr_class;
    uint8_t long_length; /* explicit VR: 2 reserved bytes + 32-bit length (PS3.5 7.1.2) */
    uint8_t pad;         /* padding byte for odd lengths: ' ' or 0 */
    uint8_t
        unit_size; /* bytes per value/word for byte swapping (US 2, FD 8, OW 2, OB 1), 0 for text */
    uint8_t max_in_chars; /* max_length counts characters, not bytes */
    uint32_t max_length;  /* maximum length of one value, 0 when not fixed by PS3.5 */
    /* From PS3.5 Table 6.2-1's text (gen/emit_vrs.c says how each is read): */
    uint8_t
        uses_charset; /* values use the Specific Character Set (0008,0005) (LO LT PN SH ST UC UT) */
    uint8_t single_valued;  /* never multi-valued: '\' is part of the value (LT ST UR UT) */
    uint8_t leading_spaces; /* leading spaces are significant (LT ST UT) */
    uint8_t value_size;     /* binary numbers: bytes per value (US 2, AT 4, FD 8); 0 otherwise */
} dq_vr_info;

/* NULL when the VR is not in PS3.5's table. */
const dq_vr_info *dq_vr_info_get(dq_vr vr);
/* "PN" -> DQ_VR_PN; 0 when not a known VR. */
dq_vr dq_vr_from_code(const char *two_chars);
size_t dq_vr_count(void);
const dq_vr_info *dq_vr_at(size_t i);

/* A data element registry entry (PS3.6 tables 6-1/7-1/8-1, PS3.7 E.1-1/E.2-1). */
typedef struct dq_dict_entry {
    uint32_t tag;        /* 0xggggeeee, masked digits ("x") as 0 */
    uint32_t mask;       /* 1-bits must match: 0xFFFFFFFF exact, (60xx,3000) -> 0xFF00FFFF */
    const char *keyword; /* "" when the standard gives none */
    const char *name;
    const char *vm;   /* as the standard writes it: "1", "1-n", "2-2n" */
    dq_vr vr[3];      /* alternatives in the standard's order ("US or SS"); unused are 0;
                            vr[0] == 0 when the VR cell is empty or "See Note" */
    uint16_t vm_min;  /* "2-2n": 2 */
    uint16_t vm_max;  /* "2-2n": 0 (= n); "1-32": 32 */
    uint16_t vm_step; /* "2-2n": 2; otherwise 1. VM "" (items, delimiters): min = max = 0;
                            "1-n or 1": the union, 1..n */
    uint8_t retired;
} dq_dict_entry;

/* Exact tags first, then repeating groups/masked tags; NULL when unknown.
 * Masked entries match even (standard) groups only: (6001,3000) is private. */
const dq_dict_entry *dq_dict_find(uint32_t tag);
/* Keyword (case-sensitive, e.g. "PatientName") -> entry; NULL when unknown. */
const dq_dict_entry *dq_dict_find_keyword(const char *keyword);
size_t dq_dict_count(void);
const dq_dict_entry *dq_dict_at(size_t i);

/* A UID registry entry (PS3.6 Table A-1 and friends). */
typedef struct dq_uid_entry {
    const char *uid;
    const char *name;
    const char *keyword; /* "" when the edition has none (PS3.6 before 2016, e.g. 2015b) */
    const char *type;    /* as the standard writes it: "SOP Class", "Transfer Syntax", ... */
    uint8_t retired;
} dq_uid_entry;

const dq_uid_entry *dq_uid_find(const char *uid);
const dq_uid_entry *dq_uid_find_keyword(const char *keyword);
size_t dq_uid_count(void);
const dq_uid_entry *dq_uid_at(size_t i);

#ifdef __cplusplus
}
#endif
#endif

/* dq: data sets -- the in-memory model, the four transfer syntaxes, Part 10
 * files, query keys from the command line, the dump, character sets.
 *
 * Model. A dq_dataset is a list of elements kept in ascending tag order. Each
 * element has a tag, a VR and a value; a sequence (SQ) element has items,
 * each item being a dq_dataset of its own. A root data set owns an arena:
 * every element, value and item below it is allocated from that arena, and one
 * dq_dataset_free(root) releases everything. Items are never freed on their
 * own. Pointers returned by accessors stay valid until the root is freed or
 * cleared (values are never moved; replacing an element's value invalidates
 * only pointers to its old value).
 *
 * Values are kept as bytes in little-endian order, i.e. exactly as Explicit
 * VR Little Endian puts them on the wire (Big Endian input is swapped on
 * decode and swapped back on encode). Text values keep their padding; the
 * typed accessors trim it.
 *
 * Status convention (as in the rest of libdq): functions returning int return
 * 0 on success and -1 on failure with *err filled (err may be NULL). */
#ifndef DQ_DATASET_H
#define DQ_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dq/buffer.h"
#include "dq/dict.h"
#include "dq/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- identity of this implementation (written into Part 10 files) ------ */

/* A 2.25 UID (PS3.5 B.2): "2.25." + a random 128-bit UUID as a decimal. */
#define DQ_IMPLEMENTATION_CLASS_UID "2.25.207997845021014222750782907745016308918"
#define DQ_IMPLEMENTATION_VERSION_NAME "DQ_010"

/* ---- tags ----------------------------------------------------------------- */

#define DQ_TAG(group, element) ((uint32_t)(((uint32_t)(group) << 16) | (uint32_t)(element)))
#define DQ_TAG_GROUP(tag) ((uint16_t)((tag) >> 16))
#define DQ_TAG_ELEMENT(tag) ((uint16_t)((tag)&0xFFFFu))
/* Tags by keyword: DQ_TAG_PatientName, DQ_TAG_Item, ... (dq/dict.h). */

#define DQ_UNDEFINED_LENGTH 0xFFFFFFFFu

/* ---- transfer syntaxes ---------------------------------------------------- */

typedef enum dq_transfer_syntax {
    DQ_TS_UNKNOWN = -1,
    DQ_TS_IMPLICIT_LE = 0, /* DQ_UID_ImplicitVRLittleEndian */
    DQ_TS_EXPLICIT_LE = 1, /* DQ_UID_ExplicitVRLittleEndian */
    DQ_TS_DEFLATED_LE = 2, /* DQ_UID_DeflatedExplicitVRLittleEndian */
    DQ_TS_EXPLICIT_BE = 3, /* DQ_UID_ExplicitVRBigEndian (retired, still spoken) */
} dq_transfer_syntax;

/* (The DQ_UID_* constants come from dq/dict.h.) */

/* UID -> syntax; trailing NUL/space padding is ignored. DQ_TS_UNKNOWN when
 * the UID is none of the four. */
dq_transfer_syntax dq_ts_from_uid(const char *uid, size_t len);
/* Syntax -> UID / "Explicit VR Little Endian"; NULL for DQ_TS_UNKNOWN. */
const char *dq_ts_uid(dq_transfer_syntax ts);
const char *dq_ts_name(dq_transfer_syntax ts);
bool dq_ts_is_implicit(dq_transfer_syntax ts);
bool dq_ts_is_big_endian(dq_transfer_syntax ts);

/* ---- decoding limits (hostile input) -------------------------------------- */

typedef struct dq_limits {
    size_t max_input;            /* bytes of (inflated) input accepted; default 256 MiB */
    uint32_t max_element_length; /* one value; default 256 MiB */
    unsigned max_depth;          /* sequence nesting; default 64 */
    size_t max_items;            /* items in one data set tree; default 1,000,000 */
    size_t max_elements;         /* elements in one data set tree; default 10,000,000 */
} dq_limits;

/* The defaults above. Pass NULL wherever a dq_limits * is taken to use them. */
void dq_limits_default(dq_limits *out);

/* ---- the model ------------------------------------------------------------ */

typedef struct dq_dataset dq_dataset;
typedef struct dq_element dq_element;

/* A new, empty root data set (with its arena). NULL when out of memory. */
dq_dataset *dq_dataset_new(void);
/* Frees a root data set and everything below it. NULL is fine. Passing an item
 * (a data set inside a sequence) does nothing: items die with their root. */
void dq_dataset_free(dq_dataset *ds);
/* Removes every element of a root data set, keeping the arena's first block
 * for reuse (decoding into a cleared data set allocates nothing in the steady
 * state). */
void dq_dataset_clear(dq_dataset *ds);
/* A deep copy into a new root. NULL (with *err) on failure. */
dq_dataset *dq_dataset_copy(const dq_dataset *ds, dq_error *err);

/* Number of elements directly in ds; the i-th in tag order (NULL past end). */
size_t dq_dataset_count(const dq_dataset *ds);
const dq_element *dq_dataset_at(const dq_dataset *ds, size_t i);
/* The element with this tag directly in ds, or NULL. */
const dq_element *dq_dataset_find(const dq_dataset *ds, uint32_t tag);
/* The sequence element an item belongs to (NULL for a root). */
const dq_element *dq_dataset_parent(const dq_dataset *ds);
/* Removes the element (and its items) if present; returns whether it was. */
bool dq_dataset_remove(dq_dataset *ds, uint32_t tag);
/* Bytes the arena has taken from malloc so far, and the number of malloc calls
 * (for benchmarks and the O(1)-allocations test). */
void dq_dataset_memory(const dq_dataset *ds, size_t *bytes, size_t *mallocs);

uint32_t dq_element_tag(const dq_element *el);
dq_vr dq_element_vr(const dq_element *el);
/* The raw value (little-endian byte order, padding included); len 0 for SQ. */
const uint8_t *dq_element_value(const dq_element *el, size_t *len);
/* Value multiplicity as pydicom counts it: 0 for an empty value; text: number
 * of '\'-separated values; binary numbers: length / size; OB/OW/UN...: 1;
 * SQ: number of items. */
size_t dq_element_vm(const dq_element *el);
/* The data set the element lives in. */
const dq_dataset *dq_element_dataset(const dq_element *el);

/* Sequences. Items are data sets; they are mutable through these pointers. */
size_t dq_element_item_count(const dq_element *el);
dq_dataset *dq_element_item(const dq_element *el, size_t i);

/* ---- typed accessors ------------------------------------------------------ */

/* A view into a value (not NUL-terminated). */
typedef struct dq_str {
    const char *ptr;
    size_t len;
} dq_str;

/* The index-th '\'-separated value of a text element, with padding trimmed
 * (trailing spaces and NULs; leading spaces too, except for LT ST UT UR).
 * -1 (DQ_ERR_NOT_FOUND) past the last value, DQ_ERR_ARGUMENT if not text. */
int dq_element_string(const dq_element *el, size_t index, dq_str *out, dq_error *err);
/* Integer value index: US SS UL SL UV SV (binary) or IS (text). UV above
 * INT64_MAX is DQ_ERR_LIMIT. */
int dq_element_int(const dq_element *el, size_t index, int64_t *out, dq_error *err);
/* Floating value index: FL FD (binary), DS IS (text), and the integer VRs. */
int dq_element_double(const dq_element *el, size_t index, double *out, dq_error *err);
/* AT value index as 0xggggeeee. */
int dq_element_attribute_tag(const dq_element *el, size_t index, uint32_t *out, dq_error *err);

/* A person name value split into its three component groups (alphabetic,
 * ideographic, phonetic), each with five components (family, given, middle,
 * prefix, suffix); absent parts are empty. Views into the raw bytes. */
typedef struct dq_person_name {
    dq_str group[3][5];
} dq_person_name;
int dq_element_person_name(const dq_element *el, size_t index, dq_person_name *out, dq_error *err);

/* The whole text value converted to UTF-8 using the Specific Character Set
 * (0008,0005) in effect for the element (its data set's, else the nearest
 * enclosing one's; without one, ISO 8859-1 as pydicom reads it; see
 * dq_charset_to_utf8), padding trimmed as dq_element_string does per value.
 * Bytes invalid in the set appear as "\xNN". Writes at most cap bytes
 * (NUL-terminated when cap > 0) and returns the length the full text needs, as
 * snprintf does. */
size_t dq_element_utf8(const dq_element *el, char *buf, size_t cap);

/* Convenience: the first value of the element `tag` directly in ds. */
int dq_dataset_get_string(const dq_dataset *ds, uint32_t tag, dq_str *out, dq_error *err);
int dq_dataset_get_int(const dq_dataset *ds, uint32_t tag, int64_t *out, dq_error *err);

/* ---- building data sets --------------------------------------------------- */

/* vr == 0 takes the VR from the dictionary (first listed; UN when unknown).
 * Each setter adds the element or replaces an existing one with that tag
 * (items included), copying the value into the arena. */

/* Raw value bytes in little-endian order (odd lengths are padded on encode). */
int dq_dataset_set_bytes(dq_dataset *ds, uint32_t tag, dq_vr vr, const void *value, size_t len,
                         dq_error *err);
/* Text (may hold several values separated by '\'); NULL or "" gives an empty
 * element. For a binary-number VR the text is parsed as dq_dataset_set_key
 * does. */
int dq_dataset_set_string(dq_dataset *ds, uint32_t tag, dq_vr vr, const char *value, dq_error *err);
/* One integer as US SS UL SL UV SV (binary) or IS (text). */
int dq_dataset_set_int(dq_dataset *ds, uint32_t tag, dq_vr vr, int64_t value, dq_error *err);
/* An empty (zero-length) element, e.g. a return key in a query. */
int dq_dataset_set_empty(dq_dataset *ds, uint32_t tag, dq_vr vr, dq_error *err);
/* An SQ element with no items (replacing any element with that tag); returns
 * it so items can be added. NULL on failure. */
dq_element *dq_dataset_set_sequence(dq_dataset *ds, uint32_t tag, dq_error *err);
/* The sequence element `tag` in ds, mutable; NULL when absent or not SQ. */
dq_element *dq_dataset_find_sequence(dq_dataset *ds, uint32_t tag);
/* Appends an empty item to a sequence element; returns it (NULL on failure). */
dq_dataset *dq_element_add_item(dq_element *seq, dq_error *err);

/* ---- encoding and decoding ------------------------------------------------ */

/* Decodes a data set (no preamble, no meta) in the given syntax. Deflated
 * input is inflated first (capped by limits->max_input). On failure *out is
 * NULL and err has the byte offset (into the inflated stream for deflate),
 * the tag being read and the reason. limits may be NULL. */
int dq_dataset_decode(const uint8_t *buf, size_t len, dq_transfer_syntax ts,
                      const dq_limits *limits, dq_dataset **out, dq_error *err);
/* Same, into an existing root data set (cleared first; its arena is reused). */
int dq_dataset_decode_into(dq_dataset *ds, const uint8_t *buf, size_t len, dq_transfer_syntax ts,
                           const dq_limits *limits, dq_error *err);
/* Appends the encoding of ds to out. Sequences and items are written with
 * defined lengths; group length elements (gggg,0000) present in ds are
 * recomputed; odd values are padded per VR. */
int dq_dataset_encode(const dq_dataset *ds, dq_transfer_syntax ts, dq_buffer *out, dq_error *err);

/* ---- Part 10 files --------------------------------------------------------- */

/* Reads a DICOM file held in memory: 128-byte preamble + "DICM" + File Meta
 * Information (group 0002, explicit VR LE), then the body in the meta's
 * transfer syntax. Also accepts input without preamble and/or without meta
 * (like pydicom's force=True), guessing the encoding from the first bytes.
 * meta_out (may be NULL) receives the group 0002 elements (an empty data set
 * when there were none), ts_out (may be NULL) the body's syntax. */
int dq_part10_decode(const uint8_t *buf, size_t len, const dq_limits *limits, dq_dataset **meta_out,
                     dq_dataset **ds_out, dq_transfer_syntax *ts_out, dq_error *err);
/* Reads a whole file (capped by limits->max_input) and decodes it as above. */
int dq_part10_read_file(const char *path, const dq_limits *limits, dq_dataset **meta_out,
                        dq_dataset **ds_out, dq_transfer_syntax *ts_out, dq_error *err);
/* Appends a Part 10 file: preamble of zeros, "DICM", meta (0002,0000) group
 * length, (0002,0001) 00 01, (0002,0002)/(0002,0003) from sop_class_uid /
 * sop_instance_uid (NULL: taken from the data set's (0008,0016)/(0008,0018),
 * empty if absent), (0002,0010) ts, (0002,0012) DQ_IMPLEMENTATION_CLASS_UID,
 * (0002,0013) DQ_IMPLEMENTATION_VERSION_NAME; then ds (its own group 0002
 * elements, if any, are not written) in syntax ts. */
int dq_part10_encode(const dq_dataset *ds, dq_transfer_syntax ts, const char *sop_class_uid,
                     const char *sop_instance_uid, dq_buffer *out, dq_error *err);
int dq_part10_write_file(const char *path, const dq_dataset *ds, dq_transfer_syntax ts,
                         const char *sop_class_uid, const char *sop_instance_uid, dq_error *err);

/* ---- query keys (findscu -k) ------------------------------------------------ */

/* Applies one -k argument to ds, as pynetdicom's findscu does:
 *   Keyword=value, (gggg,eeee)=value, Seq[2].Keyword=value, nested paths,
 *   Seq= (empty sequence), Seq[0]= (one empty item), Seq[3]= (four items).
 * Values are converted per VR: text as is; US SS UL SL FL FD UV SV from
 * decimal; OB OW OD OF OL OV UN from hex; AT from a tag "(gggg,eeee)" or
 * "ggggeeee"; several values separated by '\'; an empty value gives a
 * zero-length element. The key replaces any existing element. Errors
 * (DQ_ERR_ARGUMENT) quote the offending argument. */
int dq_dataset_set_key(dq_dataset *ds, const char *arg, dq_error *err);

/* A key path on its own, as -k reads the part before '=': components
 * separated by '.', each a keyword or (gggg,eeee) with an optional item index
 * [N]; e.g. "ScheduledProcedureStepSequence[0].Modality". Parsed once, then
 * looked up in any number of data sets (findscu's CSV columns). */
#define DQ_KEYPATH_MAX_STEPS 64
typedef struct dq_keypath_step {
    uint32_t tag;
    long index; /* the item index, -1 when none was given */
} dq_keypath_step;
typedef struct dq_keypath {
    size_t n;
    dq_keypath_step step[DQ_KEYPATH_MAX_STEPS];
} dq_keypath;

/* Parses `path` with dq_dataset_set_key's rules and messages (an unknown
 * keyword, a malformed tag or index: DQ_ERR_ARGUMENT quoting the path). */
int dq_keypath_parse(const char *path, dq_keypath *out, dq_error *err);
/* The element the path names in ds, or NULL when absent (an item index past
 * the sequence's items, a step before the last without an index or not a
 * sequence). */
const dq_element *dq_keypath_find(const dq_dataset *ds, const dq_keypath *kp);
/* Whether two paths name the same element: the same tags and item indexes
 * step by step ("PatientID" and "(0010,0020)" are equal). */
bool dq_keypath_equal(const dq_keypath *a, const dq_keypath *b);

/* ---- character sets ---------------------------------------------------------- */

/* Converts text in the character set named by a Specific Character Set value
 * (e.g. "ISO_IR 100", "\ISO 2022 IR 87", "ISO_IR 192", "GB18030"; "" or NULL
 * is the default repertoire) to UTF-8, appending to out. ISO 2022 escape
 * sequences switch sets as PS3.5 6.1.2.5 describes. Bytes outside every
 * designated set (and all text without a Specific Character Set, or with an
 * unknown one) are read as ISO 8859-1, pydicom's default encoding; bytes
 * invalid in a declared multi-byte set appear as "\xNN". Returns -1 only
 * when out of memory or the set is unknown (then the text is still converted
 * as ISO 8859-1, and err says why). */
int dq_charset_to_utf8(const char *specific_charset, const char *text, size_t len, dq_buffer *out,
                       dq_error *err);

/* What dq_charset_from_utf8 had to do besides encoding (bits of *flags). */
#define DQ_CHARSET_REPLACED 1 /* characters no listed set has became '?' */
#define DQ_CHARSET_UNKNOWN 2  /* a term was unknown: the default encoding stood in */

/* Encodes one UTF-8 value of VR vr (several values separated by '\') for a
 * data set whose Specific Character Set is specific_charset, appending to out,
 * the way pydicom 2.x writes a str value:
 *  - PN LO SH ST LT UT UC: each part (a PN's every '^' component of every '='
 *    group, LO SH UC each '\' value, LT ST UT whole) in the first listed set
 *    that encodes all of it: "" and ISO_IR 6 are ISO 8859-1 (pydicom's default
 *    encoding); a set other than the first is designated by its escape
 *    sequence (PS3.5 6.1.2.5), and a JIS X 0208/0212 part ends with the first
 *    set's. A part no single set encodes is split into runs, each in the set
 *    that encodes the longest run. A PN's empty trailing groups are dropped.
 *    ISO_IR 192, GB18030 and GBK take no code extensions: other terms beside
 *    them are ignored.
 *  - the other text VRs (AE AS CS DA DS DT IS TM UI UR) in ISO 8859-1.
 * A part none of the sets can encode: with `replace`, the first set's
 * encoding with '?' for each character it lacks (pydicom's default
 * writing_validation_mode, WARN) and DQ_CHARSET_REPLACED in *flags;
 * without it (and always for the non-charset VRs, where pydicom raises),
 * -1 with DQ_ERR_ARGUMENT naming the byte offset. Invalid UTF-8 bytes count
 * as characters no set has. Returns 0 with *flags (may be NULL) set to 0 or
 * DQ_CHARSET_* bits, or -1. */
int dq_charset_from_utf8(const char *specific_charset, dq_vr vr, const char *utf8, size_t len,
                         bool replace, dq_buffer *out, unsigned *flags, dq_error *err);

/* Told about each value dq_dataset_encode_keys could only encode with
 * replacement characters, and about an unknown Specific Character Set term. */
typedef void (*dq_charset_warn_fn)(void *ctx, uint32_t tag, const char *message);

/* Encodes the text values dq_dataset_set_key stored as typed (UTF-8) into
 * the character set they will be sent in (dq_charset_from_utf8 with replace,
 * the Specific Character Set in effect for each element: its data set's or
 * the nearest enclosing one's). Call once every key is applied, as the
 * Specific Character Set may come from any key or from a file; values that
 * did not come from dq_dataset_set_key (e.g. decoded from a file) are left as
 * they are. Each value is encoded once; later keys need another call. warn
 * may be NULL. On error (DQ_ERR_ARGUMENT, err->tag the element) the values
 * before it are encoded, the rest still UTF-8. */
int dq_dataset_encode_keys(dq_dataset *ds, dq_charset_warn_fn warn, void *ctx, dq_error *err);

/* ---- the dump (pynetdicom's pretty_dataset layout; a dcmdump-like tree) ------- */

/* Called once per line, without a trailing newline; line is NUL-terminated. */
typedef void (*dq_dump_line_fn)(void *ctx, const char *line, size_t len);

/* Writes ds the way pynetdicom's findscu logs an identifier, one line each:
 *   (0008,0052) CS [PATIENT]                                # 1 QueryRetrieveLevel
 *   (0010,0010) PN (no value available)                     # 0 PatientName
 *   (0008,1111) SQ (Sequence with 1 item)                   # 1 ReferencedStudySequence
 *     (Sequence item #1)
 *       (0008,1150) UI [1.2.3]                              # 1 ReferencedSOPClassUID
 * Text is shown in UTF-8 (see dq_element_utf8); OB OW OD OF OL OV of at most
 * 13 bytes as hex bytes, longer as "(N bytes of binary data)". */
int dq_dataset_dump(const dq_dataset *ds, dq_dump_line_fn fn, void *ctx, dq_error *err);
/* Convenience: writes every line to f as prefix + line + "\n". */
int dq_dataset_dump_file(const dq_dataset *ds, FILE *f, const char *prefix, dq_error *err);
/* Convenience: appends every line as prefix + line + "\n" to out. */
int dq_dataset_dump_buffer(const dq_dataset *ds, dq_buffer *out, const char *prefix, dq_error *err);

/* Dump layouts, for dq_dataset_dump_with. */
typedef enum dq_dump_style {
    /* dq_dataset_dump's layout above, byte for byte (findscu's log), quirks
     * included: an SQ line is never indented, UN values are shown whole as
     * Python bytes literals. */
    DQ_DUMP_PYNETDICOM = 0,
    /* An indented tree in the manner of DCMTK's dcmdump, one element a line:
     *   (0008,0005) CS [ISO_IR 100]                             #  10, 1 SpecificCharacterSet
     *   (0008,1110) SQ (Sequence with 1 item)                   #   -, 1 ReferencedStudySequence
     *     (Item #1, 2 elements)
     *       (0008,1150) UI [1.2.840.10008.3.1.2.3.1]                #  23, 1 ReferencedSOPClassUID
     *       (0008,1155) UI [1.2.3.4]                                #   7, 1 ReferencedSOPInstanceUID
     *   (0009,0010) LO [ACME 1.1]                               #   8, 1 PrivateCreator
     *   (0009,1001) UN 48\4d\43\20\2d\20\43\54\20\2d\20\49\44\20\00\00\00\00\00\00\00... # 400, 1 Private
     *   (7FE0,0010) OW 00af\00b4\00a6\008f\008b\0098\00a7\00bb\00d4\00ec\00e5\00d5\00cb... # 32768, 1 PixelData
     * Every nesting level indents by two spaces: an SQ line at its data set's
     * level, its "(Item #k, n elements)" lines one level in, the items'
     * elements two levels in. Value, left-aligned in 40 characters:
     *   "(no value available)" when empty;
     *   text VRs: "[v1\v2]" in UTF-8 per Specific Character Set, each value's
     *     padding trimmed as in the pynetdicom layout, control characters
     *     escaped ("\n", "\r", "\t", "\xNN") so an element stays one line;
     *   binary numbers (US SS UL SL UV SV FL FD AT): "[1\2]" as in the
     *     pynetdicom layout;
     *   OB OW OL OV OF OD UN: the bytes in hex, '\'-separated, in units of the
     *     VR's size (dq_vr_info.unit_size) read little-endian;
     *   SQ: "(Sequence with n items)".
     * A value needing more than max_value_chars characters is cut there and
     * followed by "..." (byte streams are cut after the last whole unit
     * that fits). After " # ": the value's length in bytes as held (right-
     * aligned in 3; an odd value set through the API is counted without the
     * pad encoding adds; "-" for SQ, whose encoded length depends on the
     * transfer syntax and item encoding), ", ", the VM (for SQ the number
     * of items), " " and the keyword: the dictionary's, else "GroupLength"
     * for (gggg,0000), "PrivateCreator" for (odd,0010-00FF), "Private" for
     * other odd groups, "Unknown". */
    DQ_DUMP_TREE = 1,
} dq_dump_style;

/* Characters a DQ_DUMP_TREE value is cut to by default (as dcmdump). */
#define DQ_DUMP_MAX_VALUE_DEFAULT 64

typedef struct dq_dump_options {
    dq_dump_style style;
    /* DQ_DUMP_TREE only: 0 = DQ_DUMP_MAX_VALUE_DEFAULT, SIZE_MAX = never cut. */
    size_t max_value_chars;
} dq_dump_options;

/* dq_dataset_dump in the layout opts asks for (NULL: DQ_DUMP_PYNETDICOM). */
int dq_dataset_dump_with(const dq_dataset *ds, const dq_dump_options *opts, dq_dump_line_fn fn,
                         void *ctx, dq_error *err);
/* Convenience: as dq_dataset_dump_file, in the layout opts asks for. */
int dq_dataset_dump_file_with(const dq_dataset *ds, const dq_dump_options *opts, FILE *f,
                              const char *prefix, dq_error *err);

#ifdef __cplusplus
}
#endif
#endif

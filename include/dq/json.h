/* dq: data sets as the standard's machine-readable text forms, appended to a
 * dq_buffer so a caller can stream one record after another:
 *   - the DICOM JSON Model (PS3.18 Annex F.2), one object per data set;
 *   - the Native DICOM Model (PS3.19 Annex A.1), one <NativeDicomModel>
 *     element per data set.
 * Both are UTF-8 whatever the data set's Specific Character Set (0008,0005):
 * text values are decoded with the set in effect for each data set and item
 * (ISO 2022 code extensions included, as dq_charset_to_utf8 does), and a
 * byte no set decodes becomes U+FFFD and is counted, never dropped silently.
 *
 * Group lengths (gggg,0000) are left out (PS3.18 F.2.2), in both forms.
 *
 * JSON (PS3.18 F.2): keys "GGGGEEEE" (8 uppercase hex digits) in tag order;
 * "vr" always; "Value" absent for an empty element (a zero-length value, a
 * sequence with no items); IS DS FL FD SL SS UL US SV UV as JSON numbers (a
 * DS or IS that is not a decimal number stays a string and is counted in
 * bad_numbers; FL/FD NaN and infinities, which JSON cannot hold, are the
 * strings "NaN", "Infinity", "-Infinity"); an empty value among several is
 * null; PN as {"Alphabetic", "Ideographic", "Phonetic"} (empty groups left
 * out); AT as "GGGGEEEE"; OB OD OF OL OV OW UN (and encapsulated pixel data)
 * as "InlineBinary" base64; SQ items as nested objects; private creators and
 * private elements kept. Numbers keep their decimal text (DS/IS normalised
 * to JSON's number syntax); FL/FD use the shortest digits that read back to
 * the same value.
 *
 * XML (PS3.19 A.1): <NativeDicomModel xml:space="preserve"> holding one
 * <DicomAttribute tag="GGGGEEEE" vr="XX" keyword="..."> per element (keyword
 * when the dictionary has one; a private element whose Private Creator is
 * in its data set is tag="gggg00ee" privateCreator="..."),
 * <Value number="n"> per value, <PersonName number="n"> with <Alphabetic>,
 * <Ideographic>, <Phonetic> groups of <FamilyName>, <GivenName>,
 * <MiddleName>, <NamePrefix>, <NameSuffix>, <Item number="n"> per item and
 * <InlineBinary> for the byte VRs. No XML declaration. Characters XML 1.0
 * cannot hold (controls other than tab, line feed, carriage return) become
 * U+FFFD and are counted in replaced_bytes.
 *
 * Nothing is allocated per element: the output grows by doubling and a
 * value needing conversion goes through one scratch buffer per call. */
#ifndef DQ_JSON_H
#define DQ_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "dq/buffer.h"
#include "dq/dataset.h"
#include "dq/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Several data sets in one XML document (dicomdump with several files,
 * findscu's stream): <NativeDicomModels> holding one <NativeDicomModel> per
 * data set. PS3.19 defines no such element; this name is ours. */
#define DQ_XML_WRAPPER "NativeDicomModels"
/* What an XML document starts with (the writers leave it to the caller). */
#define DQ_XML_DECLARATION "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* Counts of what the writers had to repair, for the caller's warning line.
 * The writers add to the counts (zero the struct once to total a stream). */
typedef struct dq_text_stats {
    size_t replaced_bytes; /* undecodable bytes (and XML-invalid characters) -> U+FFFD */
    size_t bad_numbers;    /* DS/IS kept as strings */
} dq_text_stats;

/* Appends one DICOM JSON Model object (PS3.18 F.2) for ds to out, "{...}",
 * no newline. st may be NULL. -1 (DQ_ERR_NOMEM) when out cannot grow; out
 * then holds a partial object (truncate to the length before the call). */
int dq_json_append(dq_buffer *out, const dq_dataset *ds, dq_text_stats *st, dq_error *err);

/* Appends ds's members only, no braces: for a caller that puts members of
 * its own in the same object ("{\"_row\":7" + members + "}"). The first
 * member gets a ',' unless out ends with '{' or '[' (as inside the object).
 * Errors as dq_json_append. */
int dq_json_append_members(dq_buffer *out, const dq_dataset *ds, dq_text_stats *st, dq_error *err);

/* Appends s (n bytes of UTF-8) as a JSON string (RFC 8259 7), quotes
 * included. -1 (DQ_ERR_NOMEM) when out cannot grow. */
int dq_json_string_append(dq_buffer *out, const char *s, size_t n, dq_error *err);

/* Appends one <NativeDicomModel xml:space="preserve">...</NativeDicomModel>
 * (PS3.19 A.1) for ds to out, no XML declaration, no newline. st may be NULL.
 * Errors as dq_json_append. */
int dq_xml_append(dq_buffer *out, const dq_dataset *ds, dq_text_stats *st, dq_error *err);

/* Appends s (n bytes of UTF-8) as XML character data, escaped as the
 * writer escapes values (& < > " as references, characters XML 1.0 cannot
 * hold as U+FFFD, counted in st, which may be NULL); attribute: for an
 * attribute value (tab and line feed as references too). -1 (DQ_ERR_NOMEM)
 * when out cannot grow. */
int dq_xml_text_append(dq_buffer *out, const char *s, size_t n, bool attribute, dq_text_stats *st,
                       dq_error *err);

#ifdef __cplusplus
}
#endif
#endif

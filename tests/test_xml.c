/* The Native DICOM Model writer (PS3.19 A.1): the rules include/dq/json.h
 * lists, on data sets built through the API; every output also goes through
 * libxml2's parser (well-formed, and the text reads back as written). */
#include <criterion/criterion.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "dq/dq.h"

#define VR(a, b) DQ_VR_CODE(a, b)
#define OPEN "<NativeDicomModel xml:space=\"preserve\">"
#define CLOSE "</NativeDicomModel>"

static dq_text_stats stats;

/* ds as XML, checked well-formed by libxml2; NUL-terminated, malloc'd;
 * frees ds. */
static char *xml_of(dq_dataset *ds)
{
    dq_buffer b = {0};
    dq_error err;
    memset(&stats, 0, sizeof stats);
    cr_assert_eq(dq_xml_append(&b, ds, &stats, &err), 0, "%s", err.message);
    dq_buffer_append(&b, "", 1, NULL);
    dq_dataset_free(ds);
    xmlDocPtr doc = xmlReadMemory((char *)b.data, (int)b.len - 1, "x.xml", "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    cr_assert_not_null(doc, "not well-formed: %s", (char *)b.data);
    xmlFreeDoc(doc);
    return (char *)b.data;
}

static void expect(dq_dataset *ds, const char *body)
{
    char *got = xml_of(ds);
    char want[4096];
    snprintf(want, sizeof want, OPEN "%s" CLOSE, body);
    cr_assert_str_eq(got, want);
    free(got);
}

static dq_dataset *one_string(uint32_t tag, dq_vr vr, const char *value)
{
    dq_dataset *ds = dq_dataset_new();
    cr_assert_eq(dq_dataset_set_string(ds, tag, vr, value, NULL), 0);
    return ds;
}

Test(xml, empty)
{
    expect(dq_dataset_new(), "");
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_empty(ds, DQ_TAG(0x0010, 0x0010), 0, NULL);
    expect(ds, "<DicomAttribute tag=\"00100010\" vr=\"PN\" keyword=\"PatientName\">"
               "</DicomAttribute>");
}

Test(xml, values_numbered_and_escaped)
{
    expect(one_string(DQ_TAG(0x0008, 0x0008), VR('C', 'S'), "A&B\\\\<C>"),
           "<DicomAttribute tag=\"00080008\" vr=\"CS\" keyword=\"ImageType\">"
           "<Value number=\"1\">A&amp;B</Value><Value number=\"2\"/>"
           "<Value number=\"3\">&lt;C&gt;</Value></DicomAttribute>");
    /* CR as a reference (a parser folds CR LF), LF and tab as they are */
    expect(one_string(DQ_TAG(0x4000, 0x4000), VR('L', 'T'), "a\r\nb\tc\"'"),
           "<DicomAttribute tag=\"40004000\" vr=\"LT\" keyword=\"TextComments\">"
           "<Value number=\"1\">a&#13;\nb\tc&quot;'</Value></DicomAttribute>");
}

/* XML 1.0 cannot hold most control characters: U+FFFD, counted. */
Test(xml, invalid_characters_replaced_and_counted)
{
    expect(one_string(DQ_TAG(0x4000, 0x4000), VR('L', 'T'), "a\x01z\x1b"),
           "<DicomAttribute tag=\"40004000\" vr=\"LT\" keyword=\"TextComments\">"
           "<Value number=\"1\">a\xef\xbf\xbdz\xef\xbf\xbd</Value></DicomAttribute>");
    cr_assert_eq(stats.replaced_bytes, 2);
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0005), VR('C', 'S'), "ISO_IR 192", NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x0020), VR('L', 'O'), "\xef\xbf\xbe", 3, NULL);
    char *got = xml_of(ds);
    cr_assert(strstr(got, "<Value number=\"1\">\xef\xbf\xbd</Value>"), "%s", got);
    cr_assert_eq(stats.replaced_bytes, 1);
    free(got);
}

Test(xml, numbers)
{
    uint16_t us[] = {512, 7};
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_bytes(ds, DQ_TAG(0x0028, 0x0010), VR('U', 'S'), us, sizeof us, NULL);
    dq_dataset_set_string(ds, DQ_TAG(0x0028, 0x0030), VR('D', 'S'), "0.5\\+.25", NULL);
    expect(ds, "<DicomAttribute tag=\"00280010\" vr=\"US\" keyword=\"Rows\">"
               "<Value number=\"1\">512</Value><Value number=\"2\">7</Value></DicomAttribute>"
               "<DicomAttribute tag=\"00280030\" vr=\"DS\" keyword=\"PixelSpacing\">"
               "<Value number=\"1\">0.5</Value><Value number=\"2\">0.25</Value>"
               "</DicomAttribute>");
}

Test(xml, person_name_components)
{
    expect(one_string(DQ_TAG(0x0010, 0x0010), VR('P', 'N'), "Doe^John^Q^Dr^Jr=^Ideo\\==Phon^^Mid"),
           "<DicomAttribute tag=\"00100010\" vr=\"PN\" keyword=\"PatientName\">"
           "<PersonName number=\"1\"><Alphabetic><FamilyName>Doe</FamilyName>"
           "<GivenName>John</GivenName><MiddleName>Q</MiddleName><NamePrefix>Dr</NamePrefix>"
           "<NameSuffix>Jr</NameSuffix></Alphabetic><Ideographic><GivenName>Ideo</GivenName>"
           "</Ideographic></PersonName><PersonName number=\"2\"><Phonetic>"
           "<FamilyName>Phon</FamilyName><MiddleName>Mid</MiddleName></Phonetic>"
           "</PersonName></DicomAttribute>");
}

Test(xml, items_binary_private)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_string(ds, DQ_TAG(0x0009, 0x0010), VR('L', 'O'), "A&B", NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0009, 0x1002), VR('O', 'B'), "Man", 3, NULL);
    dq_element *seq = dq_dataset_set_sequence(ds, DQ_TAG(0x0008, 0x1110), NULL);
    dq_dataset *item = dq_element_add_item(seq, NULL);
    dq_dataset_set_string(item, DQ_TAG(0x0008, 0x1150), VR('U', 'I'), "1.2", NULL);
    expect(ds, "<DicomAttribute tag=\"00081110\" vr=\"SQ\" keyword=\"ReferencedStudySequence\">"
               "<Item number=\"1\"><DicomAttribute tag=\"00081150\" vr=\"UI\" "
               "keyword=\"ReferencedSOPClassUID\"><Value number=\"1\">1.2</Value>"
               "</DicomAttribute></Item></DicomAttribute>"
               "<DicomAttribute tag=\"00090010\" vr=\"LO\"><Value number=\"1\">A&amp;B</Value>"
               "</DicomAttribute><DicomAttribute tag=\"00090002\" vr=\"OB\" "
               "privateCreator=\"A&amp;B\"><InlineBinary>TWFu</InlineBinary></DicomAttribute>");
}

/* A Private Creator read as UN (explicit UN) still names its block; an
 * element whose creator is absent keeps its whole tag; no group lengths. */
Test(xml, private_creator_as_un_and_missing_creator)
{
    uint32_t len = 8;
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_bytes(ds, DQ_TAG(0x0011, 0x0000), VR('U', 'L'), &len, 4, NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0011, 0x0010), VR('U', 'N'), "ACME", 4, NULL);
    dq_dataset_set_string(ds, DQ_TAG(0x0011, 0x1001), VR('L', 'O'), "a", NULL);
    dq_dataset_set_string(ds, DQ_TAG(0x0011, 0x2001), VR('L', 'O'), "b", NULL);
    expect(ds, "<DicomAttribute tag=\"00110010\" vr=\"UN\"><InlineBinary>QUNNRQ==</InlineBinary>"
               "</DicomAttribute><DicomAttribute tag=\"00110001\" vr=\"LO\" "
               "privateCreator=\"ACME\"><Value number=\"1\">a</Value></DicomAttribute>"
               "<DicomAttribute tag=\"00112001\" vr=\"LO\"><Value number=\"1\">b</Value>"
               "</DicomAttribute>");
}

Test(xml, attribute_tags)
{
    uint16_t at[] = {0x0010, 0x0020};
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_bytes(ds, DQ_TAG(0x0020, 0x5000), VR('A', 'T'), at, sizeof at, NULL);
    expect(ds, "<DicomAttribute tag=\"00205000\" vr=\"AT\" keyword=\"OriginalImageIdentification\">"
               "<Value number=\"1\">00100020</Value></DicomAttribute>");
}

/* A caller's own text escaped as the values are; attributes keep line feeds. */
Test(xml, text_escaped)
{
    dq_buffer b = {0};
    dq_text_stats st = {0};
    const char s[] = "<a & \"b\">\n\x01";
    cr_assert_eq(dq_xml_text_append(&b, s, sizeof s - 1, false, &st, NULL), 0);
    cr_assert_eq(dq_xml_text_append(&b, "\n", 1, true, NULL, NULL), 0);
    dq_buffer_append(&b, "", 1, NULL);
    cr_assert_str_eq((char *)b.data, "&lt;a &amp; &quot;b&quot;&gt;\n\xEF\xBF\xBD&#10;");
    cr_assert_eq(st.replaced_bytes, 1);
    dq_buffer_free(&b);
}

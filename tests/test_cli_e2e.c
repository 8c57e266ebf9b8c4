/* findscu end to end against the scripted SCP (tests/scp): every option, what
 * the peer received, what findscu printed and its exit status, compared with
 * pynetdicom's behaviour as docs/findscu-behaviour.md records it. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dq/dataset.h>
#include <dq/dict.h>
#include <dq/query_keys.h>

#include "cli_run.h"
#include "scp.h"
#include "tmp_path.h"

/* Appends an Implicit VR LE element with a text value (padded to even length)
 * as hex to buf. */
static void elem(char *buf, size_t cap, unsigned group, unsigned element, const char *value)
{
    size_t len = strlen(value), padded = len + (len & 1);
    size_t off = strlen(buf);
    off += (size_t)snprintf(buf + off, cap - off, "%02x%02x%02x%02x%02x%02x%02x%02x", group & 0xFF,
                            group >> 8, element & 0xFF, element >> 8, (unsigned)(padded & 0xFF),
                            (unsigned)(padded >> 8 & 0xFF), 0u, 0u);
    for (size_t i = 0; i < len; i++)
        off += (size_t)snprintf(buf + off, cap - off, "%02x", (unsigned char)value[i]);
    if (len & 1)
        snprintf(buf + off, cap - off, "20");
}

static char seed_rsp[512];

static void make_seed(void)
{
    seed_rsp[0] = 0;
    elem(seed_rsp, sizeof seed_rsp, 0x0008, 0x0052, "PATIENT");
    elem(seed_rsp, sizeof seed_rsp, 0x0008, 0x0054, "QRSCP");
    elem(seed_rsp, sizeof seed_rsp, 0x0010, 0x0010, "CompressedSamples^CT1");
}

#define SEED_SCRIPT_FMT \
    "accept\nrecv-msg\nfind-rsp 0xff00 %s\nfind-rsp 0x0000\nrelease\nwait-close\n"

static const char SEED_STDERR[] =
    "I: Requesting Association\n"
    "I: Association Accepted\n"
    "I: Sending Find Request: MsgID 1\n"
    "I: \n"
    "I: # Request Identifier\n"
    "I: (0008,0052) CS [PATIENT]                                # 1 QueryRetrieveLevel\n"
    "I: (0010,0010) PN (no value available)                     # 0 PatientName\n"
    "I: \n"
    "I: Find SCP Response: 1 - 0xFF00 (Pending)\n"
    "I: \n"
    "I: # Response Identifier\n"
    "I: (0008,0052) CS [PATIENT]                                # 1 QueryRetrieveLevel\n"
    "I: (0008,0054) AE [QRSCP]                                  # 1 RetrieveAETitle\n"
    "I: (0010,0010) PN [CompressedSamples^CT1]                  # 1 PatientName\n"
    "I: \n"
    "I: Find SCP Result: 0x0000 (Success)\n"
    "I: Releasing Association\n";

/* The seed example of the spec, byte for byte, and what the peer received. */
Test(cli_e2e, seed_example_and_defaults)
{
    make_seed();
    char script[1024];
    snprintf(script, sizeof script, SEED_SCRIPT_FMT, seed_rsp);
    peer p;
    peer_start(&p, script);
    result r;
    const char *args[] = {"127.0.0.1", p.port,         "-k", "QueryRetrieveLevel=PATIENT",
                          "-k",        "PatientName=", NULL};
    run_findscu(&r, args, NULL, NULL);
    cr_assert_eq(peer_finish(&p), 0, "scp record:\n%s", p.record);
    cr_expect_eq(r.status, 0);
    cr_expect_str_eq(r.err, SEED_STDERR);
    cr_expect_str_eq(r.out, "");

    cr_expect_str_eq(get(&p, "calling_ae", 0), "FINDSCU");
    cr_expect_str_eq(get(&p, "called_ae", 0), "ANY-SCP");
    cr_expect_str_eq(get(&p, "max_pdu", 0), "16382");
    cr_expect_str_eq(get(&p, "app_context", 0), "1.2.840.10008.3.1.1.1");
    cr_expect_str_eq(get(&p, "n_pctx", 0), "19");
    cr_expect_null(get(&p, "ext_neg", 0), "no extended negotiation unless asked");
    static const char *const as[] = {
        "1.2.840.10008.5.1.4.1.1.201.6", "1.2.840.10008.5.1.4.1.2.1.1",
        "1.2.840.10008.5.1.4.1.2.1.2",   "1.2.840.10008.5.1.4.1.2.1.3",
        "1.2.840.10008.5.1.4.1.2.2.1",   "1.2.840.10008.5.1.4.1.2.2.2",
        "1.2.840.10008.5.1.4.1.2.2.3",   "1.2.840.10008.5.1.4.1.2.3.1",
        "1.2.840.10008.5.1.4.1.2.3.2",   "1.2.840.10008.5.1.4.1.2.3.3",
        "1.2.840.10008.5.1.4.1.2.4.2",   "1.2.840.10008.5.1.4.1.2.4.3",
        "1.2.840.10008.5.1.4.1.2.5.3",   "1.2.840.10008.5.1.4.31",
        "1.2.840.10008.5.1.4.34.6.1",    "1.2.840.10008.5.1.4.34.6.2",
        "1.2.840.10008.5.1.4.34.6.3",    "1.2.840.10008.5.1.4.34.6.4",
        "1.2.840.10008.5.1.4.34.6.5",
    };
    for (int i = 0; i < 19; i++) {
        char want[256];
        snprintf(want, sizeof want,
                 "%d %s 1.2.840.10008.1.2,1.2.840.10008.1.2.1,1.2.840.10008.1.2.1.99,"
                 "1.2.840.10008.1.2.2",
                 2 * i + 1, as[i]);
        cr_expect_str_eq(get(&p, "pctx", i), want);
    }
    cr_expect_str_eq(get(&p, "command_field", 0), "0020");
    cr_expect_str_eq(get(&p, "msg_id", 0), "1");
    cr_expect_str_eq(get(&p, "priority", 0), "2");
    cr_expect_str_eq(get(&p, "sop_class", 0), "1.2.840.10008.5.1.4.1.2.1.1");
    cr_expect_str_eq(get(&p, "pctx_used", 0), "3");
    char want_id[256] = "";
    elem(want_id, sizeof want_id, 0x0008, 0x0052, "PATIENT");
    elem(want_id, sizeof want_id, 0x0010, 0x0010, "");
    cr_expect_str_eq(get(&p, "data_hex", 0), want_id);
    cr_expect_str_eq(get(&p, "pdu", 0), "05", "A-RELEASE-RQ after the final response");
    result_free(&r);
    peer_free(&p);

    /* -v is the default: the same output, word for word. */
    peer_start(&p, script);
    const char *vargs[] = {"-v", "127.0.0.1",    p.port, "-k", "QueryRetrieveLevel=PATIENT",
                           "-k", "PatientName=", NULL};
    run_findscu(&r, vargs, NULL, NULL);
    peer_finish(&p);
    cr_expect_eq(r.status, 0);
    cr_expect_str_eq(r.err, SEED_STDERR);
    result_free(&r);
    peer_free(&p);
}

static const char *const PN_QUERY[] = {"-k", "PatientName=", NULL};

Test(cli_e2e, ae_titles_and_max_pdu)
{
    peer p;
    result r;
    const char *args[] = {"-aet",  "MYSCU", "--called-aet", "THEIRS", "-pdu",
                          "65536", "-k",    "PatientID=",   NULL};
    simple(&p, &r, NULL, args);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(get(&p, "calling_ae", 0), "MYSCU");
    cr_expect_str_eq(get(&p, "called_ae", 0), "THEIRS");
    cr_expect_str_eq(get(&p, "max_pdu", 0), "65536");
    result_free(&r);
    peer_free(&p);

    const char *args0[] = {"-pdu", "0", "-k", "PatientID=", NULL};
    simple(&p, &r, NULL, args0);
    cr_expect_str_eq(get(&p, "max_pdu", 0), "0", "-pdu 0 means unlimited");
    result_free(&r);
    peer_free(&p);
}

Test(cli_e2e, query_models)
{
    static const struct {
        const char *flag, *uid, *pctx;
    } models[] = {
        {"-P", "1.2.840.10008.5.1.4.1.2.1.1", "3"},
        {"-S", "1.2.840.10008.5.1.4.1.2.2.1", "9"},
        {"--psonly", "1.2.840.10008.5.1.4.1.2.3.1", "15"},
        {"-W", "1.2.840.10008.5.1.4.31", "27"},
        {"-U", "1.2.840.10008.5.1.4.34.6.3", "33"},
    };
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        peer p;
        result r;
        const char *args[] = {models[i].flag, "-k", "PatientName=", NULL};
        simple(&p, &r, NULL, args);
        cr_expect_eq(r.status, 0, "%s: %s", models[i].flag, r.err);
        cr_expect_str_eq(get(&p, "sop_class", 0), models[i].uid, "%s", models[i].flag);
        cr_expect_str_eq(get(&p, "pctx_used", 0), models[i].pctx, "%s", models[i].flag);
        result_free(&r);
        peer_free(&p);
    }
}

/* pydicom's encoding (tests/data/encode_ref.py) of the identifier built from
 * these keywords, in hex, as pynetdicom's findscu would send it. */
static void pydicom_identifier(const char *const *keys, char *hex, size_t cap)
{
    char cmd[2048];
    size_t off = (size_t)snprintf(cmd, sizeof cmd,
                                  "/usr/bin/python3 '%s/tests/data/encode_ref.py' --identifier",
                                  DQ_SOURCE_DIR);
    for (size_t i = 0; keys[i]; i++)
        off += (size_t)snprintf(cmd + off, sizeof cmd - off, " '%s'", keys[i]);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    cr_assert_not_null(fgets(hex, (int)cap, p));
    hex[strcspn(hex, "\n")] = 0;
    cr_assert_eq(pclose(p), 0);
}

/* Text typed in UTF-8 goes out in the identifier's Specific Character Set,
 * byte for byte what pydicom writes for the same data set, wherever the set
 * comes from; the request dump shows what the peer will decode. */
Test(cli_e2e, query_text_in_the_identifiers_character_set, .timeout = 60)
{
    static const char *const cases[][2] = {
        {"ISO_IR 100", "Buc^Jérôme"},
        {"ISO_IR 126", "Διονυσιος"},
        {"\\ISO 2022 IR 87", "Yamada^Tarou=山田^太郎=やまだ^たろう"},
        {"\\ISO 2022 IR 87\\ISO 2022 IR 159", "Hojo^Kanji=丂丨^山田"},
        {"ISO 2022 IR 13\\ISO 2022 IR 87", "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"},
        {"\\ISO 2022 IR 149", "Hong^Gildong=洪^吉洞=홍^길동"},
        {"ISO_IR 192", "Wang^XiaoDong=王^小東"},
        {"GB18030", "Wang^XiaoDong=王^小东"},
        {"", "Jérôme"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cs[64], pn[128], want[1024], dump[256];
        snprintf(cs, sizeof cs, "SpecificCharacterSet=%s", cases[i][0]);
        snprintf(pn, sizeof pn, "PatientName=%s", cases[i][1]);
        const char *keys[] = {cs, "QueryRetrieveLevel=PATIENT", pn, NULL};
        pydicom_identifier(cases[i][0][0] ? keys : keys + 1, want, sizeof want);
        /* the name first, the character set last: the order of -k is free */
        const char *args[] = {"-k", pn, "-k", "QueryRetrieveLevel=PATIENT", "-k", cs, NULL};
        const char *args_no_cs[] = {"-k", pn, "-k", "QueryRetrieveLevel=PATIENT", NULL};
        peer p;
        result r;
        simple(&p, &r, NULL, cases[i][0][0] ? args : args_no_cs);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(get(&p, "data_hex", 0), want, "'%s' in '%s'", cases[i][1], cases[i][0]);
        snprintf(dump, sizeof dump, "I: (0010,0010) PN [%s]", cases[i][1]);
        cr_expect(strstr(r.err, dump), "the dump shows the name as typed:\n%s", r.err);
        result_free(&r);
        peer_free(&p);
    }

    /* From a -f file's Specific Character Set; the file's own values as read. */
    char path[] = "/usr/lib/python3/dist-packages/pydicom/data/charset_files/chrGreek.dcm";
    const char *fargs[] = {"-f", path, "-k", "PixelData=", "-k", "PatientID=Ωμέγα", NULL};
    peer p;
    result r;
    simple(&p, &r, NULL, fargs);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(get(&p, "data_hex", 0), "1000200006000000d9ecdde3e120"),
              "PatientID in ISO 8859-7: %s", get(&p, "data_hex", 0));
    cr_expect(strstr(r.err, "LO [Ωμέγα]") && strstr(r.err, "PN [Διονυσιος]"), "%s", r.err);
    result_free(&r);
    peer_free(&p);

    /* A character the set lacks: '?' as pydicom writes it, and a warning. */
    const char *rargs[] = {"-k", "SpecificCharacterSet=ISO_IR 100", "-k", "PatientName=Δx", NULL};
    const char *rkeys[] = {"SpecificCharacterSet=ISO_IR 100", "PatientName=Δx", NULL};
    char want[256];
    pydicom_identifier(rkeys, want, sizeof want);
    simple(&p, &r, NULL, rargs);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(get(&p, "data_hex", 0), want);
    cr_expect(strstr(r.err, "W: Failed to encode (0010,0010) with Specific Character Set "
                            "'ISO_IR 100' - using replacement characters in encoded string\n"),
              "%s", r.err);
    result_free(&r);
    peer_free(&p);

    /* Outside ISO 8859-1 in a VR without a character set: pydicom cannot
     * write it; we say so before any network traffic, exit 1. */
    const char *bad[] = {"127.0.0.1", "9", "-k", "Modality=Ω", NULL};
    run_findscu(&r, bad, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect_str_eq(r.err, "E: Failed to encode the supplied Dataset\n");
    result_free(&r);
    /* The reason follows at -d. */
    const char *bad_d[] = {"-d", "127.0.0.1", "9", "-k", "Modality=Ω", NULL};
    run_findscu(&r, bad_d, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.err, "E: Failed to encode the supplied Dataset\nD: "), "%s", r.err);
    cr_expect_null(strstr(r.err, "Requesting Association"), "%s", r.err);
    result_free(&r);
}

Test(cli_e2e, extended_negotiation)
{
    static const struct {
        const char *a, *b, *want;
    } cases[] = {
        {"--relational-query", NULL, "1.2.840.10008.5.1.4.1.2.1.1 0100000000"},
        {"--dt-matching", NULL, "1.2.840.10008.5.1.4.1.2.1.1 0001000000"},
        {"--fuzzy-names", NULL, "1.2.840.10008.5.1.4.1.2.1.1 0000010000"},
        {"--timezone-adj", NULL, "1.2.840.10008.5.1.4.1.2.1.1 0000000100"},
        {"--enhanced-conversion", NULL, "1.2.840.10008.5.1.4.1.2.1.1 0000000001"},
        {"-S", "--relational-query", "1.2.840.10008.5.1.4.1.2.2.1 0100000000"},
        {"-W", "--fuzzy-names", "1.2.840.10008.5.1.4.31 01010100"},
        {"-W", "--timezone-adj", "1.2.840.10008.5.1.4.31 01010001"},
        {"-W", "--relational-query", NULL},
        /* the -d dump of the item, as pynetdicom's _handlers.py writes it */
        {"-d", "--fuzzy-names", "1.2.840.10008.5.1.4.1.2.1.1 0000010000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        peer p;
        result r;
        const char *args[] = {cases[i].a, "-k", "PatientName=", cases[i].b, NULL};
        simple(&p, &r, NULL, args);
        cr_expect_eq(r.status, 0, "%s %s: %s", cases[i].a, cases[i].b, r.err);
        const char *got = get(&p, "ext_neg", 0);
        if (cases[i].want)
            cr_expect(got && strcmp(got, cases[i].want) == 0, "%s %s: got %s", cases[i].a,
                      cases[i].b ? cases[i].b : "", got ? got : "(none)");
        else
            cr_expect_null(got, "%s %s: no item expected", cases[i].a, cases[i].b);
        if (strcmp(cases[i].a, "-d") == 0)
            cr_expect(strstr(r.err, "D: Requested Extended Negotiation:\n"
                                    "D:   SOP Class: =1.2.840.10008.5.1.4.1.2.1.1\n"
                                    "D:     00  00  01  00  00\n"
                                    "D: Requested Common Extended Negotiation: None\n"),
                      "-d ext neg dump: %s", r.err);
        result_free(&r);
        peer_free(&p);
    }
}

Test(cli_e2e, quiet_prints_nothing_debug_dumps)
{
    make_seed();
    char script[1024];
    snprintf(script, sizeof script, SEED_SCRIPT_FMT, seed_rsp);
    peer p;
    peer_start(&p, script);
    result r;
    const char *args[] = {"-q", "127.0.0.1", p.port, "-k", "PatientName=", NULL};
    run_findscu(&r, args, NULL, NULL);
    peer_finish(&p);
    cr_expect_eq(r.status, 0);
    cr_expect_str_eq(r.err, "");
    cr_expect_str_eq(r.out, "");
    result_free(&r);
    peer_free(&p);

    peer_start(&p, script);
    const char *dargs[] = {"-d", "127.0.0.1", p.port, "-k", "PatientName=", NULL};
    run_findscu(&r, dargs, NULL, NULL);
    peer_finish(&p);
    cr_expect_eq(r.status, 0);
    const char *want[] = {
        "D: Request Parameters:\n",
        "D: ======================= OUTGOING A-ASSOCIATE-RQ PDU ========================\n",
        "D: Calling Application Name:    FINDSCU\n",
        "D: Our Max PDU Receive Size:    16382\n",
        "D:   Context ID:        37 (Proposed)\n",
        "D:       =Deflated Explicit VR Little Endian\n",
        "D: Requested Extended Negotiation: None\n",
        "D: Accept Parameters:\n",
        "D:   Context ID:        3 (Accepted)\n",
        "D:     Accepted Transfer Syntax: =Implicit VR Little Endian\n",
        "D: ========================== OUTGOING DIMSE MESSAGE ==========================\n"
        "D: Message Type                  : C-FIND RQ\n"
        "D: Presentation Context ID       : 3\n"
        "D: Message ID                    : 1\n"
        "D: Affected SOP Class UID        : Patient Root Query/Retrieve Information Model - FIND\n"
        "D: Identifier                    : Present\n"
        "D: Priority                      : Low\n"
        "D: ============================ END DIMSE MESSAGE =============================\n",
        /* only the final 0x0000 response gets a summary, without context ID */
        "D: ========================== INCOMING DIMSE MESSAGE ==========================\n"
        "D: Message Type                  : C-FIND RSP\n"
        "D: Message ID Being Responded To : 1\n",
        "D: Status                        : 0x0000\n",
        "I: Find SCP Response: 1 - 0xFF00 (Pending)\n",
        "I: Releasing Association\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect(strstr(r.err, want[i]), "missing %s", want[i]);
    {
        const char *first = strstr(r.err, "C-FIND RSP");
        cr_expect(first && !strstr(first + 1, "C-FIND RSP"), "one C-FIND RSP summary: %s", r.err);
        cr_expect(!strstr(r.err, "Status                        : 0xFF00"), "no pending summary");
    }
    /* -ll error on top of the default: only errors. */
    result_free(&r);
    peer_free(&p);
    peer_start(&p, script);
    const char *largs[] = {"-ll", "error", "127.0.0.1", p.port, "-k", "PatientName=", NULL};
    run_findscu(&r, largs, NULL, NULL);
    peer_finish(&p);
    cr_expect_str_eq(r.err, "");
    result_free(&r);
    peer_free(&p);
}

static int cmd_ok(const char *cmd)
{
    int st = system(cmd);
    return st == 0;
}

Test(cli_e2e, write_part10_files)
{
    make_seed();
    char script[2048];
    snprintf(script, sizeof script,
             "set ts 1.2.840.10008.1.2.1\naccept\nrecv-msg\nfind-rsp 0xff00 %s\n"
             "find-rsp 0xff01 %s\nfind-rsp 0x0000\nrelease\nwait-close\n",
             seed_rsp, seed_rsp);
    /* Explicit VR LE accepted: the responses come in that syntax. */
    (void)script;
    /* The scripted SCP writes identifiers as given (implicit LE bytes), so
     * keep the default (implicit) syntax for a faithful round trip. */
    snprintf(script, sizeof script,
             "accept\nrecv-msg\nfind-rsp 0xff00 %s\nfind-rsp 0xff01 %s\nfind-rsp 0x0000\n"
             "release\nwait-close\n",
             seed_rsp, seed_rsp);
    peer p;
    peer_start(&p, script);
    result r;
    const char *args[] = {"-w", "-S", "127.0.0.1", p.port, "-k", "PatientName=", NULL};
    run_findscu(&r, args, NULL, NULL);
    peer_finish(&p);
    cr_expect_eq(r.status, 0, "%s", r.err);
    char path[128], cmd[2048];
    for (int i = 1; i <= 2; i++) {
        snprintf(path, sizeof path, "%s/rsp%06d.dcm", r.dir, i);
        struct stat st;
        cr_expect_eq(stat(path, &st), 0, "%s missing", path);
        snprintf(cmd, sizeof cmd,
                 "dcmdump -q %s > %s.txt && "
                 "grep -q '=FINDStudyRootQueryRetrieveInformationModel.*MediaStorageSOPClassUID' "
                 "%s.txt && grep -q '=LittleEndianImplicit.*TransferSyntaxUID' %s.txt && "
                 "grep -q 'PN \\[CompressedSamples^CT1\\]' %s.txt && "
                 "grep -q '\\[2\\.25\\.[0-9]*\\].*MediaStorageSOPInstanceUID' %s.txt",
                 path, path, path, path, path, path);
        cr_expect(cmd_ok(cmd), "dcmdump does not show the expected content of %s", path);
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c \"import pydicom,sys; d=pydicom.dcmread(sys.argv[1]); "
                 "assert str(d.PatientName)=='CompressedSamples^CT1'; "
                 "assert d.file_meta.MediaStorageSOPClassUID=='1.2.840.10008.5.1.4.1.2.2.1'\" %s",
                 path);
        cr_expect(cmd_ok(cmd), "pydicom cannot read %s without force", path);
    }
    snprintf(path, sizeof path, "%s/rsp000003.dcm", r.dir);
    struct stat st;
    cr_expect_neq(stat(path, &st), 0, "no file for the final response");
    result_free(&r);
    peer_free(&p);
}

Test(cli_e2e, file_query)
{
    peer p;
    result r;
    const char *args[] = {
        "-f", "/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm",
        "-k", "PatientName=X*",
        "-k", "PixelData=",
        NULL};
    simple(&p, &r, NULL, args);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.err, "I: (0010,0010) PN [X*]"), "-k overrides the file's value:\n%s", r.err);
    cr_expect(strstr(r.err, "(0008,0060) CS [CT]"), "the file's elements are sent:\n%s", r.err);
    cr_expect(get(&p, "data_hex", 0) && strlen(get(&p, "data_hex", 0)) > 100);
    result_free(&r);
    peer_free(&p);

    /* pydicom's samples in every encoding -f meets: raw data set without meta,
     * big endian, implicit, deflated, a character set, nested sequences: each
     * is read and its data set sent as the identifier. */
    static const char *const samples[] = {
        "test_files/ExplVR_LitEndNoMeta.dcm", "test_files/ExplVR_BigEnd.dcm",
        "test_files/MR_small_implicit.dcm",   "test_files/image_dfl.dcm",
        "charset_files/chrFren.dcm",          "test_files/rtplan.dcm",
    };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "/usr/lib/python3/dist-packages/pydicom/data/%s", samples[i]);
        const char *fargs[] = {"-q", "-f", path, "-k", "PixelData=", NULL};
        simple(&p, &r, NULL, fargs);
        cr_expect_eq(r.status, 0, "%s: %s", samples[i], r.err);
        const char *hex = get(&p, "data_hex", 0);
        cr_expect(hex && strlen(hex) > 40, "%s: an identifier was sent", samples[i]);
        result_free(&r);
        peer_free(&p);
    }

    const char *bad[] = {"127.0.0.1", "9", "-f", "/nonexistent/query.dcm", NULL};
    run_findscu(&r, bad, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect(strncmp(r.err, "E: Cannot read input file /nonexistent/query.dcm\n", 49) == 0, "%s",
              r.err);
    cr_expect_null(strstr(r.err, "Requesting Association"), "no network before the query is read");
    result_free(&r);

    const char *badk[] = {"127.0.0.1", "9", "-k", "NoSuchKeyword=1", NULL};
    run_findscu(&r, badk, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.err, "E: Exception raised trying to parse the supplied keywords\n"), "%s",
              r.err);
    result_free(&r);
}

Test(cli_e2e, version_and_usage)
{
    result r;
    const char *v[] = {"--version", NULL};
    run_findscu(&r, v, NULL, NULL);
    cr_expect_eq(r.status, 0);
    cr_expect(strncmp(r.out, "findscu (dq) ", 13) == 0, "%s", r.out);
    cr_expect(strstr(r.out, "PS3.6"), "names the editions: %s", r.out);
    cr_expect_str_eq(r.err, "");
    result_free(&r);

    const char *u[] = {"127.0.0.1", "104", NULL};
    run_findscu(&r, u, NULL, NULL);
    cr_expect_eq(r.status, 2);
    cr_expect_str_eq(r.err, "usage: findscu [options] addr port\n"
                            "findscu: error: -f and/or -k must be specified\n");
    result_free(&r);

    const char *h[] = {"-h", NULL};
    run_findscu(&r, h, NULL, NULL);
    cr_expect_eq(r.status, 0);
    cr_expect(strstr(r.out, "Query Information Model Options:"));
    result_free(&r);
}

/* ---- failure paths --------------------------------------------------------------- */

/* A port nothing listens on: bind one, learn it, close it. */
static void closed_port(char *port, size_t cap)
{
    dq_test_scp s;
    cr_assert_eq(dq_test_scp_start(&s, "close\n", 1), 0);
    snprintf(port, cap, "%u", s.port);
    dq_test_scp_finish(&s, 0.01);
    dq_test_scp_cleanup(&s);
}

Test(cli_e2e, no_peer)
{
    char port[16];
    closed_port(port, sizeof port);
    result r;
    const char *args[] = {"127.0.0.1", port, "-k", "PatientName=", NULL};
    run_findscu(&r, args, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect_str_eq(r.err, "I: Requesting Association\n"
                            "E: Association request failed: unable to connect to remote\n"
                            "E: TCP Initialisation Error: [Errno 111] Connection refused\n"
                            "I: Aborting Association\n");
    result_free(&r);
}

Test(cli_e2e, rejected)
{
    peer p;
    result r;
    converse(&p, &r, "reject 1 1 7\n", PN_QUERY, NULL, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect_str_eq(r.err, "I: Requesting Association\n"
                            "E: Association Rejected\n"
                            "E: Result: Rejected Permanent, Source: Service User\n"
                            "E: Reason: Called AE title not recognised\n");
    result_free(&r);
    peer_free(&p);

    converse(&p, &r, "reject 2 3 2\n", PN_QUERY, NULL, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.err, "E: Result: Rejected Transient, Source: Service Provider "
                            "(Presentation)\nE: Reason: Local limit exceeded\n"),
              "%s", r.err);
    result_free(&r);
    peer_free(&p);
}

Test(cli_e2e, aborted_during_association)
{
    peer p;
    result r;
    converse(&p, &r, "read-rq\nabort 0 0\n", PN_QUERY, NULL, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect_str_eq(r.err, "I: Requesting Association\nE: Association Aborted\n");
    result_free(&r);
    peer_free(&p);
}

Test(cli_e2e, aborted_mid_stream)
{
    make_seed();
    char script[1024];
    snprintf(script, sizeof script, "accept\nrecv-msg\nfind-rsp 0xff00 %s\nabort 0 0\n", seed_rsp);
    peer p;
    result r;
    converse(&p, &r, script, PN_QUERY, NULL, NULL, NULL);
    cr_expect_eq(r.status, 0, "pynetdicom exits 0 once the association was established");
    cr_expect(strstr(r.err, "I: Find SCP Response: 1 - 0xFF00 (Pending)\n"), "%s", r.err);
    cr_expect(strstr(r.err, "I: Association Aborted\n"), "%s", r.err);
    cr_expect_null(strstr(r.err, "Releasing"), "%s", r.err);
    result_free(&r);
    peer_free(&p);
}

/* Each timeout option (0.5 s, fractional) against a peer silent for 3 s:
 * findscu's exit status, and the lines it ends with. */
Test(cli_e2e, timeouts)
{
    static const struct {
        const char *option, *script, *tail;
        int status;
    } t[] = {
        {"-ta", "read-rq\ndelay 3000\n",
         "I: Requesting Association\n"
         "E: ACSE timeout reached while waiting for response to association request\n"
         "I: Aborting Association\n",
         1},
        {"-td", "accept\nrecv-msg\ndelay 3000\n",
         "E: DIMSE timeout reached while waiting for message response\nI: Aborting Association\n",
         0},
        {"-tn", "accept\nrecv-msg\ndelay 3000\n",
         "E: Network timeout reached\nI: Aborting Association\n", 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        peer p;
        result r;
        double took;
        const char *args[] = {t[i].option, "0.5", "-k", "PatientName=", NULL};
        converse(&p, &r, t[i].script, args, NULL, NULL, &took);
        cr_expect_eq(r.status, t[i].status, "%s: %s", t[i].option, r.err);
        cr_expect(took < 2.5, "%s 0.5 is honoured (%.2f s)", t[i].option, took);
        size_t el = strlen(r.err), tl = strlen(t[i].tail);
        cr_expect(el >= tl && strcmp(r.err + el - tl, t[i].tail) == 0, "%s:\n%s", t[i].option,
                  r.err);
        if (t[i].status == 1) /* not established: nothing before the tail but the request */
            cr_expect_str_eq(r.err, t[i].tail);
        result_free(&r);
        peer_free(&p);
    }
}

Test(cli_e2e, no_accepted_context)
{
    char script[4096] = "";
    for (int id = 1; id <= 37; id += 2) {
        size_t l = strlen(script);
        snprintf(script + l, sizeof script - l, "set result %d 3\n", id);
    }
    strcat(script, "accept\nwait-close\n");
    peer p;
    result r;
    converse(&p, &r, script, PN_QUERY, NULL, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.err, "E: No accepted presentation contexts\n"), "%s", r.err);
    result_free(&r);
    peer_free(&p);

    /* Everything but the Study Root FIND context (ID 9). */
    const char *sargs[] = {"-S", "-k", "PatientName=", NULL};
    converse(&p, &r, "set result 9 3\naccept\nwait-close\n", sargs, NULL, NULL, NULL);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.err, "E: No presentation context for 'Study Root Query/Retrieve "
                            "Information Model - FIND' has been accepted by the peer for the "
                            "SCU role\n"),
              "%s", r.err);
    result_free(&r);
    peer_free(&p);
}

/* A final Failure or Warning status is logged; findscu still releases and exits 0. */
Test(cli_e2e, failure_and_warning_status)
{
    static const struct {
        const char *script, *line;
    } t[] = {
        {"accept\nrecv-msg\nfind-rsp 0xa700\nrelease\nwait-close\n",
         "I: Find SCP Result: 0xA700 (Failure)\nI: Releasing Association\n"},
        {"accept\nrecv-msg\nfind-rsp 0xb000\nrelease\nwait-close\n",
         "I: Find SCP Result: 0xB000 (Warning)\nI: Releasing Association\n"},
    };
    for (size_t i = 0; i < 2; i++) {
        peer p;
        result r;
        converse(&p, &r, t[i].script, PN_QUERY, NULL, NULL, NULL);
        cr_expect_eq(r.status, 0);
        cr_expect(strstr(r.err, t[i].line), "%s", r.err);
        result_free(&r);
        peer_free(&p);
    }
}

Test(cli_e2e, ctrl_c_cancels_then_releases)
{
    make_seed();
    char script[2048];
    snprintf(script, sizeof script,
             "accept\nrecv-msg\nfind-rsp 0xff00 %s\nfind-rsp 0xff00 %s\nrecv-msg\n"
             "find-rsp 0xfe00\nrelease\nwait-close\n",
             seed_rsp, seed_rsp);
    peer p;
    result r;
    converse(&p, &r, script, PN_QUERY, "Find SCP Response: 1 -", NULL, NULL);
    cr_assert_eq(p.exit, 0, "scp:\n%s\nfindscu:\n%s", p.record, r.err);
    cr_expect_eq(r.status, 130, "%s", r.err);
    cr_expect_str_eq(get(&p, "command_field", 1), "0fff", "a C-CANCEL-RQ was sent");
    cr_expect_str_eq(get(&p, "msg_id_responded", 0), "1");
    cr_expect(strstr(r.err, "I: Sending C-CANCEL\n"), "%s", r.err);
    cr_expect(strstr(r.err, "I: Find SCP Result: 0xFE00 (Cancel)\nI: Releasing Association\n"),
              "%s", r.err);
    result_free(&r);
    peer_free(&p);
}

/* A peer that sends one pending response, then follows `rest`; Ctrl-C
 * once that response is logged. The peer must have got the C-CANCEL-RQ and
 * findscu exit 130. */
static void ctrl_c_after_one_response(peer *p, result *r, const char *rest, double *took)
{
    make_seed();
    char script[2048];
    snprintf(script, sizeof script, "accept\nrecv-msg\nfind-rsp 0xff00 %s\n%s", seed_rsp, rest);
    converse(p, r, script, PN_QUERY, "Find SCP Response: 1 -", NULL, took);
    cr_assert_eq(p->exit, 0, "scp:\n%s\nfindscu:\n%s", p->record, r->err);
    cr_expect_eq(r->status, 130, "%s", r->err);
    cr_expect_str_eq(get(p, "command_field", 1), "0fff", "a C-CANCEL-RQ was sent");
}

/* Ctrl-C while findscu is blocked waiting (the peer answers nothing until
 * it gets the cancel): the C-CANCEL goes out at once, through the library's
 * DIMSE path (logged once, from its DIMSE_SENT event), and the final Cancel
 * response ends the query. */
Test(cli_e2e, ctrl_c_while_blocked_cancels_at_once)
{
    peer p;
    result r;
    double took;
    ctrl_c_after_one_response(&p, &r, "recv-msg\nfind-rsp 0xfe00\nrelease\nwait-close\n", &took);
    cr_expect(took < 4, "the cancel went out at once (%.2f s)", took);
    const char *line = strstr(r.err, "I: Sending C-CANCEL\n");
    cr_expect(line && !strstr(line + 5, "Sending C-CANCEL"), "logged once:\n%s", r.err);
    cr_expect(strstr(r.err, "I: Sending C-CANCEL\nI: Find SCP Result: 0xFE00 (Cancel)\n"
                            "I: Releasing Association\n"),
              "%s", r.err);
    result_free(&r);
    peer_free(&p);
}

/* The peer takes the cancel and never answers: findscu waits at most 5 s
 * for the final response (a bound of its own, reported as pynetdicom
 * reports a DIMSE timeout), then aborts. */
Test(cli_e2e, unanswered_cancel_is_given_up_after_5_s, .timeout = 30)
{
    peer p;
    result r;
    double took;
    ctrl_c_after_one_response(&p, &r, "recv-msg\nwait-close\n", &took);
    cr_expect(took >= 4.5 && took < 9, "gave up after %.2f s", took);
    cr_expect_str_eq(get(&p, "pdu", 0), "07", "an A-ABORT reached the peer");
    cr_expect(strstr(r.err, "I: Sending C-CANCEL\n"
                            "E: DIMSE timeout reached while waiting for message response\n"
                            "I: Aborting Association\n"),
              "%s", r.err);
    result_free(&r);
    peer_free(&p);
}

Test(cli_e2e, second_ctrl_c_aborts)
{
    make_seed();
    char script[2048];
    /* The peer takes the cancel and never answers it. */
    snprintf(script, sizeof script, "accept\nrecv-msg\nfind-rsp 0xff00 %s\nrecv-msg\nwait-close\n",
             seed_rsp);
    peer p;
    result r;
    double took;
    converse(&p, &r, script, PN_QUERY, "Find SCP Response: 1 -", "I: Sending C-CANCEL", &took);
    cr_assert_eq(p.exit, 0, "scp:\n%s\nfindscu:\n%s", p.record, r.err);
    cr_expect_eq(r.status, 130, "%s", r.err);
    cr_expect(took < 4, "the second Ctrl-C does not wait for the cancel (%.2f s)", took);
    cr_expect_str_eq(get(&p, "command_field", 1), "0fff");
    cr_expect_str_eq(get(&p, "pdu", 0), "07", "an A-ABORT reached the peer");
    cr_expect(strstr(r.err, "I: Aborting Association\n"), "%s", r.err);
    cr_expect_null(strstr(r.err, "Releasing"), "%s", r.err);
    result_free(&r);
    peer_free(&p);
}

Test(cli_e2e, ctrl_c_while_associating)
{
    peer p;
    result r;
    double took;
    converse(&p, &r, "read-rq\nwait-close\n", PN_QUERY, "I: Requesting Association", NULL, &took);
    cr_assert_eq(p.exit, 0, "scp:\n%s\nfindscu:\n%s", p.record, r.err);
    cr_expect_eq(r.status, 130, "%s", r.err);
    cr_expect(took < 5, "Ctrl-C does not wait for the ACSE timeout (%.2f s)", took);
    cr_expect_str_eq(r.err, "I: Requesting Association\nI: Aborting Association\n");
    cr_expect_str_eq(get(&p, "pdu", 0), "07", "an A-ABORT reached the peer");
    result_free(&r);
    peer_free(&p);
}

/* ---- validation of what the user typed -------------------------------------------- */

/* PS3.5 Table 6.2-1: an AE title is the default character repertoire without
 * backslash and control characters. pynetdicom's set_ae() logs the reason
 * and raises (exit 1) before any network traffic; port 9 has no listener,
 * so an attempt would show as "Requesting Association". */
Test(cli_e2e, ae_title_outside_default_repertoire)
{
    static const struct {
        const char *option, *value, *line;
    } t[] = {
        {"-aet", "\xc3\x84\xc3\x96",
         "E: Invalid 'ae_title' value '\xc3\x84\xc3\x96' - must only contain ASCII characters\n"},
        {"-aec", "PACS\xc3\x84",
         "E: Invalid 'ae_title' value 'PACS\xc3\x84' - must only contain ASCII characters\n"},
        {"-aet", "A\\B",
         "E: Invalid 'ae_title' value 'A\\B' - must not contain control characters or "
         "backslashes\n"},
        {"-aec", "12345678901234567",
         "E: Invalid 'ae_title' value '12345678901234567' - must not exceed 16 characters\n"},
        {"-aet", "  ", "E: Invalid 'ae_title' value - must not consist entirely of spaces\n"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        result r;
        const char *args[] = {t[i].option, t[i].value,     "127.0.0.1", "9",
                              "-k",        "PatientName=", NULL};
        run_findscu(&r, args, NULL, NULL);
        cr_expect_eq(r.status, 1, "%s '%s'", t[i].option, t[i].value);
        cr_expect_str_eq(r.err, t[i].line);
        result_free(&r);
    }
}

/* An identifier the accepted transfer syntax cannot hold: a 70,000-byte PN
 * does not fit Explicit VR's 16-bit length. pynetdicom's send_c_find encodes
 * before it logs the request, logs "Failed to encode the supplied Dataset"
 * and raises: exit 1, no request logged, no C-FIND-RQ sent. */
Test(cli_e2e, identifier_that_cannot_be_encoded)
{
    size_t n = 70000;
    char *key = malloc(n + 16);
    cr_assert_not_null(key);
    strcpy(key, "PatientName=");
    memset(key + 12, 'A', n);
    key[12 + n] = '\0';
    const char *script = "set ts 1.2.840.10008.1.2.1\naccept\nwait-close\n";
    for (int debug = 0; debug < 2; debug++) {
        peer p;
        result r;
        const char *args[] = {"-k", key, debug ? "-d" : NULL, NULL};
        converse(&p, &r, script, args, NULL, NULL, NULL);
        cr_expect_eq(r.status, 1, "%s", r.err);
        if (!debug)
            cr_expect_str_eq(r.err, "I: Requesting Association\n"
                                    "I: Association Accepted\n"
                                    "E: Failed to encode the supplied Dataset\n");
        else
            cr_expect(strstr(r.err, "E: Failed to encode the supplied Dataset\n"
                                    "D: value of 70000 bytes does not fit the 16-bit length "
                                    "of PN"),
                      "-d gives the reason:\n%.2000s", r.err);
        cr_expect_null(strstr(r.err, "Sending Find Request"), "nothing logged as sent");
        cr_expect_null(get(&p, "command_field", 0), "no C-FIND-RQ reached the peer");
        cr_expect_str_eq(get(&p, "pdu", 0), "07", "an A-ABORT ends the association");
        result_free(&r);
        peer_free(&p);
    }
    free(key);
}

/* -pdu is the longest P-DATA-TF variable field the peer may send (PS3.8
 * D.1). Derived here independently of the library: one PDV item's header
 * (4-byte length, context ID, message control header: 6) plus the smallest
 * C-FIND-RSP command set (PS3.7 Table 9.3-2, Implicit VR LE, 8-byte element
 * headers): Command Group Length UL (12) and four US elements (Command
 * Field, Message ID Being Responded To, Command Data Set Type, Status:
 * 4 x 10) = 58. Below that the peer has to split every response's command
 * (DCMTK-based peers manage down to 14 bytes): a warning; pynetdicom
 * accepts any value >= 0, so the run goes on. */
Test(cli_e2e, max_pdu_too_small_for_a_response_warns)
{
    static const struct {
        const char *pdu;
        bool warns;
    } t[] = {{"1", true}, {"57", true}, {"58", false}, {"0", false}, {"16382", false}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        result r;
        const char *args[] = {"-pdu", t[i].pdu, "127.0.0.1", "9", "-k", "PatientName=", NULL};
        run_findscu(&r, args, NULL, NULL);
        cr_expect_eq(r.status, 1, "-pdu %s: nothing listens on port 9", t[i].pdu);
        char want[256];
        snprintf(want, sizeof want,
                 "W: Maximum PDU length %s is below 58 bytes, the smallest that holds a C-FIND "
                 "response unsplit: the peer may be unable to answer\n"
                 "I: Requesting Association\n",
                 t[i].pdu);
        if (t[i].warns)
            cr_expect(strncmp(r.err, want, strlen(want)) == 0, "-pdu %s:\n%s", t[i].pdu, r.err);
        else
            cr_expect(strncmp(r.err, "I: Requesting Association\n", 26) == 0, "-pdu %s:\n%s",
                      t[i].pdu, r.err);
        result_free(&r);
    }
    result r;
    const char *h[] = {"-h", NULL};
    run_findscu(&r, h, NULL, NULL);
    cr_expect(strstr(r.out, "(below 58 bytes a C-FIND response must be split:"), "%s", r.out);
    result_free(&r);
}

/* -f on a directory: pynetdicom's open() raises IsADirectoryError. */
Test(cli_e2e, file_is_a_directory)
{
    char dir[96];
    cr_assert_not_null(dq_test_tmp_template(dir, sizeof dir, "dq-cli-e2e-dir"));
    cr_assert_not_null(mkdtemp(dir));
    result r;
    const char *args[] = {"127.0.0.1", "9", "-f", dir, NULL};
    run_findscu(&r, args, NULL, NULL);
    cr_expect_eq(r.status, 1);
    char want[256];
    snprintf(want, sizeof want,
             "E: Cannot read input file %s\nE: [Errno 21] Is a directory: '%s'\n", dir, dir);
    cr_expect_str_eq(r.err, want);
    result_free(&r);
    rmdir(dir);
}

/* ---- --output-directory ------------------------------------------------------------ */

static bool exists(const char *dir, const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

Test(cli_e2e, output_directory)
{
    make_seed();
    char script[2048];
    snprintf(script, sizeof script,
             "accept\nrecv-msg\nfind-rsp 0xff00 %s\nfind-rsp 0xff00 %s\nfind-rsp 0x0000\n"
             "release\nwait-close\n",
             seed_rsp, seed_rsp);
    /* Missing, two levels deep: created; the files go there, not into the
     * working directory. */
    peer p;
    result r;
    const char *args[] = {"-w", "--output-directory", "out/sub", "-k", "PatientName=", NULL};
    converse(&p, &r, script, args, NULL, NULL, NULL);
    cr_expect_eq(r.status, 0, "%s", r.err);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/out/sub", r.dir);
    cr_expect(exists(sub, "rsp000001.dcm") && exists(sub, "rsp000002.dcm"), "%s", r.err);
    cr_expect(!exists(sub, "rsp000003.dcm"));
    cr_expect(!exists(r.dir, "rsp000001.dcm"), "nothing in the working directory");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "dcmdump -q %s/rsp000002.dcm | grep -q 'CompressedSamples^CT1'", sub);
    cr_expect(cmd_ok(cmd), "rsp000002.dcm holds the response");
    snprintf(cmd, sizeof cmd, "rm -rf %s/out", r.dir);
    cr_expect(cmd_ok(cmd));
    result_free(&r);
    peer_free(&p);

    /* Cannot be created or written: an error before the association. */
    static const struct {
        const char *dir, *line;
    } bad[] = {
        {"/dev/null/x",
         "E: Cannot create the output directory '/dev/null/x': [Errno 20] Not a directory\n"},
        {"/dev/null",
         "E: Cannot create the output directory '/dev/null': [Errno 20] Not a directory\n"},
        /* sysfs refuses new files even to root (where mode bits would not) */
        {"/sys", "E: Cannot write to the output directory '/sys': [Errno 13] Permission denied\n"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *bargs[] = {"-w", "-od", bad[i].dir,     "127.0.0.1",
                               "9",  "-k",  "PatientName=", NULL};
        run_findscu(&r, bargs, NULL, NULL);
        cr_expect_eq(r.status, 1, "%s", bad[i].dir);
        cr_expect_str_eq(r.err, bad[i].line);
        result_free(&r);
    }

    /* Without -w it only warns (nothing is written anywhere). */
    const char *wargs[] = {"--output-directory", "never", "127.0.0.1", "9", "-k",
                           "PatientName=",       NULL};
    run_findscu(&r, wargs, NULL, NULL);
    cr_expect(strncmp(r.err,
                      "W: --output-directory has no effect without -w\n"
                      "I: Requesting Association\n",
                      73) == 0,
              "%s", r.err);
    cr_expect(!exists(r.dir, "never"));
    result_free(&r);
}

/* A file that cannot be written is named once, in Python's words. */
Test(cli_e2e, write_failure_names_the_file_once)
{
    make_seed();
    char script[2048];
    snprintf(script, sizeof script,
             "accept\nrecv-msg\nfind-rsp 0xff00 %s\nfind-rsp 0xff00 %s\nfind-rsp 0x0000\n"
             "release\nwait-close\n",
             seed_rsp, seed_rsp);
    char dir[96], blocker[128];
    cr_assert_not_null(dq_test_tmp_template(dir, sizeof dir, "dq-cli-e2e-od"));
    cr_assert_not_null(mkdtemp(dir));
    snprintf(blocker, sizeof blocker, "%s/rsp000002.dcm", dir);
    cr_assert_eq(mkdir(blocker, 0700), 0);
    peer p;
    result r;
    const char *args[] = {"-w", "-od", dir, "-k", "PatientName=", NULL};
    converse(&p, &r, script, args, NULL, NULL, NULL);
    char want[256];
    snprintf(want, sizeof want, "E: [Errno 21] Is a directory: '%s'\n", blocker);
    cr_expect(strstr(r.err, want), "%s", r.err);
    cr_expect(exists(dir, "rsp000001.dcm"), "the first response was written");
    result_free(&r);
    peer_free(&p);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect(cmd_ok(cmd));
}

/* ---- oversized PDUs --------------------------------------------------------------- */

/* A peer that answers in P-DATA-TF PDUs larger than the 16382 we offered:
 * pynetdicom keeps the responses and releases; so do we, with one line at
 * -d naming the sizes. */
Test(cli_e2e, responses_in_pdus_above_our_maximum_are_kept)
{
    make_seed();
    static char big[2 * 41000 + 1024];
    static char filler[40001];
    memset(filler, 'A', 40000);
    filler[40000] = 0;
    snprintf(big, sizeof big, "%s", seed_rsp);
    elem(big, sizeof big, 0x0010, 0x4000, filler); /* PatientComments */
    size_t dn = strlen(big) / 2;
    static char script[2 * sizeof big + 512];
    snprintf(script, sizeof script,
             "set pdvmax 60000\naccept\nrecv-msg\nfind-rsp 0xff00 %s\nfind-rsp 0xff00 %s\n"
             "find-rsp 0x0000\nrelease\nwait-close\n",
             big, big);
    for (int debug = 0; debug < 2; debug++) {
        peer p;
        result r;
        const char *args[] = {debug ? "-d" : "-v", "-k", "PatientName=", NULL};
        converse(&p, &r, script, args, NULL, NULL, NULL);
        cr_expect_eq(p.exit, 0, "scp:\n%s", p.record);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.err, "I: Find SCP Response: 2 - 0xFF00 (Pending)\n"), "%s", r.err);
        cr_expect(strstr(r.err, "PN [CompressedSamples^CT1]"), "%s", r.err);
        cr_expect(strstr(r.err, "I: Find SCP Result: 0x0000 (Success)\n"
                                "I: Releasing Association\n"),
                  "%s", r.err);
        cr_expect_null(strstr(r.err, "invalid"), "%s", r.err);
        cr_expect_str_eq(get(&p, "pdu", 0), "05", "released normally");
        char line[160];
        snprintf(line, sizeof line,
                 "D: Received a P-DATA-TF PDU-length of %zu bytes, above the maximum of 16382 "
                 "we offered: accepted\n",
                 dn + 6);
        const char *at = strstr(r.err, line);
        if (debug) {
            cr_expect(at, "missing %s in:\n%.2000s", line, r.err);
            cr_expect(at && !strstr(at + 1, "D: Received a P-DATA-TF"), "logged once");
        } else {
            cr_expect_null(strstr(r.err, "P-DATA-TF"), "nothing at the default level");
        }
        result_free(&r);
        peer_free(&p);
    }
}

/* A PDU beyond the safety cap is refused, and the user is told so at the
 * default level (not "invalid C-FIND response"). */
Test(cli_e2e, pdu_above_the_safety_cap_is_refused)
{
    peer p;
    result r;
    converse(&p, &r, "accept\nrecv-msg\noversized 70000000\nwait-close\n", PN_QUERY, NULL, NULL,
             NULL);
    cr_expect_eq(r.status, 0, "%s", r.err);
    const char *tail = "E: P-DATA-TF PDU-length 70000000 is above our safety limit of 67108858 "
                       "bytes: refused, association aborted\n"
                       "I: Aborting Association\n";
    size_t el = strlen(r.err), tl = strlen(tail);
    cr_expect(el >= tl && strcmp(r.err + el - tl, tail) == 0, "%s", r.err);
    cr_expect_str_eq(get(&p, "pdu", 0), "07", "an A-ABORT reached the peer");
    result_free(&r);
    peer_free(&p);
}

/* ---- when timeouts are reported ------------------------------------------------------ */

static bool ends_with(const char *s, const char *tail)
{
    size_t sl = strlen(s), tl = strlen(tail);
    return sl >= tl && strcmp(s + sl - tl, tail) == 0;
}

static const char ACSE_TIMEOUT[] =
    "I: Requesting Association\n"
    "E: ACSE timeout reached while waiting for response to association request\n"
    "I: Aborting Association\n";

/* -ta 2 against a listener that never answers nor closes: the message comes
 * when the timeout expires; the wait for the peer's close (ARTIM, 1 s)
 * comes after it, shown at -d only. A peer that closes on our A-ABORT ends
 * that wait at once. */
Test(cli_e2e, acse_timeout_reported_when_it_expires)
{
    peer p;
    result r;
    double took;
    const char *args[] = {"-ta", "2", "-k", "PatientName=", NULL};
    converse_watch(&p, &r, "read-rq\nhold\n", args, NULL, NULL, "E: ACSE timeout", &took);
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect_str_eq(r.err, ACSE_TIMEOUT);
    cr_expect(r.seen_at >= 1.95 && r.seen_at < 2.7, "message after %.2f s", r.seen_at);
    cr_expect(took < 3.7, "the ARTIM wait is bounded (%.2f s)", took);
    result_free(&r);
    peer_free(&p);

    converse(&p, &r, "read-rq\nwait-close\n", args, NULL, NULL, &took);
    cr_expect_str_eq(r.err, ACSE_TIMEOUT);
    cr_expect(took >= 1.95 && took < 2.7, "-ta 2 took %.2f s", took);
    result_free(&r);
    peer_free(&p);

    const char *dargs[] = {"-d", "-ta", "1", "-k", "PatientName=", NULL};
    converse(&p, &r, "read-rq\nhold\n", dargs, NULL, NULL, NULL);
    cr_expect(ends_with(r.err, "E: ACSE timeout reached while waiting for response to "
                               "association request\n"
                               "I: Aborting Association\n"
                               "D: Waiting up to 1 s for the peer to close the connection\n"),
              "%s", r.err);
    result_free(&r);
    peer_free(&p);
}

/* Waits while associating, each ended by the timeout that expires first:
 * -ta 5 -tn 1: the network timeout, named as such (pynetdicom has no line
 * of its own for it before the association is established: its reactor
 * checks -tn only afterwards); -ta 0: pynetdicom keeps 0 (ae.py accepts any
 * value >= 0) and its wait for the A-ASSOCIATE-AC expires at once. */
Test(cli_e2e, timeouts_while_associating)
{
    static const struct {
        const char *ta, *tn, *script, *err;
        double min, max;
    } t[] = {
        {"5", "1", "read-rq\nwait-close\n",
         "I: Requesting Association\nE: Network timeout reached\nI: Aborting Association\n", 0.95,
         1.7},
        {"0", "5", "accept\nwait-close\n", ACSE_TIMEOUT, 0, 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        peer p;
        result r;
        double took;
        const char *args[] = {"-ta", t[i].ta, "-tn", t[i].tn, "-k", "PatientName=", NULL};
        converse(&p, &r, t[i].script, args, NULL, NULL, &took);
        cr_expect_eq(r.status, 1, "-ta %s: %s", t[i].ta, r.err);
        cr_expect_str_eq(r.err, t[i].err, "-ta %s -tn %s", t[i].ta, t[i].tn);
        cr_expect(took >= t[i].min && took < t[i].max, "-ta %s -tn %s took %.2f s", t[i].ta,
                  t[i].tn, took);
        result_free(&r);
        peer_free(&p);
    }
}

/* A peer that never answers our A-RELEASE-RQ: pynetdicom (negotiate_release)
 * logs "Aborting Association" after the ACSE timeout and sends A-ABORT; an
 * A-ABORT from the peer meanwhile is "Association Aborted". */
Test(cli_e2e, release_unanswered_or_aborted)
{
    peer p;
    result r;
    double took;
    const char *args[] = {"-ta", "1", "-k", "PatientName=", NULL};
    converse(&p, &r, "accept\nrecv-msg\nfind-rsp 0x0000\nrecv-pdu\nwait-close\n", args, NULL, NULL,
             &took);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(ends_with(r.err, "I: Find SCP Result: 0x0000 (Success)\n"
                               "I: Releasing Association\n"
                               "I: Aborting Association\n"),
              "%s", r.err);
    cr_expect(took >= 0.95 && took < 1.7, "took %.2f s", took);
    cr_expect_str_eq(get(&p, "pdu", 0), "05");
    cr_expect_str_eq(get(&p, "pdu", 1), "07", "then our A-ABORT");
    result_free(&r);
    peer_free(&p);

    converse(&p, &r, "accept\nrecv-msg\nfind-rsp 0x0000\nrecv-pdu\nabort 0 0\n", args, NULL, NULL,
             NULL);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(ends_with(r.err, "I: Releasing Association\nI: Association Aborted\n"), "%s", r.err);
    result_free(&r);
    peer_free(&p);
}

/* The identifier the peer received, decoded (the encoding guessed from its
 * first bytes, as for a raw data set). */
static dq_dataset *received_identifier(const peer *p)
{
    const char *hex = get(p, "data_hex", 0);
    cr_assert_not_null(hex, "no identifier received");
    size_t n = strlen(hex) / 2;
    uint8_t *b = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        b[i] = (uint8_t)v;
    }
    dq_dataset *ds = NULL;
    dq_error err;
    cr_assert_eq(dq_part10_decode(b, n, NULL, NULL, &ds, NULL, &err), 0, "%s", err.message);
    free(b);
    return ds;
}

/* The top-level tags of ds, "(gggg,eeee) " each, in tag order. */
static void tags_of(const dq_dataset *ds, char *out, size_t cap)
{
    size_t off = 0;
    out[0] = 0;
    for (size_t i = 0; i < dq_dataset_count(ds) && off < cap; i++) {
        uint32_t t = dq_element_tag(dq_dataset_at(ds, i));
        off += (size_t)snprintf(out + off, cap - off, "(%04X,%04X) ", t >> 16, t & 0xFFFF);
    }
}

static int cmp_tag(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* What the level's table in the generated tables says -L sends: the keys of
 * the given types at the top of the level, and Query/Retrieve Level. */
static void expected_tags(const char *model, const char *level, const char *types, char *out,
                          size_t cap)
{
    const dq_query_model *m = dq_query_model_find(model);
    const dq_query_level *l = dq_query_level_find(m, level);
    cr_assert_not_null(l);
    uint32_t tags[256];
    size_t n = 0;
    tags[n++] = m->level_tag;
    for (size_t i = 0; i < l->nkeys && n < 256; i++)
        if (l->keys[i].depth == 0 && strchr(types, l->keys[i].type[0]))
            tags[n++] = l->keys[i].tag;
    qsort(tags, n, sizeof *tags, cmp_tag);
    size_t off = 0;
    for (size_t i = 0; i < n && off < cap; i++)
        off +=
            (size_t)snprintf(out + off, cap - off, "(%04X,%04X) ", tags[i] >> 16, tags[i] & 0xFFFF);
}

/* Runs findscu ARGS against a peer that answers success; the identifier it
 * received, and its top-level tags in *got. The caller frees both. */
static dq_dataset *sent_identifier(peer *p, result *r, const char *const *args, char *got,
                                   size_t cap)
{
    simple(p, r, NULL, args);
    cr_expect_eq(r->status, 0, "%s", r->err);
    dq_dataset *ds = received_identifier(p);
    tags_of(ds, got, cap);
    return ds;
}

static void identifier_done(dq_dataset *ds, peer *p, result *r)
{
    dq_dataset_free(ds);
    result_free(r);
    peer_free(p);
}

/* -S -L STUDY: the identifier is exactly C.6-5's U and R keys, empty, and
 * QueryRetrieveLevel STUDY; a -k value is kept; --keys all adds the O keys
 * with the items of their sequences. */
Test(cli_e2e, query_by_level)
{
    peer p;
    result r;
    char got[4096], want[4096];
    const char *args[] = {"-S", "-L", "STUDY", NULL};
    dq_dataset *ds = sent_identifier(&p, &r, args, got, sizeof got);
    cr_expect_null(strstr(r.err, "W: "), "no warnings:\n%s", r.err);
    expected_tags("Study Root", "STUDY", "UR", want, sizeof want);
    cr_expect_str_eq(got, want);
    /* PS3.4 2013 C.6-5's U and R keys, as the table reads (tests/test_query_keys.c) */
    if (strstr(dq_query_model_find("Study Root")->edition, " 2013 "))
        cr_expect_str_eq(got, "(0008,0020) (0008,0030) (0008,0050) (0008,0052) (0010,0010) "
                              "(0010,0020) (0020,000D) (0020,0010) ");
    dq_str v;
    cr_expect_eq(dq_dataset_get_string(ds, 0x00080052u, &v, NULL), 0);
    cr_expect(v.len == 5 && memcmp(v.ptr, "STUDY", 5) == 0);
    for (size_t i = 0; i < dq_dataset_count(ds); i++)
        if (dq_element_tag(dq_dataset_at(ds, i)) != 0x00080052u)
            cr_expect_eq(dq_element_vm(dq_dataset_at(ds, i)), 0, "universal return keys");
    identifier_done(ds, &p, &r);

    const char *given[] = {"-S", "--level", "STUDY", "-k", "PatientID=4711", NULL};
    ds = sent_identifier(&p, &r, given, got, sizeof got);
    cr_expect_str_eq(got, want, "-k's key is not added twice");
    cr_expect_eq(dq_dataset_get_string(ds, 0x00100020u, &v, NULL), 0);
    cr_expect(v.len == 4 && memcmp(v.ptr, "4711", 4) == 0, "-k's value is kept");
    identifier_done(ds, &p, &r);

    const char *all[] = {"-S", "-L", "STUDY", "--keys", "all", NULL};
    ds = sent_identifier(&p, &r, all, got, sizeof got);
    expected_tags("Study Root", "STUDY", "URO", want, sizeof want);
    cr_expect_str_eq(got, want);
    const dq_element *seq = dq_dataset_find(ds, 0x00081032u); /* ProcedureCodeSequence */
    cr_assert_not_null(seq);
    cr_assert_eq(dq_element_item_count(seq), 1);
    cr_expect_not_null(dq_dataset_find(dq_element_item(seq, 0), 0x00080100u), "CodeValue");
    identifier_done(ds, &p, &r);
}

/* -W --keys: every Type 1 and 2 return key of K.6-1, the Scheduled Procedure
 * Step Sequence with one item of its own. */
Test(cli_e2e, worklist_keys)
{
    peer p;
    result r;
    const char *args[] = {"-W", "-k", "PatientName=A*", "--keys", NULL};
    simple(&p, &r, NULL, args);
    cr_expect_eq(r.status, 0, "%s", r.err);
    dq_dataset *ds = received_identifier(&p);
    const dq_query_level *l = dq_query_level_find(dq_query_model_find("Modality Worklist"), "");
    size_t checked = 0;
    for (size_t i = 0; i < l->nkeys; i++) {
        const dq_query_key *k = &l->keys[i];
        bool required = strcmp(k->ret, "1") == 0 || strcmp(k->ret, "2") == 0;
        if (k->depth == 0) {
            cr_expect_eq(dq_dataset_find(ds, k->tag) != NULL, required || k->ret[1] == 'C', "%s",
                         k->keyword);
            checked++;
        } else if (k->depth == 1 && l->keys[k->parent].tag == 0x00400100u && required) {
            const dq_element *sps = dq_dataset_find(ds, 0x00400100u);
            cr_assert(sps && dq_element_item_count(sps) == 1);
            cr_expect_not_null(dq_dataset_find(dq_element_item(sps, 0), k->tag), "%s", k->keyword);
            checked++;
        }
    }
    cr_expect_gt(checked, 20);
    dq_str v;
    cr_expect_eq(dq_dataset_get_string(ds, 0x00100010u, &v, NULL), 0);
    cr_expect(v.len == 2 && memcmp(v.ptr, "A*", 2) == 0);
    cr_expect_null(dq_dataset_find(ds, 0x00080052u), "no Query/Retrieve Level in a worklist query");
    identifier_done(ds, &p, &r);

    /* -U --keys: CC.2.5-3's Type 1/2 return keys; Specific Character Set
     * (return type 1C there) is an identifier attribute, never sent empty. */
    char got[4096];
    const char *ups[] = {"-U", "--keys", NULL};
    ds = sent_identifier(&p, &r, ups, got, sizeof got);
    cr_expect_not_null(dq_dataset_find(ds, 0x00080018u), "SOPInstanceUID: %s", got);
    cr_expect_not_null(dq_dataset_find(ds, 0x00741000u), "ProcedureStepState: %s", got);
    cr_expect_null(dq_dataset_find(ds, 0x00080005u), "SpecificCharacterSet: %s", got);
    cr_expect_null(dq_dataset_find(ds, 0x00081195u), "TransactionUID (no return key): %s", got);
    identifier_done(ds, &p, &r);
}

/* Key checks: a patient-level key in an IMAGE query, a SERIES query without
 * a StudyInstanceUID; silent at -q; none without -L. */
Test(cli_e2e, query_level_warnings)
{
    peer p;
    result r;
    const char *image[] = {"-P",
                           "-L",
                           "IMAGE",
                           "-k",
                           "PatientName=X",
                           "-k",
                           "PatientID=1",
                           "-k",
                           "StudyInstanceUID=1.2",
                           "-k",
                           "SeriesInstanceUID=1.2.3",
                           NULL};
    simple(&p, &r, NULL, image);
    cr_expect_eq(r.status, 0, "%s", r.err);
    const dq_query_level *l = dq_query_level_find(dq_query_model_find("Patient Root"), "IMAGE");
    char want[512];
    snprintf(want, sizeof want,
             "W: Key PatientName (0010,0010) is not defined for the IMAGE level of the Patient "
             "Root model (PS3.4 Table %s: %s)\nI: Requesting Association\n",
             l->table, l->caption);
    cr_expect(strncmp(r.err, want, strlen(want)) == 0, "%s", r.err);
    cr_expect_null(strstr(r.err, "unique key"), "every unique key above is given:\n%s", r.err);
    result_free(&r);
    peer_free(&p);

    const char *series[] = {"-S", "-L", "SERIES", NULL};
    simple(&p, &r, NULL, series);
    cr_expect(strncmp(r.err,
                      "W: A query at the SERIES level of the Study Root model needs one value in "
                      "the unique key of each level above (PS3.4 C.4.1.2.1; or "
                      "--relational-query): StudyInstanceUID (0020,000D)\n",
                      160) == 0,
              "%s", r.err);
    result_free(&r);
    peer_free(&p);

    const char *relational[] = {"-S", "-L", "SERIES", "--relational-query", NULL};
    simple(&p, &r, NULL, relational);
    cr_expect_null(strstr(r.err, "W: "), "relational: %s", r.err);
    result_free(&r);
    peer_free(&p);

    const char *quiet[] = {"-q", "-S", "-L", "SERIES", "-k", "PatientComments=", NULL};
    simple(&p, &r, NULL, quiet);
    cr_expect_eq(r.status, 0);
    cr_expect_str_empty(r.err);
    result_free(&r);
    peer_free(&p);

    const char *plain[] = {"-S", "-k", "QueryRetrieveLevel=SERIES", "-k", "PatientComments=", NULL};
    simple(&p, &r, NULL, plain);
    cr_expect_null(strstr(r.err, "W: "), "no checks without -L: %s", r.err);
    dq_dataset *ds = received_identifier(&p);
    cr_expect_eq(dq_dataset_count(ds), 2, "nothing added without -L");
    dq_dataset_free(ds);
    result_free(&r);
    peer_free(&p);
}

/* ---- --format: the results as data ----------------------------------------------- */

static const char *const SEED_CSV = "QueryRetrieveLevel,PatientName\r\n"
                                    "PATIENT,CompressedSamples^CT1\r\n"
                                    "PATIENT,CompressedSamples^CT1\r\n";

static void two_matches(char *script, size_t cap)
{
    make_seed();
    snprintf(script, cap,
             "accept\nrecv-msg\nfind-rsp 0xff00 %s\nfind-rsp 0xff00 %s\nfind-rsp 0x0000\n"
             "release\nwait-close\n",
             seed_rsp, seed_rsp);
}

/* The records on stdout; the log stays on stderr without the response
 * identifiers (unless -d); -q silences the log, not the data. */
Test(cli_e2e, format_csv_on_stdout_and_the_log)
{
    char script[2048];
    two_matches(script, sizeof script);
    static const struct {
        const char *level; /* NULL: the default, -v */
        bool dumps;        /* the response identifiers are logged */
    } runs[] = {{NULL, false}, {"-q", false}, {"-d", true}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        const char *args[] = {
            runs[i].level ? runs[i].level : "-v", "--format", "csv",          "-k",
            "QueryRetrieveLevel=PATIENT",         "-k",       "PatientName=", NULL};
        peer p;
        result r;
        converse(&p, &r, script, args, NULL, NULL, NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, SEED_CSV);
        if (runs[i].level && strcmp(runs[i].level, "-q") == 0) {
            cr_expect_str_eq(r.err, "");
        } else {
            cr_expect(strstr(r.err, "I: # Request Identifier\n"), "%s", r.err);
            cr_expect(strstr(r.err, "I: Find SCP Response: 1 - 0xFF00 (Pending)\n"), "%s", r.err);
            cr_expect(strstr(r.err, "I: Find SCP Response: 2 - 0xFF00 (Pending)\n"), "%s", r.err);
            cr_expect_eq(strstr(r.err, "I: # Response Identifier\n") != NULL, runs[i].dumps, "%s",
                         r.err);
        }
        result_free(&r);
        peer_free(&p);
    }
}

/* Without --format nothing is written to stdout (pynetdicom's output). */
Test(cli_e2e, no_format_no_stdout)
{
    char script[2048];
    two_matches(script, sizeof script);
    peer p;
    result r;
    converse(&p, &r, script, PN_QUERY, NULL, NULL, NULL);
    cr_expect_eq(r.status, 0);
    cr_expect_str_eq(r.out, "");
    cr_expect(strstr(r.err, "I: # Response Identifier\n"), "%s", r.err);
    result_free(&r);
    peer_free(&p);
}

/* Ctrl-C mid-stream: the --output file is there, complete, with the record
 * received so far, and no temporary file is left. */
Test(cli_e2e, ctrl_c_leaves_a_complete_output_document)
{
    make_seed();
    char script[2048];
    snprintf(script, sizeof script,
             "accept\nrecv-msg\nfind-rsp 0xff00 %s\nrecv-msg\nfind-rsp 0xfe00\nrelease\n"
             "wait-close\n",
             seed_rsp);
    const char *args[] = {"--format", "json", "--output", "out.json", "-k", "PatientName=", NULL};
    peer p;
    result r;
    converse(&p, &r, script, args, "Find SCP Response: 1 -", NULL, NULL);
    cr_expect_eq(r.status, 130, "%s", r.err);
    cr_expect_str_eq(get(&p, "command_field", 1), "0fff", "a C-CANCEL-RQ was sent");
    char path[256];
    snprintf(path, sizeof path, "%s/out.json", r.dir);
    char *doc = slurp(path);
    cr_expect_str_eq(doc, "[\n{\"00080052\":{\"vr\":\"CS\",\"Value\":[\"PATIENT\"]},"
                          "\"00080054\":{\"vr\":\"AE\",\"Value\":[\"QRSCP\"]},"
                          "\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":"
                          "\"CompressedSamples^CT1\"}]}}\n]\n");
    free(doc);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s' | grep -v '^\\.std' | wc -l)\" = 1", r.dir);
    cr_expect(cmd_ok(cmd), "only out.json in %s", r.dir);
    result_free(&r);
    peer_free(&p);
}

/* An association that fails still leaves a valid (empty) document. */
Test(cli_e2e, failed_association_leaves_an_empty_document)
{
    char port[16];
    closed_port(port, sizeof port);
    static const struct {
        const char *fmt, *doc;
    } docs[] = {
        {"json", "[]\n"},
        {"ndjson", ""},
        {"csv", "PatientName\r\n"},
        {"xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NativeDicomModels>\n"
                "</NativeDicomModels>\n"},
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        result r;
        const char *args[] = {"127.0.0.1", port, "--format",     docs[i].fmt, "--output",
                              "doc",       "-k", "PatientName=", NULL};
        run_findscu(&r, args, NULL, NULL);
        cr_expect_eq(r.status, 1);
        char path[256];
        snprintf(path, sizeof path, "%s/doc", r.dir);
        char *doc = slurp(path);
        cr_expect_str_eq(doc, docs[i].doc, "%s", docs[i].fmt);
        free(doc);
        result_free(&r);
    }
}

/* Bad --format input: reported before any network traffic. */
Test(cli_e2e, format_bad_input_before_the_association)
{
    static const struct {
        const char *args[10];
        int status;
        const char *err;
    } cases[] = {
        {{"--format", "csv", "--columns", "PatientName,Foo", "-k", "PatientName=", NULL},
         1,
         "E: Invalid column 'Foo' in --columns: invalid query key 'Foo': unknown keyword "
         "'Foo'\n"},
        {{"--format", "tsv", "--columns", "ReferencedStudySequence", "-k", "PatientName=", NULL},
         1,
         "E: Invalid column 'ReferencedStudySequence' in --columns: a sequence's values are "
         "columns of their own, as Sequence[i].Keyword\n"},
        {{"--format", "json", "--columns", "PatientName", "-k", "PatientName=", NULL},
         2,
         "usage: findscu [options] addr port\nfindscu: error: argument --columns: only with "
         "--format csv or tsv\n"},
        {{"--format", "csv", "--output", "no/such/out.csv", "-k", "PatientName=", NULL},
         1,
         "E: Cannot write to 'no/such/out.csv': [Errno 2] No such file or directory\n"},
        {{"--format", "csv", "--output", ".", "-k", "PatientName=", NULL},
         1,
         "E: Cannot write to '.': [Errno 21] Is a directory\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* A peer that must never be contacted. */
        peer p;
        peer_start(&p, "close\n");
        const char *argv[16] = {"127.0.0.1", p.port};
        for (size_t k = 0; cases[i].args[k]; k++)
            argv[2 + k] = cases[i].args[k];
        result r;
        run_findscu(&r, argv, NULL, NULL);
        cr_expect_eq(r.status, cases[i].status, "%zu: %s", i, r.err);
        cr_expect_str_eq(r.err, cases[i].err);
        cr_expect_str_eq(r.out, "");
        /* Its script ("close") ends only when a connection comes: killed. */
        cr_expect_neq(dq_test_scp_finish(&p.scp, 0.01), 0, "%zu: the peer was contacted", i);
        result_free(&r);
        dq_test_scp_cleanup(&p.scp);
    }
}

/* Text no character set decodes: U+FFFD in the data, one warning line that
 * counts the bytes (CSV: our cells; NDJSON: the library's writer). */
Test(cli_e2e, format_undecodable_bytes_counted_in_one_warning)
{
    char rsp[512] = "";
    elem(rsp, sizeof rsp, 0x0008, 0x0005, "ISO_IR 192");
    elem(rsp, sizeof rsp, 0x0010, 0x0010, "M\xfcller^J\xff");
    char script[2048];
    snprintf(script, sizeof script,
             "accept\nrecv-msg\nfind-rsp 0xff00 %s\nfind-rsp 0xff00 %s\nfind-rsp 0x0000\n"
             "release\nwait-close\n",
             rsp, rsp);
    static const struct {
        const char *fmt, *out;
    } v[] = {
        {"csv",
         "PatientName\r\nM\xef\xbf\xbdller^J\xef\xbf\xbd\r\nM\xef\xbf\xbdller^J\xef\xbf\xbd\r\n"},
        {"ndjson", "{\"00080005\":{\"vr\":\"CS\",\"Value\":[\"ISO_IR 192\"]},\"00100010\":{\"vr\":"
                   "\"PN\",\"Value\":[{\"Alphabetic\":\"M\xef\xbf\xbdller^J\xef\xbf\xbd\"}]}}\n"
                   "{\"00080005\":{\"vr\":\"CS\",\"Value\":[\"ISO_IR 192\"]},\"00100010\":{\"vr\":"
                   "\"PN\",\"Value\":[{\"Alphabetic\":\"M\xef\xbf\xbdller^J\xef\xbf\xbd\"}]}}\n"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        const char *args[] = {"--format", v[i].fmt, "-k", "PatientName=", NULL};
        peer p;
        result r;
        converse(&p, &r, script, args, NULL, NULL, NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, v[i].out);
        cr_expect(ends_with(r.err, "I: Releasing Association\n"
                                   "W: 4 undecodable bytes in the responses' text written as "
                                   "U+FFFD\n"),
                  "%s", r.err);
        result_free(&r);
        peer_free(&p);
    }
}

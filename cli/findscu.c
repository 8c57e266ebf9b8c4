/* findscu: a C-FIND SCU, drop-in for pynetdicom's findscu.
 *
 * The flow is pynetdicom's (docs/findscu-behaviour.md): parse the command
 * line, build the identifier from -f/-k, request an association proposing the
 * Query/Retrieve, Basic Worklist and UPS contexts, send one C-FIND on the
 * chosen model's context, hand every response to the sinks, release. The
 * messages and exit statuses are pynetdicom's; the library does the work. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dq/assoc.h>
#include <dq/dataset.h>
#include <dq/find.h>
#include <dq/version.h>

#include "findscu_args.h"
#include "findscu_keys.h"
#include "findscu_identity.h"
#include "findscu_format.h"
#include "findscu_log.h"
#include "findscu_net.h"
#include "findscu_session.h"
#include "findscu_sink.h"
#include "findscu_batch.h"

/* pydicom warns (Python's warnings, shown whatever the log level) when it
 * writes a value with replacement characters; we log it as a warning. */
static void on_charset_warning(void *ctx, uint32_t tag, const char *message)
{
    (void)ctx;
    (void)tag;
    FS_WARN("%s", message);
}

/* The identifier from the -f file (NULL: none) and -k, as pynetdicom's
 * create_dataset builds it. */
static dq_dataset *build_identifier(const fs_options *o, const char *file)
{
    dq_error err;
    dq_error_clear(&err);
    dq_dataset *ds = NULL;
    if (file) {
        dq_dataset *meta = NULL;
        if (dq_part10_read_file(file, NULL, &meta, &ds, NULL, &err) != 0) {
            if (err.kind == DQ_ERR_IO || err.kind == DQ_ERR_NOT_FOUND) {
                FS_ERROR("Cannot read input file %s", file);
                if (err.sys_errno)
                    FS_ERROR("[Errno %d] %s: '%s'", err.sys_errno, strerror(err.sys_errno), file);
                else
                    FS_ERROR("%s", err.message);
            } else {
                FS_ERROR("Exception raised decoding the file, the file may be corrupt, "
                         "non-conformant or may not be DICOM");
                FS_ERROR("%s", err.message);
            }
            dq_dataset_free(meta);
            dq_dataset_free(ds);
            return NULL;
        }
        dq_dataset_free(meta);
    } else {
        ds = dq_dataset_new();
        if (!ds) {
            FS_ERROR("out of memory");
            return NULL;
        }
    }
    for (size_t i = 0; i < o->n_keywords; i++) {
        if (dq_dataset_set_key(ds, o->keywords[i], &err) != 0) {
            FS_ERROR("Exception raised trying to parse the supplied keywords");
            FS_ERROR("%s", err.message);
            dq_dataset_free(ds);
            return NULL;
        }
    }
    if (fs_keys_apply(o, ds) != 0) {
        dq_dataset_free(ds);
        return NULL;
    }
    /* pydicom encodes the typed (str) values into the identifier's Specific
     * Character Set when it writes the identifier: now that every key and
     * the file are in, the set is known. */
    if (dq_dataset_encode_keys(ds, on_charset_warning, NULL, &err) != 0) {
        FS_ERROR("Failed to encode the supplied Dataset");
        FS_DEBUG("%s", err.message);
        dq_dataset_free(ds);
        return NULL;
    }
    return ds;
}

static void print_version(void)
{
    printf("findscu (dq) %s\n", dq_version());
    for (size_t i = 0; i < dq_edition_count(); i++) {
        const dq_edition *e = dq_edition_at(i);
        if (e)
            printf("  %s\n", e->subtitle);
    }
}

/* An AE title the library refuses (PS3.5 Table 6.2-1), reported in the words
 * of pynetdicom's utils.set_ae(), which names both titles 'ae_title'. */
static bool ae_title_ok(const char *ae)
{
    dq_error err;
    dq_error_clear(&err);
    if (dq_ae_title_check(ae, &err) == 0)
        return true;
    switch ((dq_ae_title_problem)err.detail[0]) {
    case DQ_AE_TITLE_EMPTY: FS_ERROR("Invalid 'ae_title' value - must not be an empty str"); break;
    case DQ_AE_TITLE_BLANK:
        FS_ERROR("Invalid 'ae_title' value - must not consist entirely of spaces");
        break;
    case DQ_AE_TITLE_TOO_LONG:
        FS_ERROR("Invalid 'ae_title' value '%s' - must not exceed 16 characters", ae);
        break;
    case DQ_AE_TITLE_REPERTOIRE:
        FS_ERROR("Invalid 'ae_title' value '%s' - must only contain ASCII characters", ae);
        break;
    case DQ_AE_TITLE_FORBIDDEN:
        FS_ERROR("Invalid 'ae_title' value '%s' - must not contain control characters or "
                 "backslashes",
                 ae);
        break;
    default: FS_ERROR("%s", err.message); break;
    }
    return false;
}

/* --output-directory: created and checked before any network traffic. */
static int prepare_output(const fs_options *o)
{
    if (!o->output_dir)
        return 0;
    if (!o->write) {
        FS_WARN("--output-directory has no effect without -w");
        return 0;
    }
    dq_error err;
    dq_error_clear(&err);
    if (fs_output_dir_prepare(o->output_dir, &err) != 0) {
        FS_ERROR("%s", err.message);
        return FS_EXIT_ASSOC;
    }
    return 0;
}

/* What the user typed that pynetdicom refuses (or we warn about) before any
 * network traffic. FS_GO_ON, or the exit status. */
static int check_options(const fs_options *o)
{
    if (!ae_title_ok(o->calling_aet) || !ae_title_ok(o->called_aet))
        return FS_EXIT_ASSOC;
    if (o->max_pdu < 0 || o->max_pdu > 0xFFFFFFFFL) {
        FS_ERROR("Invalid maximum PDU length: %ld", o->max_pdu);
        return FS_EXIT_ASSOC;
    }
    /* pynetdicom takes any length >= 0. Below this one the peer must split
     * even a bare C-FIND-RSP command across PDUs (PS3.8 allows it; DCMTK
     * does down to 14 bytes, then aborts, and Orthanc stays silent until the
     * DIMSE timeout), so say why an answer may never come. */
    if (o->max_pdu > 0 && (unsigned long)o->max_pdu < fs_min_response_pdu())
        FS_WARN("Maximum PDU length %ld is below %lu bytes, the smallest that holds a C-FIND "
                "response unsplit: the peer may be unable to answer",
                o->max_pdu, fs_min_response_pdu());
    int status = prepare_output(o);
    if (status != 0)
        return status;
    if (o->port < 0 || o->port > 65535) {
        FS_INFO("Requesting Association");
        FS_ERROR("Association request failed: unable to connect to remote");
        FS_ERROR("TCP Initialisation Error: port must be 0-65535.");
        return FS_EXIT_ASSOC;
    }
    return FS_GO_ON;
}

/* One query, pynetdicom's way: the session and where --format writes. */
typedef struct single {
    fs_session s;
    fs_out *out;
} single;

/* --format: the output opened (--output: its temporary file), the columns
 * chosen, the sink added; all before any network traffic. FS_GO_ON or the
 * exit status (reported). */
static int prepare_format(single *r, const dq_dataset *identifier)
{
    const fs_options *o = r->s.o;
    if (o->format == FS_FORMAT_NONE)
        return FS_GO_ON;
    dq_error err;
    dq_error_clear(&err);
    fs_columns cols;
    memset(&cols, 0, sizeof cols);
    if ((o->format == FS_FORMAT_CSV || o->format == FS_FORMAT_TSV) &&
        fs_columns_build(&cols, o, identifier, &err) != 0) {
        FS_ERROR("%s", err.message);
        fs_columns_free(&cols);
        return FS_EXIT_ASSOC;
    }
    if (fs_out_open(&r->out, o->output, &err) != 0 ||
        !(r->s.format = fs_sink_format_new(o->format, r->out, &cols, &err))) {
        FS_ERROR("%s", err.message);
        fs_columns_free(&cols);
        return FS_EXIT_ASSOC;
    }
    r->s.sinks[r->s.n_sinks++] = r->s.format;
    r->s.output_error = fs_sink_format_error;
    fs_out_set_interrupted(r->out, fs_interrupted);
    /* A closed pipe is a write error (EPIPE) the sink handles, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    return FS_GO_ON;
}

/* --format: the document ended and (--output) given its name, whatever the
 * run's outcome; a write failure is reported (a closed pipe quietly: the
 * reader has what it wanted). The exit status. */
static int finish_format(single *r, int status)
{
    if (!r->out)
        return status;
    dq_error err;
    dq_error_clear(&err);
    fs_sink *f = r->s.format;
    int rc = f ? fs_sink_format_finish(f, &err) : 0;
    if (fs_out_close(r->out, rc == 0 && f, rc == 0 ? &err : NULL) != 0)
        rc = -1;
    r->out = NULL;
    /* A reader gone (EPIPE) or a Ctrl-C that ended a stalled write (EINTR)
     * is no failure of ours to report. */
    if (rc != 0 && err.sys_errno != EPIPE && err.sys_errno != EINTR) {
        FS_ERROR("%s", err.message);
        return status ? status : FS_EXIT_ASSOC;
    }
    if (f)
        fs_report_format_stats(fs_sink_format_stats(f));
    return status;
}

/* --strict: what pynetdicom counts as success (exit 0) may be a failed
 * query; the status says so. */
static int strict_status(const fs_session *s, int status, bool done, const dq_find_result *res)
{
    if (!s->o->strict || status != 0)
        return status;
    if (!done)
        return FS_EXIT_FAILED; /* aborted, timed out, refused */
    return fs_query_failed(s, res) ? FS_EXIT_FAILED : 0;
}

/* The whole exchange: check what was typed, associate, choose the context,
 * encode the identifier, query, release. Returns the exit status. */
static int run_query(single *r, dq_dataset *identifier)
{
    int status = check_options(r->s.o);
    if (status == FS_GO_ON)
        status = prepare_format(r, identifier);
    if (status != FS_GO_ON)
        return status;
    status = fs_session_open(&r->s);
    if (status != FS_GO_ON)
        return status;
    dq_find_result res;
    status = fs_session_query(&r->s, identifier, &res);
    if (status != FS_GO_ON)
        return strict_status(&r->s, status, false, &res);
    status = fs_session_close(&r->s, r->s.o->abort);
    return strict_status(&r->s, status, true, &res);
}

/* The sinks of one query: the log dump pynetdicom prints (with --format only
 * at -d: the data goes to stdout), the -w files. false when out of memory. */
static bool add_sinks(fs_session *s)
{
    const fs_options *o = s->o;
    if (o->format == FS_FORMAT_NONE || fs_log_enabled(FS_LEVEL_DEBUG))
        if (!(s->sinks[s->n_sinks++] = fs_sink_log_new()))
            return false;
    if (o->write && !(s->sinks[s->n_sinks++] = fs_sink_part10_new(o->output_dir)))
        return false;
    return true;
}

static int run_single(const fs_options *o, const dq_assoc_user_identity *identity)
{
    dq_dataset *identifier = build_identifier(o, o->file);
    if (!identifier)
        return FS_EXIT_ASSOC;
    single r;
    memset(&r, 0, sizeof r);
    fs_session_init(&r.s, o, fs_net_slot(0));
    r.s.identity = identity;
    r.s.cancel_after = (size_t)o->cancel_after;
    int status = 0;
    if (!add_sinks(&r.s)) {
        FS_ERROR("out of memory");
        status = FS_EXIT_ASSOC;
    } else {
        status = finish_format(&r, run_query(&r, identifier));
    }
    for (size_t i = 0; i < r.s.n_sinks; i++)
        if (r.s.sinks[i])
            r.s.sinks[i]->destroy(r.s.sinks[i]);
    dq_dataset_free(identifier);
    return status;
}

/* Several queries (--batch, several -f, --repeat, --count): the templates,
 * then the batch runner. */
static int run_many(const fs_options *o, const dq_assoc_user_identity *identity)
{
    size_t n = o->n_files > 1 ? o->n_files : 1;
    dq_dataset **ids = calloc(n, sizeof *ids);
    int status = ids ? FS_GO_ON : FS_EXIT_ASSOC;
    for (size_t i = 0; i < n && status == FS_GO_ON; i++)
        if (!(ids[i] = build_identifier(o, o->n_files ? o->files[i] : NULL)))
            status = FS_EXIT_ASSOC;
    if (status == FS_GO_ON)
        status = check_options(o);
    if (status == FS_GO_ON)
        status = fs_batch_run(o, identity, ids, n);
    for (size_t i = 0; ids && i < n; i++)
        dq_dataset_free(ids[i]);
    free(ids);
    return status;
}

int main(int argc, char **argv)
{
    fs_options o;
    fs_parse_result pr = fs_parse_args(argc, argv, &o, stdout, stderr);
    if (pr != FS_PARSE_OK) {
        fs_options_free(&o);
        if (pr == FS_PARSE_NOMEM) {
            fputs("findscu: out of memory\n", stderr);
            return FS_EXIT_ASSOC;
        }
        return pr == FS_PARSE_EXIT_OK ? 0 : FS_EXIT_USAGE;
    }
    if (o.version) {
        print_version();
        fs_options_free(&o);
        return 0;
    }

    fs_log_setup(&o, stderr);
    FS_DEBUG("findscu v%s (dq)", dq_version());
    FS_DEBUG("%s", "");

    fs_net_install_sigint((size_t)o.jobs);

    fs_identity id;
    int status = FS_EXIT_ASSOC;
    if (fs_identity_load(&o, &id) == 0) {
        const dq_assoc_user_identity *identity = fs_identity_get(&id);
        status = fs_options_many(&o) ? run_many(&o, identity) : run_single(&o, identity);
        fs_identity_free(&id);
    }
    fs_options_free(&o);
    return status;
}

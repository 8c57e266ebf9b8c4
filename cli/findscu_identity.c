/* findscu: the User Identity Negotiation options (see findscu_identity.h). */
#include "findscu_identity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findscu_log.h"

/* The primary and secondary fields have 16-bit lengths (PS3.7 D.3.3.7.1). */
#define FIELD_MAX 65535u
/* A file is read into a buffer of this size: one byte more than any field
 * holds, and room for a line end. Wiped whole when freed. */
#define FILE_CAP (FIELD_MAX + 3u)

/* What to drop from the end of a file's contents. */
typedef enum trim {
    TRIM_NONE,  /* Kerberos tickets (binary), SAML assertions: byte for byte */
    TRIM_LINE,  /* a password file: the first line, without its end */
    TRIM_SPACE, /* a JWT file: a token has no white space */
} trim;

static size_t trimmed(const uint8_t *p, size_t n, trim how)
{
    if (how == TRIM_LINE) {
        const uint8_t *nl = memchr(p, '\n', n);
        if (nl)
            n = (size_t)(nl - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
    } else if (how == TRIM_SPACE) {
        while (n > 0 &&
               (p[n - 1] == ' ' || p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == '\t'))
            n--;
    }
    return n;
}

static void wipe_free(uint8_t *b)
{
    if (b)
        explicit_bzero(b, FILE_CAP);
    free(b);
}

/* Reads at most FIELD_MAX bytes of `path` (after trimming) into a new
 * buffer. 0, or -1 with the reason logged; `what` names the option. */
static int read_field(const char *path, const char *what, trim how, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        FS_ERROR("%s: cannot read '%s': %s", what, path, strerror(errno));
        return -1;
    }
    uint8_t *b = malloc(FILE_CAP);
    size_t n = b ? fread(b, 1, FILE_CAP, f) : 0;
    bool bad = !b || ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        FS_ERROR("%s: cannot read '%s': %s", what, path, b ? strerror(saved) : "out of memory");
        wipe_free(b);
        return -1;
    }
    n = trimmed(b, n, how);
    if (n == 0 || n > FIELD_MAX) {
        FS_ERROR("%s: '%s' %s", what, path,
                 n == 0 ? "is empty"
                        : "holds more than the 65535 bytes a user identity field takes");
        wipe_free(b);
        return -1;
    }
    *out = b;
    *len = n;
    return 0;
}

/* A value given on the command line. */
static int from_arg(const char *v, const char *what, const uint8_t **p, size_t *len)
{
    size_t n = strlen(v);
    if (n == 0 || n > FIELD_MAX) {
        FS_ERROR("%s: the value must be 1 to 65535 bytes long", what);
        return -1;
    }
    *p = (const uint8_t *)v;
    *len = n;
    return 0;
}

/* A secret given on the command line (--password, --jwt): copied into a
 * buffer of ours, and the argv text overwritten so that ps and
 * /proc/PID/cmdline no longer show it (argv strings are the program's to
 * change; fs_options points into them). */
static int secret_from_arg(const char *v, const char *what, uint8_t **buf, const uint8_t **p,
                           size_t *len)
{
    if (from_arg(v, what, p, len) < 0)
        return -1;
    *buf = malloc(FILE_CAP);
    if (!*buf) {
        FS_ERROR("%s: out of memory", what);
        return -1;
    }
    memcpy(*buf, v, *len);
    memset((char *)v, 'x', *len);
    *p = *buf;
    return 0;
}

/* The primary field: --user, --kerberos, --saml, --jwt or --jwt-file. */
static int load_primary(const fs_options *o, fs_identity *id)
{
    dq_assoc_user_identity *u = &id->uid;
    if (o->user) {
        u->type = DQ_USER_IDENTITY_USERNAME;
        return from_arg(o->user, "--user", &u->primary, &u->primary_len);
    }
    if (o->jwt) {
        u->type = DQ_USER_IDENTITY_JWT;
        return secret_from_arg(o->jwt, "--jwt", &id->primary_buf, &u->primary, &u->primary_len);
    }
    const char *path = o->kerberos_file ? o->kerberos_file
                       : o->saml_file   ? o->saml_file
                                        : o->jwt_file;
    const char *what = o->kerberos_file ? "--kerberos" : o->saml_file ? "--saml" : "--jwt-file";
    u->type = o->kerberos_file ? DQ_USER_IDENTITY_KERBEROS
              : o->saml_file   ? DQ_USER_IDENTITY_SAML
                               : DQ_USER_IDENTITY_JWT;
    if (read_field(path, what, o->jwt_file ? TRIM_SPACE : TRIM_NONE, &id->primary_buf,
                   &id->primary_size) < 0)
        return -1;
    u->primary = id->primary_buf;
    u->primary_len = id->primary_size;
    return 0;
}

/* The passcode (--password or --password-file): username and passcode. */
static int load_secondary(const fs_options *o, fs_identity *id)
{
    dq_assoc_user_identity *u = &id->uid;
    if (!o->password && !o->password_file)
        return 0;
    u->type = DQ_USER_IDENTITY_USERNAME_PASSCODE;
    if (o->password)
        return secret_from_arg(o->password, "--password", &id->secondary_buf, &u->secondary,
                               &u->secondary_len);
    if (read_field(o->password_file, "--password-file", TRIM_LINE, &id->secondary_buf,
                   &id->secondary_size) < 0)
        return -1;
    u->secondary = id->secondary_buf;
    u->secondary_len = id->secondary_size;
    return 0;
}

int fs_identity_load(const fs_options *o, fs_identity *id)
{
    memset(id, 0, sizeof *id);
    id->present = o->user || o->kerberos_file || o->saml_file || o->jwt || o->jwt_file;
    if (!id->present)
        return 0;
    id->uid.response = o->user_response == FS_USER_RESPONSE_REQUIRED    ? DQ_USER_RESPONSE_REQUIRED
                       : o->user_response == FS_USER_RESPONSE_REQUESTED ? DQ_USER_RESPONSE_REQUESTED
                                                                        : DQ_USER_RESPONSE_NONE;
    if (load_primary(o, id) < 0 || load_secondary(o, id) < 0) {
        fs_identity_free(id);
        return -1;
    }
    return 0;
}

const dq_assoc_user_identity *fs_identity_get(const fs_identity *id)
{
    return id->present ? &id->uid : NULL;
}

void fs_identity_free(fs_identity *id)
{
    wipe_free(id->primary_buf);
    wipe_free(id->secondary_buf);
    memset(id, 0, sizeof *id);
}

/* findscu: the User Identity Negotiation options (PS3.7 D.3.3.7) turned
 * into the library's dq_assoc_user_identity.
 *
 * --user/--password/--jwt take their value from the command line;
 * --password-file, --kerberos, --saml and --jwt-file read a file before any
 * network traffic (the password file's first line; a JWT file without
 * surrounding white space; Kerberos tickets and SAML assertions byte for
 * byte). --password and --jwt are copied and their argv text overwritten
 * (ps no longer shows them). Every buffer is wiped when freed. Nothing here
 * logs a passcode or token. */
#ifndef FINDSCU_IDENTITY_H
#define FINDSCU_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dq/assoc.h>

#include "findscu_args.h"

typedef struct fs_identity {
    bool present;               /* an identity option was given */
    dq_assoc_user_identity uid; /* what the association sends */
    uint8_t *primary_buf;       /* file contents or a copied secret, owned (NULL: argv) */
    size_t primary_size;        /* bytes used */
    uint8_t *secondary_buf;
    size_t secondary_size;
} fs_identity;

/* Fills *id from the options (reading the files). 0, or -1 with an error
 * logged (a file that cannot be read, is empty or over 65535 bytes). */
int fs_identity_load(const fs_options *o, fs_identity *id);
/* The identity to send, NULL when none. */
const dq_assoc_user_identity *fs_identity_get(const fs_identity *id);
/* Wipes and frees what fs_identity_load read. */
void fs_identity_free(fs_identity *id);

#endif

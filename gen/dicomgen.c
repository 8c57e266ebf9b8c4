/* dicomgen: reads the DICOM standard's DocBook XML and writes C tables.
 *
 *   dicomgen --standard DIR --emit NAME --output-dir OUT
 *       writes OUT/dq_gen_NAME.c and OUT/dq_gen_NAME.h
 *   dicomgen --standard DIR --dump WHAT
 *       prints what was parsed as TSV (elements, uids, vrs, ...)
 *   dicomgen --list
 *       lists the emitters, the parts each reads, and the dumps each serves
 *
 * Each emitter lives in its own file (gen/emit_*.c) and is listed below.
 */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

extern const gen_emitter gen_emitter_editions;
extern const gen_emitter gen_emitter_ul;
extern const gen_emitter gen_emitter_pdu;
extern const gen_emitter gen_emitter_status;
extern const gen_emitter gen_emitter_dimse;
extern const gen_emitter gen_emitter_ul_actions;
extern const gen_emitter gen_emitter_vrs;
extern const gen_emitter gen_emitter_dict;
extern const gen_emitter gen_emitter_uids;
extern const gen_emitter gen_emitter_query_keys;

static const gen_emitter *const emitters[] = {
    &gen_emitter_editions, &gen_emitter_ul,         &gen_emitter_pdu, &gen_emitter_status,
    &gen_emitter_dimse,    &gen_emitter_ul_actions, &gen_emitter_vrs, &gen_emitter_dict,
    &gen_emitter_uids,     &gen_emitter_query_keys,
};
#define NEMITTERS (sizeof emitters / sizeof emitters[0])

static int usage(void)
{
    fprintf(stderr, "usage: dicomgen --standard DIR --emit NAME --output-dir OUT\n"
                    "       dicomgen --standard DIR --dump WHAT\n"
                    "       dicomgen --list\n");
    return 2;
}

static bool word_in(const char *words, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = words; p && *p;) {
        while (*p == ' ')
            p++;
        size_t k = strcspn(p, " ");
        if (k == n && strncmp(p, w, n) == 0)
            return true;
        p += k;
    }
    return false;
}

int main(int argc, char **argv)
{
    const char *standard = NULL, *emit = NULL, *outdir = NULL, *dump = NULL;
    bool list = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--standard") == 0 && i + 1 < argc)
            standard = argv[++i];
        else if (strcmp(argv[i], "--emit") == 0 && i + 1 < argc)
            emit = argv[++i];
        else if (strcmp(argv[i], "--output-dir") == 0 && i + 1 < argc)
            outdir = argv[++i];
        else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc)
            dump = argv[++i];
        else if (strcmp(argv[i], "--list") == 0)
            list = true;
        else
            return usage();
    }
    if (list) {
        for (size_t i = 0; i < NEMITTERS; i++)
            printf("%s\t%s\t%s\n", emitters[i]->name, emitters[i]->parts,
                   emitters[i]->dump_names ? emitters[i]->dump_names : "");
        return 0;
    }
    if (!standard || (!emit && !dump) || (emit && dump) || (emit && !outdir))
        return usage();

    xmlInitParser();
    int rc = -1;
    for (size_t i = 0; i < NEMITTERS; i++) {
        const gen_emitter *e = emitters[i];
        if (emit && strcmp(e->name, emit) == 0)
            rc = e->emit(standard, outdir);
        else if (dump && e->dump && word_in(e->dump_names, dump))
            rc = e->dump(standard, dump, stdout);
        if (rc >= 0)
            break;
    }
    if (rc < 0) {
        fprintf(stderr, "dicomgen: no emitter for %s \"%s\" (see --list)\n",
                emit ? "--emit" : "--dump", emit ? emit : dump);
        return 2;
    }
    if (dump && fflush(stdout) != 0) {
        perror("stdout");
        return 1;
    }
    xmlCleanupParser();
    return rc;
}

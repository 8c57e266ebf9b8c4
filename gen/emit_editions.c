/* Emitter "editions": each part's edition, from its <subtitle>, so the
 * library (and findscu --version) can say what it was generated from. */
#include "gen.h"

#include <stdlib.h>

static const char *const parts[] = {"part04.xml", "part05.xml", "part06.xml", "part07.xml",
                                    "part08.xml"};
#define NPARTS (sizeof parts / sizeof parts[0])

static int emit(const char *dir, const char *outdir)
{
    gen_doc *docs[NPARTS];
    for (size_t i = 0; i < NPARTS; i++)
        docs[i] = gen_doc_load(dir, parts[i]);

    char *path = gen_xasprintf("%s/dq_gen_editions.h", outdir);
    gen_out *h = gen_out_open(path);
    free(path);
    gen_out_banner(h, "editions", (const gen_doc *const *)docs, NPARTS);
    gen_out_printf(h,
                   "#ifndef DQ_GEN_EDITIONS_H\n#define DQ_GEN_EDITIONS_H\n\n"
                   "#include \"dq/version.h\"\n\n"
                   "#define DQ_GEN_EDITION_COUNT %zu\n"
                   "extern const dq_edition dq_gen_editions[DQ_GEN_EDITION_COUNT];\n\n#endif\n",
                   NPARTS);

    path = gen_xasprintf("%s/dq_gen_editions.c", outdir);
    gen_out *c = gen_out_open(path);
    free(path);
    gen_out_banner(c, "editions", (const gen_doc *const *)docs, NPARTS);
    gen_out_printf(c, "#include \"dq_gen_editions.h\"\n\n"
                      "const dq_edition dq_gen_editions[DQ_GEN_EDITION_COUNT] = {\n"
                      "    /* part      release  subtitle */\n");
    for (size_t i = 0; i < NPARTS; i++) {
        gen_out_printf(c, "    {");
        gen_out_cstr(c, docs[i]->part);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, docs[i]->release);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, docs[i]->edition);
        gen_out_printf(c, "},\n");
    }
    gen_out_printf(c, "};\n");

    gen_out_commit(h);
    gen_out_commit(c);
    for (size_t i = 0; i < NPARTS; i++)
        gen_doc_free(docs[i]);
    return 0;
}

static int dump(const char *dir, const char *what, FILE *out)
{
    (void)what;
    fprintf(out, "part\trelease\tsubtitle\n");
    for (size_t i = 0; i < NPARTS; i++) {
        gen_doc *d = gen_doc_load(dir, parts[i]);
        fprintf(out, "%s\t%s\t%s\n", d->part, d->release, d->edition);
        gen_doc_free(d);
    }
    return 0;
}

const gen_emitter gen_emitter_editions = {
    .name = "editions",
    .parts = "part04.xml part05.xml part06.xml part07.xml part08.xml",
    .emit = emit,
    .dump_names = "editions",
    .dump = dump,
};

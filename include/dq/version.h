/* dq: library version and the DICOM editions the build was generated from. */
#ifndef DQ_VERSION_H
#define DQ_VERSION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "major.minor.patch": project(VERSION) in the top
 * CMakeLists.txt, which also gives libdq.so its SONAME and dq.pc its Version. */
const char *dq_version(void);

/* The edition of each part of the standard the tables were generated from, e.g.
 * {"PS3.6", "2015b", "DICOM PS3.6 2015b - Data Dictionary"}, in part order. */
typedef struct dq_edition {
    const char *part;
    const char *release;
    const char *subtitle;
} dq_edition;

size_t dq_edition_count(void);
const dq_edition *dq_edition_at(size_t i); /* NULL past the end */

#ifdef __cplusplus
}
#endif
#endif

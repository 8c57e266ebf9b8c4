/* findscu: logging with pynetdicom's format, "%(levelname).1s: %(message)s".
 *
 * One logger for the application and the library events: lines go to stderr
 * (or the stream set for tests) when their level is at least the threshold.
 * -q turns logging off entirely, as pynetdicom's null handlers do. */
#ifndef FINDSCU_LOG_H
#define FINDSCU_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include "findscu_args.h"

/* Threshold from the parsed options (-q/-v/-d then -ll); off for -q. */
void fs_log_setup(const fs_options *o, FILE *stream);
bool fs_log_enabled(int level);
/* In the calling thread only: INFO lines count as DEBUG (a batch worker's
 * per-query lines, shown at -d; the batch's own lines stay INFO). */
void fs_log_demote_info(bool on);
/* The batch's progress line at INFO: on a terminal one self-updating line
 * (final: ended with its line end), else an ordinary "I: " line. false when
 * INFO is not shown. */
bool fs_log_progress(const char *line, bool final);
/* Writes out buffered lines (before waiting on the network). */
void fs_log_flush(void);
void fs_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define FS_DEBUG(...) fs_log(FS_LEVEL_DEBUG, __VA_ARGS__)
#define FS_INFO(...) fs_log(FS_LEVEL_INFO, __VA_ARGS__)
#define FS_WARN(...) fs_log(FS_LEVEL_WARNING, __VA_ARGS__)
#define FS_ERROR(...) fs_log(FS_LEVEL_ERROR, __VA_ARGS__)

#endif

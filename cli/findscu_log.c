/* findscu: logging (see findscu_log.h). */
#include "findscu_log.h"

#include <stdarg.h>

static FILE *log_stream;
static int log_threshold = FS_LEVEL_INFO;
static bool log_off;

void fs_log_setup(const fs_options *o, FILE *stream)
{
    log_stream = stream;
    log_off = o->log_type == 'q';
    log_threshold = o->log_type == 'd' ? FS_LEVEL_DEBUG : FS_LEVEL_INFO;
    if (o->log_level)
        log_threshold = o->log_level;
}

bool fs_log_enabled(int level)
{
    return !log_off && log_stream && level >= log_threshold;
}

static char level_letter(int level)
{
    if (level >= FS_LEVEL_CRITICAL)
        return 'C';
    if (level >= FS_LEVEL_ERROR)
        return 'E';
    if (level >= FS_LEVEL_WARNING)
        return 'W';
    if (level >= FS_LEVEL_INFO)
        return 'I';
    return 'D';
}

void fs_log(int level, const char *fmt, ...)
{
    if (!fs_log_enabled(level))
        return;
    /* Build the whole line first so one write carries it (no interleaving
     * with other output on the same terminal). */
    char line[4096];
    int n = snprintf(line, sizeof line, "%c: ", level_letter(level));
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    fwrite(line, 1, len, log_stream);
    fflush(log_stream);
}

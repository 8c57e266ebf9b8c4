/* findscu: logging (see findscu_log.h). */
#include "findscu_log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static FILE *log_stream;
static int log_threshold = FS_LEVEL_INFO;
static bool log_off;

void fs_log_setup(const fs_options *o, FILE *stream)
{
    log_stream = stream;
    /* A terminal sees each line at once; a file or pipe gets block-buffered
     * output (thousands of responses, one write per line would dominate),
     * flushed whenever findscu waits on the network and at exit. */
    if (stream && !isatty(fileno(stream)))
        setvbuf(stream, NULL, _IOFBF, 1 << 16);
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
     * with other output on the same terminal); long lines get a heap buffer. */
    char small[1024];
    char *line = small;
    size_t cap = sizeof small;
    va_list ap;
    for (int attempt = 0; attempt < 2; attempt++) {
        int n = snprintf(line, cap, "%c: ", level_letter(level));
        va_start(ap, fmt);
        int m = vsnprintf(line + n, cap - (size_t)n, fmt, ap);
        va_end(ap);
        if (m < 0)
            m = 0;
        size_t need = (size_t)n + (size_t)m + 2;
        if (need <= cap) {
            size_t len = (size_t)n + (size_t)m;
            line[len++] = '\n';
            fwrite(line, 1, len, log_stream);
            break;
        }
        if (attempt == 0) {
            char *big = malloc(need);
            if (!big) {
                /* Out of memory: print what fitted. */
                fwrite(line, 1, strlen(line), log_stream);
                fputc('\n', log_stream);
                break;
            }
            line = big;
            cap = need;
        }
    }
    if (line != small)
        free(line);
}

void fs_log_flush(void)
{
    if (log_stream)
        fflush(log_stream);
}

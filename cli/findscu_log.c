/* findscu: logging (see findscu_log.h). */
#include "findscu_log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static FILE *log_stream;
static int log_threshold = FS_LEVEL_INFO;
static bool log_off;
/* A batch worker's per-query lines are details (fs_log_demote_info). */
static _Thread_local bool demote_info;
/* A progress line is on the terminal without its line end: a log line
 * first clears it (the next progress tick draws it again). */
static atomic_bool progress_shown;

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
    if (log_off || !log_stream) /* -q: the common case of a fast run, decided first */
        return false;
    if (level == FS_LEVEL_INFO && demote_info)
        level = FS_LEVEL_DEBUG;
    return level >= log_threshold;
}

void fs_log_demote_info(bool on)
{
    demote_info = on;
}

bool fs_log_progress(const char *line, bool final)
{
    if (!fs_log_enabled(FS_LEVEL_INFO))
        return false;
    flockfile(log_stream);
    if (isatty(fileno(log_stream))) {
        fprintf(log_stream, "\r\033[KI: %s%s", line, final ? "\n" : "");
        atomic_store(&progress_shown, !final);
    } else {
        fprintf(log_stream, "I: %s\n", line);
    }
    fflush(log_stream);
    funlockfile(log_stream);
    return true;
}

/* One whole line, after clearing a progress line the terminal shows (only
 * then is the stream locked around both: -v writes tens of lines a match). */
static void write_line(const char *line, size_t len)
{
    if (!atomic_load_explicit(&progress_shown, memory_order_relaxed)) {
        fwrite(line, 1, len, log_stream);
        return;
    }
    flockfile(log_stream);
    if (atomic_exchange(&progress_shown, false))
        fputs("\r\033[K", log_stream);
    fwrite(line, 1, len, log_stream);
    funlockfile(log_stream);
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
    if (level == FS_LEVEL_INFO && demote_info)
        level = FS_LEVEL_DEBUG;
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
            write_line(line, len);
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

/* The replay SCP as a test peer (see replay_peer.h). */
#include "replay_peer.h"

#include <criterion/criterion.h>
#include <poll.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

void replay_start(replay *s, const char *const *args)
{
    const char *argv[32] = {REPLAY_SCP, "-p", "0", "--timeout", "10000"};
    size_t n = 5;
    for (size_t i = 0; args[i]; i++) {
        cr_assert_lt(n, 31);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    int e = posix_spawn(&s->pid, REPLAY_SCP, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    cr_assert_eq(e, 0, "cannot start %s: %s", REPLAY_SCP, strerror(e));
    s->out = fdopen(fds[0], "r");
    cr_assert_not_null(s->out);
    /* Unbuffered: replay_line polls the descriptor, which must not miss
     * lines that a buffered fgets has already taken in (with --fork, two
     * lines can arrive in one read). */
    setvbuf(s->out, NULL, _IONBF, 0);
    char line[128];
    cr_assert_not_null(fgets(line, sizeof line, s->out), "replay_scp printed no port");
    cr_assert_eq(sscanf(line, "port %d", &s->port), 1, "unexpected first line: %s", line);
    snprintf(s->port_arg, sizeof s->port_arg, "%d", s->port);
}

void replay_line(replay *s, char *line, size_t size)
{
    struct pollfd p = {.fd = fileno(s->out), .events = POLLIN};
    cr_assert_gt(poll(&p, 1, 20000), 0, "replay_scp said nothing");
    cr_assert_not_null(fgets(line, (int)size, s->out), "replay_scp closed its output");
    line[strcspn(line, "\n")] = '\0';
}

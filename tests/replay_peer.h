/* The benchmark's replay SCP (bench/replay_scp) started as a test peer: on a
 * free port, its report lines (one per find/association) read from its
 * stdout. Shared by the replay SCP's own tests and findscu's --cancel test. */
#ifndef DQ_TEST_REPLAY_PEER_H
#define DQ_TEST_REPLAY_PEER_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define REPLAY_SCP DQ_BINARY_DIR "/bench/replay_scp"

typedef struct replay {
    pid_t pid;
    FILE *out;         /* its stdout: "port P", then one line per find/association */
    int port;          /* the port it listens on */
    char port_arg[16]; /* the same as a command-line argument */
} replay;

/* Starts replay_scp -p 0 --timeout 10000 with extra arguments
 * (NULL-terminated) and reads the port it reports. */
void replay_start(replay *s, const char *const *args);
/* Reads the SCP's next report line, without its line end (waits up to 20 s). */
void replay_line(replay *s, char *line, size_t size);

#endif

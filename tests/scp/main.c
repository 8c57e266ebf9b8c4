/* dq_test_scp: the scripted test SCP as a program, for shell use:
 *   dq_test_scp PORT SCRIPT_FILE RECORD_FILE [CONNECTIONS]
 * PORT 0 picks a free port and prints it on stdout. */
#include "scp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s PORT SCRIPT_FILE RECORD_FILE [CONNECTIONS]\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    static char script[1 << 22];
    size_t n = fread(script, 1, sizeof script - 1, f);
    script[n] = 0;
    fclose(f);
    signal(SIGPIPE, SIG_IGN);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)atoi(argv[1]))};
    socklen_t l = sizeof a;
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 16) < 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &l) < 0) {
        perror("listen");
        return 2;
    }
    printf("%u\n", ntohs(a.sin_port));
    fflush(stdout);
    return dq_test_scp_serve(lfd, script, argc > 4 ? atoi(argv[4]) : 1, argv[3]);
}

/*
 * W3: CONNECTS TCP connections to a listener on 127.0.0.1.
 * This process listens on an ephemeral port, forks the server (accept, close),
 * then connects CONNECTS times; each client waits for the server's close (EOF)
 * before closing, so TIME_WAIT stays on the server side and the client never
 * runs out of ephemeral ports across runs.
 * Usage: w3-connect CONNECTS    Prints "port <n>" on stdout first.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: %s CONNECTS\n", argv[0]); return 2; }
  long n = strtol(argv[1], NULL, 10);
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ls, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(ls, 512) < 0) { perror("w3: listen"); return 1; }
  socklen_t len = sizeof addr;
  getsockname(ls, (struct sockaddr *)&addr, &len);
  printf("port %d\n", ntohs(addr.sin_port));
  fflush(stdout);

  pid_t server = fork();
  if (server < 0) { perror("w3: fork"); return 1; }
  if (server == 0) {
    for (long i = 0; i < n; i++) {
      int c = accept(ls, NULL, NULL);
      if (c < 0) { perror("w3: accept"); _exit(1); }
      close(c);
    }
    _exit(0);
  }
  close(ls);
  char b;
  for (long i = 0; i < n; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) { perror("w3: socket"); return 1; }
    if (connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("w3: connect"); return 1; }
    if (read(s, &b, 1) != 0) { fprintf(stderr, "w3: expected EOF from the server\n"); return 1; }
    close(s);
  }
  int status;
  if (waitpid(server, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "w3: server failed\n"); return 1; }
  return 0;
}

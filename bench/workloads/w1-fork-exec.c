/*
 * W1: fork + exec /bin/true, sequentially, waiting for each child.
 * Usage: w1-fork-exec ITERATIONS
 * Generates per iteration: 1 fork (this process), 1 exec and 1 exit (the child).
 * Exits non-zero if any child fails, so a broken run is never timed as a good one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: %s ITERATIONS\n", argv[0]); return 2; }
  long n = strtol(argv[1], NULL, 10);
  char *const child_argv[] = { "true", NULL };
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) { perror("w1: fork"); return 1; }
    if (pid == 0) { execv("/bin/true", child_argv); _exit(127); }
    int status;
    if (waitpid(pid, &status, 0) < 0) { perror("w1: waitpid"); return 1; }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "w1: child %ld failed: status %d\n", i, status); return 1; }
  }
  return 0;
}

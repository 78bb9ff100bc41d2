/*
 * W2: a file storm in DIR, which holds f-000 .. f-199 (created by the harness).
 *   - OPENS times: openat(O_RDONLY) + close over the 200 files, round robin;
 *   - CREATES times: open(O_CREAT|O_EXCL|O_WRONLY) + close + unlink of DIR/c-<i>.
 * Usage: w2-files DIR OPENS CREATES
 * Paths are absolute, so every open names a file under DIR.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NFILES 200

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s DIR OPENS CREATES\n", argv[0]); return 2; }
  const char *dir = argv[1];
  long opens = strtol(argv[2], NULL, 10), creates = strtol(argv[3], NULL, 10);
  static char paths[NFILES][4096];
  for (int i = 0; i < NFILES; i++) snprintf(paths[i], sizeof paths[i], "%s/f-%03d", dir, i);
  for (long i = 0; i < opens; i++) {
    int fd = openat(AT_FDCWD, paths[i % NFILES], O_RDONLY);
    if (fd < 0) { perror(paths[i % NFILES]); return 1; }
    close(fd);
  }
  char path[4096];
  for (long i = 0; i < creates; i++) {
    snprintf(path, sizeof path, "%s/c-%ld", dir, i);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (fd < 0) { perror(path); return 1; }
    close(fd);
    if (unlink(path) < 0) { perror(path); return 1; }
  }
  return 0;
}

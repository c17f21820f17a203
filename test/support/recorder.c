/*
 * A stand-in for both sides of an enforced container, for the end-to-end test (podman).
 *
 * Built twice with `gcc -static`:
 *   -DENFORCER_ARGS=n  the stub enforcer: records one line, skips its n fixed arguments
 *                      (the enforcer's binaryArgs), then execvp()s the rest, as a real enforcer
 *                      starts the protected program in the same process. With nothing left to
 *                      run (the sidecar itself) it exits 0.
 *   (no define)        the application: records one line and exits 0.
 *
 * Each record is one line of JSON on stdout:
 *   {"role":"enforcer"|"app","pid":N,"argv":[...],"env":[...],"probe":"...","capEff":"..."}
 * `probe` (enforcer only) is the result of trying to create a file beside the enforcer binary:
 * "EROFS" when the volume is mounted read-only. `capEff` is the effective capability mask from
 * /proc/self/status (hex), or "" when it cannot be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void put_json_string(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') { putchar('\\'); putchar(*p); }
    else if (*p < 0x20) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

static void put_json_list(char **items, int count) {
  putchar('[');
  for (int i = 0; (count < 0 ? items[i] != NULL : i < count); i++) {
    if (i > 0) putchar(',');
    put_json_string(items[i]);
  }
  putchar(']');
}

int main(int argc, char **argv) {
#ifdef ENFORCER_ARGS
  const char *role = "enforcer";
  /* Try to write beside the binary: the enforcer volume must be read-only in protected containers. */
  char probe_path[4096];
  const char *slash = strrchr(argv[0], '/');
  const char *probe = "no-directory";
  if (slash != NULL) {
    snprintf(probe_path, sizeof probe_path, "%.*s/.write-probe", (int)(slash - argv[0]), argv[0]);
    int fd = open(probe_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) { probe = "WRITABLE"; close(fd); unlink(probe_path); }
    else probe = (errno == EROFS) ? "EROFS" : strerror(errno);
  }
#else
  const char *role = "app";
  const char *probe = "";
#endif
  printf("{\"role\":\"%s\",\"pid\":%d,\"argv\":", role, (int)getpid());
  put_json_list(argv, argc);
  printf(",\"env\":");
  put_json_list(environ, -1);
  printf(",\"probe\":");
  put_json_string(probe);
  char cap_eff[64] = "";
  FILE *status = fopen("/proc/self/status", "r");
  if (status != NULL) {
    char line[256];
    while (fgets(line, sizeof line, status) != NULL) {
      if (strncmp(line, "CapEff:", 7) == 0) { sscanf(line + 7, "%63s", cap_eff); break; }
    }
    fclose(status);
  }
  printf(",\"capEff\":");
  put_json_string(cap_eff);
  printf("}\n");
  fflush(stdout);
#ifdef ENFORCER_ARGS
  int first = 1 + ENFORCER_ARGS;
  if (argc <= first) return 0; /* the sidecar itself: nothing to start */
  execvp(argv[first], &argv[first]);
  fprintf(stderr, "enforcer stub: cannot start %s: %s\n", argv[first], strerror(errno));
  return 127;
#else
  return 0;
#endif
}

/*
 * A stand-in for both sides of an enforced container, for the end-to-end test (podman).
 *
 * Built twice with `gcc -static`:
 *   -DENFORCER_ARGS=n  the stub enforcer: records one line, skips its n fixed arguments
 *                      (the enforcer's binaryArgs), then execvp()s the rest, as a real enforcer
 *                      starts the protected program in the same process. With nothing left to
 *                      run (the sidecar itself) it exits 0.
 *   (no define)        the application: records one line and exits 0.
 * Further defines, for stubs laid out like a vendor's enforcer:
 *   -DSETUP_COPY='"name"'    `prog setup --cws-volume-mount DIR` copies the program itself to
 *                            DIR/name and exits 0 (what Datadog's cws-instrumentation setup does).
 *   -DWRITABLE_DIR='"/dir"'  the enforcer must be able to create a file in /dir (its private
 *                            writable directory); it records the outcome as `writable` and exits 1
 *                            without starting the program when it cannot.
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

#ifdef SETUP_COPY
/* Copies /proc/self/exe to dir/SETUP_COPY (mode 0755). Returns 0 on success. */
static int copy_self(const char *dir) {
  char target[4096];
  snprintf(target, sizeof target, "%s/%s", dir, SETUP_COPY);
  int in = open("/proc/self/exe", O_RDONLY);
  if (in < 0) return -1;
  int out = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  if (out < 0) { close(in); return -1; }
  char buffer[65536];
  ssize_t n;
  while ((n = read(in, buffer, sizeof buffer)) > 0) {
    if (write(out, buffer, (size_t)n) != n) { close(in); close(out); return -1; }
  }
  close(in);
  return close(out) == 0 && n == 0 ? 0 : -1;
}
#endif

int main(int argc, char **argv) {
#ifdef SETUP_COPY
  if (argc == 4 && strcmp(argv[1], "setup") == 0 && strcmp(argv[2], "--cws-volume-mount") == 0) {
    int ok = copy_self(argv[3]) == 0;
    printf("{\"role\":\"setup\",\"pid\":%d,\"argv\":", (int)getpid());
    put_json_list(argv, argc);
    printf(",\"copied\":%s}\n", ok ? "true" : "false");
    return ok ? 0 : 1;
  }
#endif
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
#ifdef WRITABLE_DIR
  int writable_fd = open(WRITABLE_DIR "/.enforcer-probe", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const char *writable = writable_fd >= 0 ? "ok" : strerror(errno);
  if (writable_fd >= 0) { close(writable_fd); unlink(WRITABLE_DIR "/.enforcer-probe"); }
  printf(",\"writable\":");
  put_json_string(writable);
#endif
  printf("}\n");
  fflush(stdout);
#ifdef WRITABLE_DIR
  if (writable_fd < 0 && argc > 1 + ENFORCER_ARGS) {
    fprintf(stderr, "enforcer stub: cannot write in %s: %s\n", WRITABLE_DIR, writable);
    return 1;
  }
#endif
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

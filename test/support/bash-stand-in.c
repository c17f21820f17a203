/*
 * A stand-in for /bin/bash in the stub CrowdStrike image (test support), on top of busybox:
 * busybox has no `bash` applet, so this runs busybox's `sh` with the same arguments
 * (`bash -c SCRIPT` → `sh -c SCRIPT`). One difference from GNU tools is bridged: busybox's chmod
 * evaluates `X` in `a=rX` after clearing the mode, so executables lose their x bit (GNU chmod, as
 * in the vendor's image, keeps it: `a=rX` on 0755 gives 0555). busybox's shell runs its own chmod
 * applet whatever is on PATH, so the script's `a=rX` is passed on as the equivalent `a-w,a+rX`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *rewrite(const char *script) {
  const char *from = "a=rX", *to = "a-w,a+rX";
  size_t count = 0;
  for (const char *p = strstr(script, from); p; p = strstr(p + 1, from)) count++;
  char *out = malloc(strlen(script) + count * (strlen(to) - strlen(from)) + 1);
  if (!out) return NULL;
  char *w = out;
  for (const char *p = script; *p;) {
    if (strncmp(p, from, strlen(from)) == 0) { memcpy(w, to, strlen(to)); w += strlen(to); p += strlen(from); }
    else *w++ = *p++;
  }
  *w = '\0';
  return out;
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i++) {
    if (strcmp(argv[i], "-c") == 0) { argv[i + 1] = rewrite(argv[i + 1]); break; }
  }
  argv[0] = "sh";
  execv("/bin/busybox", argv);
  perror("bash stand-in: /bin/busybox");
  return 127;
}

/* steptrace: single-steps a command until it execs its target (or exits) and
 * prints, once each in the order first executed, the addresses of the
 * instructions it ran in its own executable, relative to the executable's
 * link address (so they match `nm` of the file, PIE or not).
 * bench/startup-order.sh turns them into bench/startup.order.
 *
 *   steptrace CMD [ARG...]      (CMD: an absolute path)
 *
 * About 120 000 steps for a small sandbox launch; a few seconds. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char* what) {
    fprintf(stderr, "steptrace: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Load bias of the executable: 0 for ET_EXEC, else the start of its first
 * mapping (offset 0) in /proc/PID/maps. Also returns the mapped range. */
static uint64_t load_bias(pid_t pid, const char* exe, uint64_t* lo, uint64_t* hi) {
    char real[4096];
    if (!realpath(exe, real)) {
        die(exe);
    }
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    Elf64_Ehdr eh;
    if (fd < 0 || read(fd, &eh, sizeof eh) != (ssize_t)sizeof eh) {
        die(real);
    }
    close(fd);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE* maps = fopen(path, "r");
    if (!maps) {
        die(path);
    }
    char line[8192];
    uint64_t first = 0;
    *lo = UINT64_MAX;
    *hi = 0;
    while (fgets(line, sizeof line, maps)) {
        uint64_t start, end, off;
        char file[4096] = "";
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*s %4095s", &start, &end,
                   &off, file) < 3 || strcmp(file, real) != 0) {
            continue;
        }
        if (*lo == UINT64_MAX) {
            first = start - off;
        }
        *lo = start < *lo ? start : *lo;
        *hi = end > *hi ? end : *hi;
    }
    fclose(maps);
    if (*hi == 0) {
        fprintf(stderr, "steptrace: %s is not mapped in the child\n", real);
        exit(1);
    }
    return eh.e_type == ET_EXEC ? 0 : first;
}

int main(int argc, char** argv) {
    if (argc < 2 || argv[1][0] != '/') {
        fprintf(stderr, "usage: steptrace /ABS/CMD [ARG...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        die("fork");
    }
    if (pid == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        execv(argv[1], argv + 1);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st)) {
        die("waitpid");
    }
    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL);
    uint64_t lo, hi;
    const uint64_t bias = load_bias(pid, argv[1], &lo, &hi);
    unsigned long steps = 0;
    for (;;) {
        struct user_regs_struct r;
        if (ptrace(PTRACE_GETREGS, pid, 0, &r) != 0) {
            die("PTRACE_GETREGS");
        }
        if (r.rip >= lo && r.rip < hi) {
            printf("%" PRIu64 "\n", (uint64_t)r.rip - bias);
        }
        steps++;
        if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) != 0 || waitpid(pid, &st, 0) < 0) {
            die("PTRACE_SINGLESTEP");
        }
        if (WIFEXITED(st) || WIFSIGNALED(st) ||
            (WIFSTOPPED(st) && st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))) {
            break;
        }
    }
    const int failed = WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0);
    if (!WIFEXITED(st) && !WIFSIGNALED(st)) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    fprintf(stderr, "steptrace: %lu steps%s\n", steps, failed ? ", the command failed" : "");
    return failed ? 1 : 0;
}

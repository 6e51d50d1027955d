/* The minimal C reference launcher of the benchmark suite (issue 7): a
 * Landlock ruleset handling every right the kernel knows, one rule per
 * path (open O_PATH, fstat, landlock_add_rule), no_new_privs,
 * landlock_restrict_self, execve. Nothing else: no policy language, no
 * diagnostics, no PATH lookup.
 *
 *   ref_launcher [--ro P | --rox P | --rw P | --ro-list FILE]... -- /abs/cmd [ARG...]
 *
 * --ro-list FILE reads one path per line (read-only rules). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define R_EXECUTE (1ULL << 0)
#define R_WRITE_FILE (1ULL << 1)
#define R_READ_FILE (1ULL << 2)
#define R_READ_DIR (1ULL << 3)
#define R_REFER (1ULL << 13)
#define R_TRUNCATE (1ULL << 14)
#define R_IOCTL_DEV (1ULL << 15)
#define R_FILE_ONLY (R_EXECUTE | R_WRITE_FILE | R_READ_FILE | R_TRUNCATE | R_IOCTL_DEV)
#define R_RO (R_READ_FILE | R_READ_DIR)
#define R_ROX (R_RO | R_EXECUTE)
#define R_RW_DIR_EXTRA ((((1ULL << 13) - 1) & ~0xfULL) | R_REFER) /* remove_*, make_* */
#define R_RW (R_RO | R_WRITE_FILE | R_TRUNCATE | R_IOCTL_DEV | R_RW_DIR_EXTRA)

/* Kernel UAPI that Debian 12's linux-libc-dev (6.1) lacks. */
struct ref_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

static int ruleset_fd = -1;
static uint64_t handled;

static void die(const char* what, const char* arg) {
    fprintf(stderr, "ref_launcher: %s %s: ", what, arg ? arg : "");
    perror(NULL);
    exit(125);
}

static void add(const char* path, uint64_t rights) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        die("cannot open", path);
    }
    if (!S_ISDIR(st.st_mode)) {
        rights &= R_FILE_ONLY;
    }
    struct landlock_path_beneath_attr rule = {.allowed_access = rights & handled, .parent_fd = fd};
    if (syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0) {
        die("cannot add a rule for", path);
    }
    close(fd);
}

static void add_list(const char* file) {
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        die("cannot read", file);
    }
    char* buf = malloc((size_t)st.st_size + 1);
    ssize_t n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
    if (n != st.st_size) {
        die("cannot read", file);
    }
    close(fd);
    buf[n] = '\0';
    for (char *line = buf, *end; *line != '\0'; line = end + 1) {
        end = strchr(line, '\n');
        if (end == NULL) {
            add(line, R_RO);
            break;
        }
        *end = '\0';
        add(line, R_RO);
    }
    free(buf);
}

int main(int argc, char** argv) {
    int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) {
        die("Landlock is not available", NULL);
    }
    handled = (1ULL << 13) - 1;
    if (abi >= 2) {
        handled |= R_REFER;
    }
    if (abi >= 3) {
        handled |= R_TRUNCATE;
    }
    if (abi >= 5) {
        handled |= R_IOCTL_DEV;
    }
    struct ref_ruleset_attr attr = {.handled_access_fs = handled,
                                    .handled_access_net = abi >= 4 ? 3 : 0, /* bind, connect */
                                    .scoped = abi >= 6 ? 3 : 0};        /* abstract unix, signal */
    size_t size = abi >= 6 ? sizeof attr : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
    ruleset_fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset_fd < 0) {
        die("cannot create the ruleset", NULL);
    }
    int i = 1;
    for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (strcmp(argv[i], "--ro") == 0) {
            add(argv[i + 1], R_RO);
        } else if (strcmp(argv[i], "--rox") == 0) {
            add(argv[i + 1], R_ROX);
        } else if (strcmp(argv[i], "--rw") == 0) {
            add(argv[i + 1], R_RW);
        } else if (strcmp(argv[i], "--ro-list") == 0) {
            add_list(argv[i + 1]);
        } else {
            fprintf(stderr, "ref_launcher: unknown option %s\n", argv[i]);
            return 125;
        }
    }
    if (i >= argc - 1) {
        fprintf(stderr, "ref_launcher: usage: ref_launcher [--ro|--rox|--rw PATH]... -- CMD [ARG...]\n");
        return 125;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        die("cannot set no_new_privs", NULL);
    }
    if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) != 0) {
        die("cannot restrict", NULL);
    }
    close(ruleset_fd);
    execv(argv[i + 1], argv + i + 1);
    die("cannot execute", argv[i + 1]);
}

/* Benchmark driver: runs commands interleaved, round by round, and times
 * each with clock_gettime(CLOCK_MONOTONIC) around fork -> execve -> waitpid
 * (no shell in between), and the CPU time the command used (user + system,
 * from wait4's rusage, which includes its waited-for children): on a shared,
 * loaded machine CPU time is the steadier figure, wall time the honest one.
 *
 *   driver --rounds N [--warmup W] --group NAME --csv OUT.csv --md OUT.md CASES
 *
 * CASES has one case per line, fields separated by tabs:
 *   ID  BASELINE-ID|-  LABEL  ARGV0  ARG...
 * Every round runs every case once, starting at a different case each round
 * (rotation), so slow drifts of the machine hit all cases alike. Ratios are
 * computed pair by pair: case / baseline within the same round, then the
 * median of those ratios. Any command that exits non-zero (or dies) fails the
 * whole run with its stderr shown: exit status 1. Rows are appended to
 * OUT.csv and OUT.md.
 *
 * An argument containing @ROUND@ gets the round number there (w0, w1, ...
 * for the warm-up runs), so that a command's own output file (e.g.
 * sandbox --report-to) is kept per round for the caller to read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CASES 64
#define MAX_ARGS 4096

struct bench_case {
    char* id;
    char* baseline;
    char* label;
    char* argv[MAX_ARGS];
    int base; /* index of the baseline case, or -1 */
    double* ns;
    double* cpu; /* ns of user + system time */
};

static struct bench_case cases[MAX_CASES];
static int ncases;
static int err_fd = -1;
static int null_fd = -1;

static void fail(const char* what) {
    fprintf(stderr, "driver: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void read_cases(const char* file) {
    FILE* f = fopen(file, "r");
    if (f == NULL) {
        fail(file);
    }
    char* line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n') {
            line[n - 1] = '\0';
        }
        if (line[0] == '\0' || line[0] == '#') {
            continue;
        }
        if (ncases == MAX_CASES) {
            fprintf(stderr, "driver: too many cases\n");
            exit(2);
        }
        struct bench_case* c = &cases[ncases++];
        char* save = NULL;
        char* copy = strdup(line);
        c->id = strtok_r(copy, "\t", &save);
        c->baseline = strtok_r(NULL, "\t", &save);
        c->label = strtok_r(NULL, "\t", &save);
        int a = 0;
        for (char* t; (t = strtok_r(NULL, "\t", &save)) != NULL && a < MAX_ARGS - 1;) {
            c->argv[a++] = t;
        }
        if (c->label == NULL || a == 0) {
            fprintf(stderr, "driver: malformed case line: %s\n", line);
            exit(2);
        }
    }
    free(line);
    fclose(f);
    for (int i = 0; i < ncases; ++i) {
        cases[i].base = -1;
        for (int j = 0; j < ncases; ++j) {
            if (strcmp(cases[i].baseline, cases[j].id) == 0) {
                cases[i].base = j;
            }
        }
        if (cases[i].base < 0 && strcmp(cases[i].baseline, "-") != 0) {
            fprintf(stderr, "driver: unknown baseline %s\n", cases[i].baseline);
            exit(2);
        }
    }
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#define ROUND_TOKEN "@ROUND@"

/* c->argv with ROUND_TOKEN replaced by `round`, in `argv`; returns how many
 * arguments were copies (freed by the caller: the first `n` of `owned`). */
static int expand_round(const struct bench_case* c, const char* round, char** argv,
                        char** owned) {
    int n = 0;
    for (int a = 0;; ++a) {
        const char* arg = c->argv[a];
        const char* at_token = arg != NULL ? strstr(arg, ROUND_TOKEN) : NULL;
        if (at_token == NULL) {
            argv[a] = c->argv[a];
            if (arg == NULL) {
                return n;
            }
            continue;
        }
        char* copy = NULL;
        if (asprintf(&copy, "%.*s%s%s", (int)(at_token - arg), arg, round,
                     at_token + strlen(ROUND_TOKEN)) < 0) {
            fail("asprintf");
        }
        argv[a] = owned[n++] = copy;
    }
}

/* One timed run; exits the driver if the command fails. */
static double run_once(const struct bench_case* c, const char* round, double* cpu) {
    if (ftruncate(err_fd, 0) != 0 || lseek(err_fd, 0, SEEK_SET) != 0) {
        fail("stderr file");
    }
    static char* argv[MAX_ARGS];
    static char* owned[MAX_ARGS];
    const int nowned = expand_round(c, round, argv, owned);
    const double start = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(null_fd, 0);
        dup2(null_fd, 1);
        dup2(err_fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0) {
        fail("fork");
    }
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            fail("wait4");
        }
    }
    const double ns = now_ns() - start;
    *cpu = ((double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
            (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec)) *
           1e3;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "driver: case %s (%s) failed: %s %d\n  command:", c->id, c->label,
                WIFEXITED(status) ? "exit status" : "signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        for (int a = 0; argv[a] != NULL && a < 12; ++a) {
            fprintf(stderr, " %s", argv[a]);
        }
        fprintf(stderr, "\n  its stderr:\n");
        char buf[4096];
        lseek(err_fd, 0, SEEK_SET);
        ssize_t n = read(err_fd, buf, sizeof buf);
        if (n > 0) {
            fwrite(buf, 1, (size_t)n, stderr);
        }
        exit(1);
    }
    for (int i = 0; i < nowned; ++i) {
        free(owned[i]);
    }
    return ns;
}

static int cmp(const void* a, const void* b) {
    const double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

static double at(const double* sorted, int n, double q) {
    return sorted[(int)(q * (n - 1) + 0.5)];
}

int main(int argc, char** argv) {
    int rounds = 21, warmup = 2;
    const char *group = "", *csv = NULL, *md = NULL, *file = NULL;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc) {
            warmup = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--group") == 0 && i + 1 < argc) {
            group = argv[++i];
        } else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
            csv = argv[++i];
        } else if (strcmp(argv[i], "--md") == 0 && i + 1 < argc) {
            md = argv[++i];
        } else {
            file = argv[i];
        }
    }
    if (file == NULL || rounds < 1) {
        fprintf(stderr, "usage: driver --rounds N [--warmup W] --group NAME --csv F --md F CASES\n");
        return 2;
    }
    read_cases(file);
    null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    char tmpl[] = "/tmp/bench-driver-XXXXXX";
    err_fd = mkstemp(tmpl);
    if (null_fd < 0 || err_fd < 0) {
        fail("/dev/null or temporary file");
    }
    unlink(tmpl);
    fcntl(err_fd, F_SETFD, FD_CLOEXEC);
    for (int i = 0; i < ncases; ++i) {
        cases[i].ns = calloc((size_t)rounds, sizeof(double));
        cases[i].cpu = calloc((size_t)rounds, sizeof(double));
    }
    double unused;
    char round[32];
    for (int w = 0; w < warmup; ++w) {
        snprintf(round, sizeof round, "w%d", w);
        for (int i = 0; i < ncases; ++i) {
            run_once(&cases[i], round, &unused);
        }
    }
    for (int r = 0; r < rounds; ++r) {
        snprintf(round, sizeof round, "%d", r);
        for (int k = 0; k < ncases; ++k) {
            const int i = (k + r) % ncases;
            cases[i].ns[r] = run_once(&cases[i], round, &cases[i].cpu[r]);
        }
    }
    FILE* out_csv = csv ? fopen(csv, "a") : NULL;
    FILE* out_md = md ? fopen(md, "a") : NULL;
    double* sorted = calloc((size_t)rounds, sizeof(double));
    double* ratios = calloc((size_t)rounds, sizeof(double));
    for (int i = 0; i < ncases; ++i) {
        const struct bench_case* c = &cases[i];
        memcpy(sorted, c->ns, (size_t)rounds * sizeof(double));
        qsort(sorted, (size_t)rounds, sizeof(double), cmp);
        const double med = at(sorted, rounds, 0.5) / 1e3, lo = sorted[0] / 1e3,
                     hi = sorted[rounds - 1] / 1e3;
        memcpy(sorted, c->cpu, (size_t)rounds * sizeof(double));
        qsort(sorted, (size_t)rounds, sizeof(double), cmp);
        const double cpu_med = at(sorted, rounds, 0.5) / 1e3;
        double rmed = 1, rlo = 1, rhi = 1, cpu_ratio = 1;
        if (c->base >= 0) {
            for (int r = 0; r < rounds; ++r) {
                ratios[r] = c->ns[r] / cases[c->base].ns[r];
            }
            qsort(ratios, (size_t)rounds, sizeof(double), cmp);
            rmed = at(ratios, rounds, 0.5);
            rlo = at(ratios, rounds, 0.1);
            rhi = at(ratios, rounds, 0.9);
            for (int r = 0; r < rounds; ++r) {
                const double b = cases[c->base].cpu[r];
                ratios[r] = c->cpu[r] / (b > 0 ? b : 1);
            }
            qsort(ratios, (size_t)rounds, sizeof(double), cmp);
            cpu_ratio = at(ratios, rounds, 0.5);
        }
        const char* base_label = c->base >= 0 ? cases[c->base].label : "";
        char csv_label[256]; /* no commas in a CSV field */
        snprintf(csv_label, sizeof csv_label, "%s", c->label);
        for (char* q = csv_label; *q != '\0'; ++q) {
            *q = *q == ',' ? ';' : *q;
        }
        printf("%-10s %-44s median %10.1f us  min %10.1f  max %10.1f  cpu %10.1f us", group,
               c->label, med, lo, hi, cpu_med);
        if (c->base >= 0) {
            printf("  ratio %.3f (p10-p90 %.3f-%.3f) cpu ratio %.3f to %s", rmed, rlo, rhi,
                   cpu_ratio, base_label);
        }
        printf("\n");
        if (out_csv) {
            fprintf(out_csv, "%s,%s,%s,%d,%.1f,%.1f,%.1f,%s,%.4f,%.4f,%.4f,%.1f,%.4f\n", group,
                    c->id, csv_label, rounds, med, lo, hi, c->base >= 0 ? cases[c->base].id : "",
                    rmed, rlo, rhi, cpu_med, cpu_ratio);
        }
        if (out_md) {
            if (c->base >= 0) {
                fprintf(out_md, "| %s | %.0f | %.0f–%.0f | %.3f× (%.2f–%.2f) | %.0f | %.3f× | %s |\n",
                        c->label, med, lo, hi, rmed, rlo, rhi, cpu_med, cpu_ratio, base_label);
            } else {
                fprintf(out_md, "| %s | %.0f | %.0f–%.0f | — | %.0f | — | |\n", c->label, med, lo,
                        hi, cpu_med);
            }
        }
    }
    if (out_csv) {
        fclose(out_csv);
    }
    if (out_md) {
        fclose(out_md);
    }
    return 0;
}

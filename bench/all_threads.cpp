// Cost of restricting every thread of a process, per method, for 1, 10, 100
// and 1000 threads. Each sample is one forked child that starts the threads,
// waits until all of them sleep in a futex wait, builds a one-rule ruleset
// and restricts; only the restrict_process() call is timed. The baseline,
// measured in the same run and interleaved, is a plain
// landlock_restrict_self() of a single thread.
// Thread names are not read (the launcher reads them only with -v).
//
//   bench_all_threads [--rounds N] [--threads N] [--park-timeout-ms MS]
//                     [--tsc-mhz MHZ]                 prints a Markdown table
//   bench_all_threads --print-tsc-mhz
//
//   --threads N          only this thread count (default: 1, 10, 100, 1000)
//   --park-timeout-ms    the emulation's timeout (default: the launcher's)
//   --tsc-mhz MHZ        time with the x86 TSC, which ticks at MHZ: for a
//                        QEMU/TCG guest whose clock ticks in 4 ms jiffies
//                        (bench/kernel.sh); its TSC ticks at the host's rate
//   --print-tsc-mhz      print the TSC rate, measured against CLOCK_MONOTONIC
//                        over 1 s, and exit
//
// A sample that fails (the emulation gives up on threads that do not park
// within its timeout) is not timed: its row says how many failed and why,
// and the exit status is 1.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "enforce/features.hpp"
#include "enforce/landlock.hpp"
#include "enforce/restrict.hpp"
#include "base/unique_fd.hpp"

using namespace sandbox;

namespace {

enum class Method { Baseline, Emulate, Kernel };

UniqueFd ruleset() {
    uapi::RulesetAttr attr;
    attr.handled_access_fs = 1ULL << 2;  // read_file
    UniqueFd fd(landlock::create_ruleset(attr, sizeof attr));
    UniqueFd usr(open("/usr", O_PATH | O_CLOEXEC));
    uapi::PathBeneathAttr rule;
    rule.allowed_access = 1ULL << 2;
    rule.parent_fd = usr.get();
    landlock::add_path_rule(fd.get(), rule);
    return fd;
}

long long monotonic_ns() {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec;
}

/// TSC ticks per nanosecond; 0 = time with CLOCK_MONOTONIC.
double tsc_per_ns = 0;

long long ticks() {
#if defined(__x86_64__)
    if (tsc_per_ns > 0) {
        return static_cast<long long>(__rdtsc());
    }
#endif
    return monotonic_ns();
}

long long ticks_to_ns(long long t) {
    return tsc_per_ns > 0 ? static_cast<long long>(static_cast<double>(t) / tsc_per_ns) : t;
}

#if defined(__x86_64__)
/// TSC ticks per ns over `seconds`, each end taken just after the monotonic
/// clock moved (on a jiffies clock it moves every few ms).
double calibrate_tsc(int seconds) {
    auto edge = [](long long& ns) {
        const long long start = monotonic_ns();
        while ((ns = monotonic_ns()) == start) {
        }
        return static_cast<long long>(__rdtsc());
    };
    long long ns0 = 0;
    long long ns1 = 0;
    const long long c0 = edge(ns0);
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    const long long c1 = edge(ns1);
    return static_cast<double>(c1 - c0) / static_cast<double>(ns1 - ns0);
}
#endif

/// The smallest step of CLOCK_MONOTONIC seen in a short busy loop, in ns.
long long clock_step_ns() {
    long long step = 0;
    for (int i = 0; i < 20; ++i) {
        const long long a = monotonic_ns();
        long long b = 0;
        while ((b = monotonic_ns()) == a) {
        }
        step = (i == 0) ? b - a : std::min(step, b - a);
    }
    return step;
}

/// State letter of /proc/self/task/TID/stat ('S' = interruptible sleep), or 0.
char task_state(pid_t tid) {
    const std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    char buf[512];
    const ssize_t n = fd.valid() ? read(fd.get(), buf, sizeof buf - 1) : -1;
    if (n <= 0) {
        return 0;
    }
    buf[n] = '\0';
    const char* paren = std::strrchr(buf, ')');  // the name may contain anything
    return paren != nullptr && paren[1] == ' ' ? paren[2] : 0;
}

/// Waits until `count` threads have started and every thread but the caller
/// sleeps (in its futex wait). A thread that has not run yet (glibc starts
/// each with signals blocked) parks or takes its TSYNC work only once it is
/// scheduled: timing at once would time thread start-up too.
bool wait_until_idle(const std::atomic<int>& started, int count) {
    const long long deadline = monotonic_ns() + 60 * 1000000000LL;
    const pid_t self = static_cast<pid_t>(gettid());
    while (monotonic_ns() < deadline) {
        bool idle = started.load() == count;
        if (idle) {
            for (pid_t tid : list_threads()) {
                if (tid != self && task_state(tid) != 'S') {
                    idle = false;
                    break;
                }
            }
        }
        if (idle) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
}

struct Sample {
    long long ns = -1;  ///< -1: failed, see error
    std::string error;
};

/// One enforcement in a fresh child with `threads` threads in all.
Sample sample(Method method, int threads, const RestrictOptions& options) {
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        return {-1, std::string("pipe: ") + std::strerror(errno)};
    }
    pid_t pid = fork();
    if (pid < 0) {
        const int err = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return {-1, std::string("fork: ") + std::strerror(err)};
    }
    if (pid == 0) {
        close(pipefd[0]);
        std::atomic<int> stop{0};
        std::atomic<int> started{0};
        std::vector<std::thread> idle;
        for (int i = 1; i < threads; ++i) {
            idle.emplace_back([&] {
                started.fetch_add(1);
                stop.wait(0);
            });
        }
        UniqueFd fd = ruleset();
        long long ns = -1;
        std::string error;
        try {
            if (!wait_until_idle(started, threads - 1)) {
                throw std::runtime_error("the threads were not all asleep after 60 s");
            }
            const long long start = ticks();
            if (method == Method::Baseline) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
                    landlock::restrict_self(fd.get(), 0) != 0) {
                    throw std::runtime_error(std::string("restrict_self: ") +
                                             std::strerror(errno));
                }
            } else {
                RestrictOptions o = options;
                o.mode = method == Method::Emulate ? Tsync::Emulate : Tsync::Kernel;
                restrict_process(fd.get(), 0, o);
            }
            ns = ticks_to_ns(ticks() - start);
        } catch (const std::exception& e) {
            error = e.what();
        }
        // The time, then the error message (if any) up to EOF.
        (void)!write(pipefd[1], &ns, sizeof ns);
        (void)!write(pipefd[1], error.data(), error.size());
        close(pipefd[1]);
        stop.store(1);
        stop.notify_all();
        for (auto& t : idle) {
            t.join();
        }
        _exit(0);
    }
    close(pipefd[1]);
    Sample result;
    const bool got_time = read(pipefd[0], &result.ns, sizeof result.ns) ==
                          static_cast<ssize_t>(sizeof result.ns);
    char buf[512];
    for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;) {
        result.error.append(buf, static_cast<std::size_t>(n));
    }
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!got_time) {  // the child died before reporting (the emulation's _exit(125))
        result.ns = -1;
        result.error = WIFEXITED(status) ? "child exited with status " +
                                               std::to_string(WEXITSTATUS(status))
                                         : "child killed by signal " +
                                               std::to_string(WTERMSIG(status));
    } else if (result.ns < 0 && result.error.empty()) {
        result.error = "failed without a message";
    }
    return result;
}

/// The timed samples of one row, and the failures.
struct Series {
    std::vector<long long> ns;        ///< the timed samples
    std::vector<long long> by_round;  ///< every sample, -1 when it failed
    int failed = 0;
    std::string first_error;
    void add(const Sample& s) {
        by_round.push_back(s.ns);
        if (s.ns >= 0) {
            ns.push_back(s.ns);
        } else if (failed++ == 0) {
            first_error = s.error;
        }
    }
};

/// kernel / emulation, median of the per-round ratios (p10–p90) over the
/// rounds where both were timed: pairs taken close together share the
/// machine's load of the moment.
struct PairedRatio {
    int threads = 0;
    int pairs = 0;
    double median = 0, p10 = 0, p90 = 0;
};

PairedRatio paired_ratio(int threads, const Series& kern, const Series& emu) {
    std::vector<double> r;
    for (std::size_t i = 0; i < kern.by_round.size() && i < emu.by_round.size(); ++i) {
        if (kern.by_round[i] >= 0 && emu.by_round[i] > 0) {
            r.push_back(static_cast<double>(kern.by_round[i]) /
                        static_cast<double>(emu.by_round[i]));
        }
    }
    PairedRatio p{threads, static_cast<int>(r.size())};
    if (!r.empty()) {
        std::sort(r.begin(), r.end());
        const std::size_t last = r.size() - 1;
        p.median = r[r.size() / 2];
        p.p10 = r[last * 10 / 100];
        p.p90 = r[last * 90 / 100];
    }
    return p;
}

struct Stats {
    double median_us, min_us, max_us;
};

Stats stats(std::vector<long long> v) {
    std::sort(v.begin(), v.end());
    return {static_cast<double>(v[v.size() / 2]) / 1000.0, static_cast<double>(v.front()) / 1000.0,
            static_cast<double>(v.back()) / 1000.0};
}

/// "thread(s) 12 (a), 13 (b) did not stop ..." -> "2 thread(s) did not stop ...":
/// the emulation's park timeout names every thread it gave up on.
std::string summarize(const std::string& e) {
    const std::size_t stop = e.find(" did not stop");
    if (e.rfind("thread(s) ", 0) != 0 || stop == std::string::npos) {
        return e;
    }
    int n = 1;
    for (std::size_t at = 0; (at = e.find("), ", at)) < stop; at += 3) {
        ++n;
    }
    return std::to_string(n) + " thread(s)" + e.substr(stop);
}

/// An error message fit for a table cell: one line, no '|', long thread
/// lists cut in the middle (the reason is at the end).
std::string cell(std::string s) {
    std::replace(s.begin(), s.end(), '|', '/');
    std::replace(s.begin(), s.end(), '\n', ' ');
    if (s.size() > 200) {
        s = s.substr(0, 60) + " … " + s.substr(s.size() - 120);
    }
    return s;
}

int usage() {
    std::fprintf(stderr, "usage: bench_all_threads [--rounds N] [--threads N] "
                         "[--park-timeout-ms MS] [--tsc-mhz MHZ] | --print-tsc-mhz\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    int rounds = 21;
    std::vector<int> counts{1, 10, 100, 1000};
    RestrictOptions options;
    options.emulation.thread_names = false;  // as the launcher without -v
    double tsc_mhz = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--print-tsc-mhz") {
#if defined(__x86_64__)
            std::printf("%.1f\n", calibrate_tsc(1) * 1000.0);
            return 0;
#else
            std::fprintf(stderr, "bench_all_threads: the TSC needs x86-64\n");
            return 2;
#endif
        }
        if (i + 1 >= argc) {
            return usage();
        }
        const char* value = argv[++i];
        if (arg == "--rounds") {
            rounds = std::max(1, std::atoi(value));
        } else if (arg == "--threads") {
            counts = {std::max(1, std::atoi(value))};
        } else if (arg == "--park-timeout-ms") {
            options.emulation.park_timeout = std::chrono::milliseconds(std::max(1, std::atoi(value)));
        } else if (arg == "--tsc-mhz") {
            tsc_mhz = std::atof(value);
            if (!(tsc_mhz > 0)) {
                return usage();
            }
        } else {
            return usage();
        }
    }
    int err = 0;
    if (probe_abi(&err) < 1) {
        std::fprintf(stderr, "bench_all_threads: Landlock is not available\n");
        return 77;
    }
    std::string clock = "CLOCK_MONOTONIC";
    if (tsc_mhz > 0) {
#if defined(__x86_64__)
        tsc_per_ns = tsc_mhz / 1000.0;
        char buf[64];
        std::snprintf(buf, sizeof buf, "the TSC at %.1f MHz", tsc_mhz);
        clock = buf;
#else
        std::fprintf(stderr, "bench_all_threads: the TSC needs x86-64\n");
        return 2;
#endif
    }
    int answer = 0;
    const bool kernel = probe_tsync(&answer) == Probe::Yes;
    std::printf("| threads | method | median µs | min–max µs | ratio to 1-thread restrict_self |\n");
    std::printf("|---|---|---|---|---|\n");
    std::fflush(stdout);
    bool any_failed = false;
    std::vector<PairedRatio> paired;
    for (int threads : counts) {
        Series base, emu, kern;
        for (int r = 0; r < rounds; ++r) {  // interleaved, pair by pair
            // Every failure is on stderr, each row shows the first.
            auto run = [&](Series& series, const char* name, Method method, int n) {
                const Sample s = sample(method, n, options);
                if (s.ns < 0) {
                    std::fprintf(stderr, "sample failed: %d threads, %s, round %d: %s\n", n, name,
                                 r + 1, summarize(s.error).c_str());
                }
                series.add(s);
            };
            run(base, "baseline", Method::Baseline, 1);
            run(emu, "emulation", Method::Emulate, threads);
            if (kernel) {
                run(kern, "kernel TSYNC", Method::Kernel, threads);
            }
        }
        const double base_median = base.ns.empty() ? 0 : stats(base.ns).median_us;
        auto row = [&](const char* name, const Series& v, bool is_base) {
            std::string failures;
            if (v.failed > 0) {
                any_failed = true;
                failures = " (" + std::to_string(v.failed) + " of " + std::to_string(rounds) +
                           " failed: " + cell(summarize(v.first_error)) + ")";
            }
            if (v.ns.empty()) {
                std::printf("| %d | %s | — | —%s | — |\n", threads, name, failures.c_str());
                return;
            }
            const Stats s = stats(v.ns);
            char ratio[32] = "1.0×";
            if (!is_base) {
                if (base_median > 0) {
                    std::snprintf(ratio, sizeof ratio, "%.1f×", s.median_us / base_median);
                } else {
                    std::snprintf(ratio, sizeof ratio, "—");
                }
            }
            std::printf("| %d | %s | %.1f | %.1f–%.1f%s | %s |\n", threads, name, s.median_us,
                        s.min_us, s.max_us, failures.c_str(), ratio);
        };
        row("emulation", emu, false);
        if (kernel) {
            row("kernel TSYNC", kern, false);
        }
        row("baseline (1 thread, restrict_self)", base, true);
        std::fflush(stdout);  // row by row: a slow run shows its progress
        if (kernel) {
            paired.push_back(paired_ratio(threads, kern, emu));
        }
    }
    if (kernel) {
        std::printf("\n| threads | kernel TSYNC / emulation (median of per-round ratios, p10–p90) "
                    "| emulation / kernel TSYNC | rounds with both timed |\n");
        std::printf("|---|---|---|---|\n");
        for (const PairedRatio& p : paired) {
            if (p.pairs == 0) {
                std::printf("| %d | — | — | 0 of %d |\n", p.threads, rounds);
            } else {
                std::printf("| %d | %.3f (%.3f–%.3f) | %.1f× | %d of %d |\n", p.threads, p.median,
                            p.p10, p.p90, 1.0 / p.median, p.pairs, rounds);
            }
        }
    }
    std::printf("\n%d rounds per row; kernel TSYNC %s\n", rounds, kernel ? "measured" : "not available");
    std::printf("timed with %s; CLOCK_MONOTONIC steps by %.3f µs; emulation park timeout %lld ms\n",
                clock.c_str(), static_cast<double>(clock_step_ns()) / 1000.0,
                static_cast<long long>(options.emulation.park_timeout.count()));
    return any_failed ? 1 : 0;
}

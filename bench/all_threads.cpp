// Cost of restricting every thread of a process, per method, for 1, 10, 100
// and 1000 threads. Each sample is one forked child that starts the threads
// (idle in a futex wait), builds a one-rule ruleset and restricts; only the
// restrict_process() call is timed. The baseline, measured in the same run
// and interleaved, is a plain landlock_restrict_self() of a single thread.
//
//   bench_all_threads [--rounds N]     prints a Markdown table
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "enforce/features.hpp"
#include "enforce/landlock.hpp"
#include "enforce/restrict.hpp"
#include "enforce/unique_fd.hpp"

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

/// Nanoseconds for one enforcement in a fresh child with `threads` threads in all.
long long sample(Method method, int threads) {
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        std::atomic<int> stop{0};
        std::vector<std::thread> idle;
        for (int i = 1; i < threads; ++i) {
            idle.emplace_back([&] { stop.wait(0); });
        }
        UniqueFd fd = ruleset();
        long long ns = -1;
        try {
            const auto start = std::chrono::steady_clock::now();
            if (method == Method::Baseline) {
                prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                landlock::restrict_self(fd.get(), 0);
            } else {
                RestrictOptions o;
                o.mode = method == Method::Emulate ? Tsync::Emulate : Tsync::Kernel;
                restrict_process(fd.get(), 0, o);
            }
            ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
        } catch (const std::exception&) {
        }
        (void)!write(pipefd[1], &ns, sizeof ns);
        stop.store(1);
        stop.notify_all();
        for (auto& t : idle) {
            t.join();
        }
        _exit(0);
    }
    close(pipefd[1]);
    long long ns = -1;
    (void)!read(pipefd[0], &ns, sizeof ns);
    close(pipefd[0]);
    waitpid(pid, nullptr, 0);
    return ns;
}

struct Stats {
    double median_us, min_us, max_us;
};

Stats stats(std::vector<long long> v) {
    std::sort(v.begin(), v.end());
    return {static_cast<double>(v[v.size() / 2]) / 1000.0, static_cast<double>(v.front()) / 1000.0,
            static_cast<double>(v.back()) / 1000.0};
}

} // namespace

int main(int argc, char** argv) {
    int rounds = 21;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--rounds") == 0) {
            rounds = std::max(1, std::atoi(argv[i + 1]));
        }
    }
    int err = 0;
    if (probe_abi(&err) < 1) {
        std::fprintf(stderr, "bench_all_threads: Landlock is not available\n");
        return 77;
    }
    int answer = 0;
    const bool kernel = probe_tsync(&answer) == Probe::Yes;
    std::printf("| threads | method | median µs | min–max µs | ratio to 1-thread restrict_self |\n");
    std::printf("|---|---|---|---|---|\n");
    for (int threads : {1, 10, 100, 1000}) {
        std::vector<long long> base, emu, kern;
        for (int r = 0; r < rounds; ++r) {  // interleaved, pair by pair
            base.push_back(sample(Method::Baseline, 1));
            emu.push_back(sample(Method::Emulate, threads));
            if (kernel) {
                kern.push_back(sample(Method::Kernel, threads));
            }
        }
        const Stats b = stats(base);
        auto row = [&](const char* name, const std::vector<long long>& v) {
            const Stats s = stats(v);
            std::printf("| %d | %s | %.1f | %.1f–%.1f | %.1f× |\n", threads, name, s.median_us,
                        s.min_us, s.max_us, s.median_us / b.median_us);
        };
        row("emulation", emu);
        if (kernel) {
            row("kernel TSYNC", kern);
        }
        std::printf("| %d | baseline (1 thread, restrict_self) | %.1f | %.1f–%.1f | 1.0× |\n",
                    threads, b.median_us, b.min_us, b.max_us);
    }
    std::printf("%d rounds per row; kernel TSYNC %s\n", rounds, kernel ? "measured" : "not available");
    return 0;
}

// Every thread restricted, after rust-landlock's abi_v8_all_threads: a forked
// child starts sibling threads, restricts through restrict_process(), then
// every thread tries an allowed and a denied read; the child reports a bitmask
// of mismatches judged against what the test itself expects (all threads
// restricted), never against the enforcement report.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "enforce/features.hpp"
#include "enforce/landlock.hpp"
#include "enforce/restrict.hpp"
#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "harness.hpp"

namespace sandbox {
namespace {

using sandbox_it::in_child;
using sandbox_it::kernel_tsync_required;
using sandbox_it::TempDir;

constexpr std::uint64_t read_file_bit = 1ULL << 2;

/// A ruleset that handles read_file and allows it below /proc and `allowed_dir`.
UniqueFd make_ruleset(const std::string& allowed_dir) {
    uapi::RulesetAttr attr;
    attr.handled_access_fs = read_file_bit;
    UniqueFd ruleset(landlock::create_ruleset(attr, sizeof attr));
    if (!ruleset.valid()) {
        return ruleset;
    }
    for (const std::string& dir : {allowed_dir, std::string("/proc")}) {
        UniqueFd fd(open(dir.c_str(), O_PATH | O_CLOEXEC));
        uapi::PathBeneathAttr rule;
        rule.allowed_access = read_file_bit;
        rule.parent_fd = fd.get();
        if (landlock::add_path_rule(ruleset.get(), rule) != 0) {
            return UniqueFd();
        }
    }
    return ruleset;
}

int try_read(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    close(fd);
    return 0;
}

/// NoNewPrivs of one thread, from /proc (allowed by the ruleset).
bool has_nnp(pid_t tid) {
    std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("NoNewPrivs:", 0) == 0) {
            return line.find('1') != std::string::npos;
        }
    }
    return false;
}

class Fixture : public ::testing::Test {
protected:
    void SetUp() override {
        allowed_ = dir_ / "allowed";
        denied_ = dir_ / "denied";
        ASSERT_EQ(mkdir(allowed_.c_str(), 0755), 0);
        ASSERT_EQ(mkdir(denied_.c_str(), 0755), 0);
        std::ofstream(allowed_ + "/f") << "ok";
        std::ofstream(denied_ + "/f") << "no";
        int err = 0;
        abi_ = probe_abi(&err);
        int answer = 0;
        kernel_tsync_ = probe_tsync(&answer) == Probe::Yes;
    }
    /// Mismatch bits: 1 = an allowed read failed, 2 = a denied read succeeded
    /// (or failed with another errno than EACCES), 4 = NNP missing.
    int check_thread() const {
        int mismatch = 0;
        if (try_read(allowed_ + "/f") != 0) {
            mismatch |= 1;
        }
        if (try_read(denied_ + "/f") != EACCES) {
            mismatch |= 2;
        }
        if (!has_nnp(static_cast<pid_t>(syscall(SYS_gettid)))) {
            mismatch |= 4;
        }
        return mismatch;
    }

    /// Child: `siblings` threads wait; the caller restricts; every thread
    /// checks itself. Exit status: OR of all mismatches, 64 if enforcement
    /// threw, 65 if setup failed.
    int run_all_threads(int siblings, Tsync mode, int* method_out = nullptr) {
        return in_child([&]() -> int {
            UniqueFd ruleset = make_ruleset(allowed_);
            if (!ruleset.valid()) {
                return 65;
            }
            std::atomic<int> phase{0};
            std::atomic<int> mismatches{0};
            std::vector<std::thread> threads;
            for (int i = 0; i < siblings; ++i) {
                threads.emplace_back([&] {
                    phase.wait(0);  // blocked in a futex, as idle threads are
                    mismatches.fetch_or(check_thread());
                });
            }
            int result = 0;
            try {
                RestrictOptions options;
                options.mode = mode;
                EnforcementReport report = restrict_process(ruleset.get(), 0, options);
                if (method_out != nullptr) {
                    *method_out = static_cast<int>(report.method);
                }
                if (report.threads.size() != static_cast<std::size_t>(siblings) + 1) {
                    result |= 8;
                }
            } catch (const std::exception&) {
                result = 64;
            }
            phase.store(1);
            phase.notify_all();
            for (auto& t : threads) {
                t.join();
            }
            if (result == 64) {
                return 64;
            }
            return result | mismatches.load() | check_thread();
        });
    }

    bool landlock() const { return abi_ >= 1; }

    TempDir dir_{"/tmp", "sandbox-threads"};
    std::string allowed_, denied_;
    int abi_ = 0;
    bool kernel_tsync_ = false;
};

TEST_F(Fixture, EmulationRestrictsEveryThread) {
    ASSERT_TRUE(landlock());
    for (int siblings : {0, 1, 4, 32}) {
        EXPECT_EQ(run_all_threads(siblings, Tsync::Emulate), 0) << siblings << " siblings";
    }
}

TEST_F(Fixture, AutoRestrictsEveryThread) {
    ASSERT_TRUE(landlock());
    EXPECT_EQ(run_all_threads(0, Tsync::Auto), 0);
    EXPECT_EQ(run_all_threads(8, Tsync::Auto), 0);
}

TEST_F(Fixture, KernelTsyncWhereTheProbeFindsIt) {
    ASSERT_TRUE(landlock());
    if (kernel_tsync_required()) {
        ASSERT_TRUE(kernel_tsync_) << "SANDBOX_TEST_KERNEL_TSYNC=1 but the probe says no";
    }
    if (kernel_tsync_) {
        EXPECT_EQ(run_all_threads(8, Tsync::Kernel), 0);
    } else {
        // Without the flag, --tsync kernel refuses, and nothing is restricted.
        EXPECT_EQ(run_all_threads(8, Tsync::Kernel), 64);
    }
}

TEST_F(Fixture, ThousandThreads) {
    ASSERT_TRUE(landlock());
    EXPECT_EQ(run_all_threads(1000, Tsync::Emulate), 0);
}

TEST_F(Fixture, ThreadsCreatedAndExitingDuringEnforcement) {
    ASSERT_TRUE(landlock());
    for (int round = 0; round < 20; ++round) {
        int status = in_child([&]() -> int {
            UniqueFd ruleset = make_ruleset(allowed_);
            std::atomic<bool> stop{false};
            std::atomic<int> created{0};
            // Two spawners create short-lived threads all the time.
            auto spawn = [&] {
                while (!stop.load()) {
                    std::thread t([] { std::this_thread::yield(); });
                    t.join();
                    created.fetch_add(1);
                }
            };
            std::thread a(spawn), b(spawn);
            while (created.load() < 50) {
                std::this_thread::yield();
            }
            int result = 0;
            try {
                restrict_process(ruleset.get(), 0, {Tsync::Emulate, {}});
            } catch (const std::exception&) {
                result = 64;
            }
            // Threads created after enforcement inherit the domain.
            std::atomic<int> late{0};
            std::thread check([&] { late.store(check_thread()); });
            check.join();
            stop.store(true);
            a.join();
            b.join();
            return result | late.load() | check_thread();
        });
        ASSERT_EQ(status, 0) << "round " << round;
    }
}

TEST_F(Fixture, SignalFloodDuringEnforcement) {
    ASSERT_TRUE(landlock());
    for (int round = 0; round < 10; ++round) {
        int status = in_child([&]() -> int {
            struct sigaction sa {};
            sa.sa_handler = [](int) {};
            sa.sa_flags = SA_RESTART;
            sigaction(SIGUSR1, &sa, nullptr);
            sigaction(SIGUSR2, &sa, nullptr);
            std::atomic<bool> stop{false};
            std::vector<std::thread> idle;
            std::atomic<int> mismatches{0};
            std::atomic<int> go{0};
            for (int i = 0; i < 8; ++i) {
                idle.emplace_back([&] {
                    while (go.load() == 0) {
                        std::this_thread::sleep_for(std::chrono::microseconds(100));
                    }
                    mismatches.fetch_or(check_thread());
                });
            }
            // A flood of unrelated signals at the process and at single threads.
            const pid_t pid = getpid();
            std::thread flood([&] {
                while (!stop.load()) {
                    kill(pid, SIGUSR1);
                    for (auto& t : idle) {
                        pthread_kill(t.native_handle(), SIGUSR2);
                    }
                }
            });
            UniqueFd ruleset = make_ruleset(allowed_);
            int result = 0;
            try {
                EnforcementReport r = restrict_process(ruleset.get(), 0, {Tsync::Emulate, {}});
                if (r.threads.size() != 10) {
                    result |= 8;
                }
            } catch (const std::exception&) {
                result = 64;
            }
            stop.store(true);
            flood.join();
            go.store(1);
            for (auto& t : idle) {
                t.join();
            }
            return result | mismatches.load() | check_thread();
        });
        ASSERT_EQ(status, 0) << "round " << round;
    }
}

TEST_F(Fixture, ThreadBlockingTheSignalFailsClosedInBoundedTime) {
    ASSERT_TRUE(landlock());
    const auto start = std::chrono::steady_clock::now();
    int status = in_child([&]() -> int {
        std::atomic<bool> ready{false};
        std::atomic<bool> stop{false};
        std::thread stubborn([&] {
            sigset_t all;
            sigfillset(&all);
            pthread_sigmask(SIG_BLOCK, &all, nullptr);
            pthread_setname_np(pthread_self(), "stubborn");
            ready.store(true);
            while (!stop.load()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        });
        while (!ready.load()) {
            std::this_thread::yield();
        }
        UniqueFd ruleset = make_ruleset(allowed_);
        int result = 1;  // must throw
        try {
            EmulationOptions emulation;
            emulation.park_timeout = std::chrono::milliseconds(500);
            restrict_process(ruleset.get(), 0, {Tsync::Emulate, emulation});
        } catch (const LaunchError& e) {
            const std::string what = e.what();
            result = what.find("stubborn") != std::string::npos &&
                             what.find("did not stop") != std::string::npos
                         ? 0
                         : 2;
        }
        stop.store(true);
        stubborn.join();
        // Nothing was restricted: the denied file is still readable.
        if (try_read(denied_ + "/f") != 0) {
            result |= 4;
        }
        return result;
    });
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(status, 0);
    // A bound on a hang, not a performance claim.
    EXPECT_LT(elapsed, std::chrono::seconds(10));
}

} // namespace
} // namespace sandbox

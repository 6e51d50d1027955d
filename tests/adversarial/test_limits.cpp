// Resource limits: few descriptors with many rules, 16 nested sandboxes and
// the 17th, 100 000 rules (on one path and on distinct path names). Each
// ends in a run or a clear error (exit 125, one line), never a crash and
// never an unsandboxed command.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace sandbox_it {
namespace {

class Limits : public SandboxTest {
protected:
    void SetUp() override {
        SandboxTest::SetUp();
        make_dir("w");
        make_dir("denied");
    }
    // `sandbox` run as user 65534 with RLIMIT_NPROC 1: no thread can start.
    Args no_threads_for_nobody() const {
        return {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/usr/bin/prlimit", "--nproc=1", "--", sandbox_bin()};
    }
    // Its environment: under the sanitizers (scripts/sanitize-test.sh) without
    // LeakSanitizer's exit-time check, which must clone a tracer and cannot
    // under RLIMIT_NPROC 1; every other check stays on.
    static RunOptions no_threads_options() {
        const char* asan = std::getenv("ASAN_OPTIONS");
        return with_env(environment_with(
            {std::string("ASAN_OPTIONS=") + (asan != nullptr ? asan : "") + ":detect_leaks=0"},
            {}));
    }
    Args denied_marker() const {
        return {"--", probe_bin(), "write-file", path("denied/marker"), "ran"};
    }
    // Under `prlimit --nofile=LIMIT sandbox exec_flags() ARGS -- probe read`:
    // reading `inside` is OK (and nothing on stderr), reading `outside` is EACCES.
    void expect_reads(const std::string& limit, const Args& args, const std::string& inside,
                      const std::string& outside) {
        auto probe_read = [&](const std::string& file) {
            return run(concat({{"/usr/bin/prlimit", "--nofile=" + limit, "--", sandbox_bin()},
                               exec_flags(), args, {"--", probe_bin(), "read", file}}));
        };
        RunResult in = probe_read(inside);
        EXPECT_EQ(0, in.exit_status) << in.describe();
        EXPECT_EQ("OK\n", in.out);
        EXPECT_EQ("", in.err);
        RunResult out = probe_read(outside);
        EXPECT_EQ(1, out.exit_status) << out.describe();
        EXPECT_EQ("EACCES\n", out.out);
    }
};

// ulimit -n 32 (prlimit sets RLIMIT_NOFILE before exec) with 1000 directory
// rules: each rule path is opened, added and closed in turn, so the fd limit
// does not bound the rule count. The command runs sandboxed: it may read in
// an allowed directory, not outside.
TEST_F(Limits, ThousandRulesWithThirtyTwoDescriptors) {
    Args rules;
    for (int i = 0; i < 1000; ++i) {
        rules.insert(rules.end(), {"--ro", make_dir("r/" + std::to_string(i))});
    }
    make_file("r/777/inside", "x");
    make_file("denied/outside", "x");
    expect_reads("32", rules, path("r/777/inside"), path("denied/outside"));
    RunResult write = run(concat({{"/usr/bin/prlimit", "--nofile=32", "--", sandbox_bin()},
                                  exec_flags(), rules, denied_marker()}));
    EXPECT_EQ(1, write.exit_status) << write.describe();
    EXPECT_EQ("EACCES\n", write.out);
    EXPECT_FALSE(exists(path("denied/marker")));
}

// The same 1000 rules with enough descriptors: the command runs sandboxed.
TEST_F(Limits, ThousandRulesWithEnoughDescriptors) {
    Args rules;
    for (int i = 0; i < 1000; ++i) {
        rules.insert(rules.end(), {"--ro", make_dir("r/" + std::to_string(i))});
    }
    RunResult r = run(concat({{"/usr/bin/prlimit", "--nofile=1100", "--", sandbox_bin()},
                              exec_flags(), rules, denied_marker()}));
    EXPECT_EQ(1, r.exit_status) << r.describe();
    EXPECT_EQ("EACCES\n", r.out);
    EXPECT_FALSE(exists(path("denied/marker")));
}

// Fewer descriptors than the launcher needs: a clear EMFILE error, nothing run.
TEST_F(Limits, FourDescriptorsFailsClearly) {
    RunResult r = run(concat({{"/usr/bin/prlimit", "--nofile=4", "--", sandbox_bin()},
                              exec_flags(), denied_marker()}));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    ASSERT_FALSE(r.err_lines().empty()) << r.describe();
    EXPECT_TRUE(r.err_lines().front().starts_with("sandbox: error: ")) << r.describe();
    EXPECT_TRUE(r.err_lines().front().ends_with("Too many open files (EMFILE)")) << r.describe();
    EXPECT_FALSE(exists(path("denied/marker")));
}

// sandbox -- sandbox -- ... -- probe: `layers` launchers.
Args nested(int layers, const Args& command) {
    const std::string launcher_dir = std::filesystem::path(sandbox_bin()).parent_path().string();
    Args argv;
    for (int i = 0; i < layers; ++i) {
        Args layer = concat({{sandbox_bin()}, exec_flags(), {"--rox", launcher_dir, "--ro", "/proc", "--"}});
        argv.insert(argv.end(), layer.begin(), layer.end());
    }
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
}

// Assumes the tests themselves do not run inside a Landlock domain (the
// features report's in_domain guess cannot count layers).
using Nesting = Limits;

TEST_F(Nesting, SixteenLayersWork) {
    RunResult r = run(nested(16, {probe_bin(), "write-file", path("denied/marker"), "ran"}));
    EXPECT_EQ(1, r.exit_status) << r.describe();
    EXPECT_EQ("EACCES\n", r.out);
    EXPECT_FALSE(exists(path("denied/marker")));
}

TEST_F(Nesting, SeventeenthLayerFailsWithE2big) {
    RunResult r = run(nested(17, {probe_bin(), "write-file", path("denied/marker"), "ran"}));
    EXPECT_TRUE(is_launcher_error(r));
    ASSERT_FALSE(r.err_lines().empty()) << r.describe();
    EXPECT_EQ("sandbox: error: cannot enforce the Landlock ruleset: Argument list too long (E2BIG)",
              r.err_lines().front());
    EXPECT_EQ("  hint: this process is already inside 16 nested Landlock domains, the kernel's limit",
              r.err_lines().at(1));
    EXPECT_EQ("", r.out);
    EXPECT_FALSE(exists(path("denied/marker")));
}

// 2 500 rules, which the launcher opens with helper threads, for user 65534
// under RLIMIT_NPROC 1: no thread can start, and the main thread opens them
// all (the helpers are only a speed-up), instead of failing.
TEST_F(Limits, LargePolicyWhenNoThreadCanStart) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "running as user 65534 needs root";
    }
    std::filesystem::permissions(dir_, std::filesystem::perms(0755));
    {
        std::ofstream f(path("big.json"));
        f << "{\"filesystem\": {\"ro\": [";
        for (int i = 0; i < 2500; ++i) {
            f << (i ? "," : "") << '"' << make_dir("t/" + std::to_string(i)) << '"';
        }
        f << "]}}\n";
    }
    const std::string inside = make_file("t/2499/f", "in\n");
    const std::string outside = make_file("denied/f", "out\n");
    auto probe_read = [&](const std::string& file) {
        return run(concat({no_threads_for_nobody(), exec_flags(),
                           {"--log-level", "debug", "--policy", path("big.json"), "--",
                            probe_bin(), "read", file}}),
                   no_threads_options());
    };
    RunResult in = probe_read(inside);
    EXPECT_EQ(0, in.exit_status) << in.describe();
    EXPECT_EQ("OK\n", in.out);
    // With one CPU there are no helpers to try.
    EXPECT_EQ(available_cpus() > 1,
              in.err.find("no helper threads (") != std::string::npos &&
                  in.err.find("); opening rule paths on the main thread") != std::string::npos)
        << in.describe();
    RunResult out = probe_read(outside);
    EXPECT_EQ(1, out.exit_status) << out.describe();
    EXPECT_EQ("EACCES\n", out.out);
}

// --threads 2 when no thread can start: a clear error, nothing runs.
TEST_F(Limits, WorkerThreadsThatCannotStart) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "running as user 65534 needs root";
    }
    std::filesystem::permissions(dir_, std::filesystem::perms(0777));
    std::filesystem::permissions(path("denied"), std::filesystem::perms(0777));
    RunResult r = run(concat({no_threads_for_nobody(), exec_flags(),
                              {"--threads", "2", "--rw", path("denied")}, denied_marker()}),
                      no_threads_options());
    EXPECT_TRUE(is_launcher_error(r));
    const std::vector<std::string> expected{
        "sandbox: error: --threads 2: cannot start a worker thread: Resource temporarily "
        "unavailable (EAGAIN)",
        "  hint: the process limit (ulimit -u) may be too low for that many threads"};
    EXPECT_EQ(expected, r.err_lines()) << r.describe();
    EXPECT_FALSE(exists(path("denied/marker")));
}

// 100 000 rules on the same directory, from one policy file, with 64
// descriptors: each distinct path is opened once.
TEST_F(Limits, HundredThousandRulesInAPolicy) {
    {
        std::ofstream f(path("big.json"));
        f << "{\"filesystem\": {\"ro\": [";
        for (int i = 0; i < 100000; ++i) {
            f << (i ? "," : "") << '"' << path("w") << '"';
        }
        f << "]}}\n";
    }
    RunResult r = run(concat({{"/usr/bin/prlimit", "--nofile=64", "--", sandbox_bin()},
                              exec_flags(), {"--policy", path("big.json")}, denied_marker()}));
    EXPECT_EQ(1, r.exit_status) << r.describe();
    EXPECT_EQ("EACCES\n", r.out);
    EXPECT_FALSE(exists(path("denied/marker")));
}

// 100 000 rules on the command line (five comma-separated lists of 20 000:
// one argument may not exceed 128 KiB), with 64 descriptors.
TEST_F(Limits, HundredThousandRulesOnTheCommandLine) {
    std::string list;
    for (int i = 0; i < 20000; ++i) {
        list += (i ? ",/tmp" : "/tmp");
    }
    Args rules;
    for (int i = 0; i < 5; ++i) {
        rules.insert(rules.end(), {"--ro", list});
    }
    RunResult r = run(concat({{"/usr/bin/prlimit", "--nofile=64", "--", sandbox_bin()},
                              exec_flags(), rules, denied_marker()}));
    EXPECT_EQ(1, r.exit_status) << r.describe();
    EXPECT_EQ("EACCES\n", r.out);
    EXPECT_FALSE(exists(path("denied/marker")));
}

// 100 000 rules on 100 000 distinct path names (10 000 directories, each
// spelled ten ways: t/N, t//N, ...; identical names are opened once, these are
// not), from one policy file, with 64 descriptors, and with --threads 2: the
// rule count is not bounded by RLIMIT_NOFILE. Reading works in one of the
// directories, not outside.
TEST_F(Limits, HundredThousandDistinctPathsWithSixtyFourDescriptors) {
    {
        std::ofstream f(path("big.json"));
        f << "{\"filesystem\": {\"ro\": [";
        for (int i = 0; i < 10000; ++i) {
            const std::string sub = std::to_string(i / 100) + "/" + std::to_string(i);
            make_dir("t/" + sub);
            for (int slashes = 1; slashes <= 10; ++slashes) {
                f << (i + slashes > 1 ? "," : "") << '"' << path("t") << std::string(slashes, '/')
                  << sub << '"';
            }
        }
        f << "]}}\n";
    }
    make_file("t/99/9999/inside", "x");
    make_file("denied/outside", "x");
    for (const Args& threads : {Args{}, Args{"--threads", "2"}}) {
        expect_reads("64", concat({threads, {"--policy", path("big.json")}}),
                     path("t/99/9999/inside"), path("denied/outside"));
    }
}

}  // namespace
}  // namespace sandbox_it

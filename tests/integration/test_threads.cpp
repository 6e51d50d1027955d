// Every thread of the launcher is restricted before the target runs, or nothing
// runs: --threads (worker threads the launcher starts), --preload (a library whose
// constructor starts threads the launcher does not control), --tsync
// auto|kernel|emulate, the -v enforcement report and --explain=json.
//
// The expected thread names, counts and methods come from what each test started
// and from the kernel's TSYNC probe (`sandbox --features=json`), never from the
// report under test.
//
// Environment:
//   SANDBOX_THREADS_PRELOAD     the test library (tests/integration/threads_preload.c)
//   SANDBOX_TEST_KERNEL_TSYNC=1 the kernel must have LANDLOCK_RESTRICT_SELF_TSYNC:
//                               the kernel-TSYNC test fails instead of skipping.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness.hpp"

namespace sandbox_it {
namespace {

using nlohmann::json;
using Names = std::multiset<std::string>;

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

const std::string& preload_lib() {
    static const std::string value = required_env("SANDBOX_THREADS_PRELOAD");
    return value;
}

bool kernel_has_tsync() { return features().at("tsync") == "yes"; }

// The method --tsync auto must choose, from the kernel probe and the thread count.
std::string auto_method(std::size_t threads) {
    if (kernel_has_tsync()) {
        return "kernel TSYNC";
    }
    return threads == 1 ? "single thread" : "emulation";
}

std::string comm_of(const std::string& executable) {
    return std::filesystem::path(executable).filename().string().substr(0, 15);
}

// The launcher's main thread is named after its executable (comm: 15 bytes).
std::string launcher_comm() { return comm_of(sandbox_bin()); }

// With --preload a statically linked sandbox runs sandbox-dynamic
// (SANDBOX_DYNAMIC_BIN; the same binary when sandbox is dynamic itself).
const std::string& dynamic_bin() {
    static const std::string value = required_env("SANDBOX_DYNAMIC_BIN");
    return value;
}
std::string preload_launcher_comm() { return comm_of(dynamic_bin()); }
bool static_launcher() { return dynamic_bin() != sandbox_bin(); }

// PREFIX0 .. PREFIX(count-1).
Names numbered(int count, const std::string& prefix) {
    Names out;
    for (int i = 0; i < count; ++i) {
        out.insert(prefix + std::to_string(i));
    }
    return out;
}

// The launcher's main thread, PREFIX0 .. PREFIX(count-1), and `more`.
Names thread_names(int count, const std::string& prefix, Names more = {}) {
    more.insert(launcher_comm());
    more.merge(numbered(count, prefix));
    return more;
}

// The same for a launch with --preload: preload-0 .. preload-(count-1).
Names preload_names(int count, Names more = {}) {
    more.insert(preload_launcher_comm());
    more.merge(numbered(count, "preload-"));
    return more;
}

// What `-v` says about enforcement.
struct ThreadLine {
    long tid = 0;
    std::string name;
    std::string result;
};

struct Report {
    int summaries = 0;  // "enforced with" lines
    std::string method;
    long count = -1;
    std::vector<ThreadLine> threads;
};

// A decimal number, or -1.
long number(std::string_view text) {
    if (text.empty() || text.size() > 9 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return -1;
    }
    return std::stol(std::string(text));
}

// "sandbox: info: enforced with METHOD: N thread(s), no_new_privs set on each"
// and "sandbox: info:   thread TID (NAME): RESULT".
Report parse_report(const RunResult& r) {
    constexpr std::string_view summary = "sandbox: info: enforced with ";
    constexpr std::string_view summary_end = " thread(s), no_new_privs set on each";
    constexpr std::string_view thread = "sandbox: info:   thread ";
    Report report;
    for (const auto& whole : r.err_lines()) {
        std::string_view line = whole;
        if (line.starts_with(summary) && line.ends_with(summary_end)) {
            line.remove_prefix(summary.size());
            line.remove_suffix(summary_end.size());
            const auto colon = line.rfind(": ");
            ++report.summaries;
            report.method = std::string(line.substr(0, colon));
            report.count = colon == std::string_view::npos ? -1 : number(line.substr(colon + 2));
        } else if (line.starts_with(thread)) {
            line.remove_prefix(thread.size());
            const auto open = line.find(" (");
            const auto close = line.rfind("): ");
            if (open == std::string_view::npos || close == std::string_view::npos ||
                close < open) {
                report.threads.push_back({-1, "", std::string(line)});
                continue;
            }
            report.threads.push_back({number(line.substr(0, open)),
                                      std::string(line.substr(open + 2, close - open - 2)),
                                      std::string(line.substr(close + 3))});
        }
    }
    return report;
}

// The run's -v report names `method` and exactly the threads `names`, each
// restricted, with distinct thread ids.
::testing::AssertionResult enforced_as(const RunResult& r, const std::string& method,
                                       const Names& names) {
    const Report report = parse_report(r);
    auto failure = [&]() {
        return ::testing::AssertionFailure() << "in the -v report: ";
    };
    if (report.summaries != 1) {
        return failure() << report.summaries << " \"enforced with\" lines, expected 1; "
                         << r.describe();
    }
    if (report.method != method) {
        return failure() << "method \"" << report.method << "\", expected \"" << method
                         << "\"; " << r.describe();
    }
    if (report.count != static_cast<long>(names.size()) ||
        report.threads.size() != names.size()) {
        return failure() << "summary counts " << report.count << " thread(s) and "
                         << report.threads.size() << " thread line(s) follow, expected "
                         << names.size() << "; " << r.describe();
    }
    Names seen;
    std::set<long> tids;
    for (const auto& t : report.threads) {
        if (t.result != "restricted") {
            return failure() << "thread " << t.tid << " (" << t.name << "): " << t.result
                             << "; " << r.describe();
        }
        if (t.tid <= 0 || !tids.insert(t.tid).second) {
            return failure() << "thread id " << t.tid << " is invalid or repeated; "
                             << r.describe();
        }
        seen.insert(t.name);
    }
    if (seen != names) {
        std::string expected;
        for (const auto& n : names) {
            expected += " " + n;
        }
        return failure() << "thread names differ, expected" << expected << "; "
                         << r.describe();
    }
    return ::testing::AssertionSuccess();
}

// The probe's one-word answer, when the run was a probe run that reported.
std::string probe_answer(const RunResult& r) {
    std::string out = r.out;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
        out.pop_back();
    }
    return out;
}

// Lines of the target's or launcher's stderr the test library wrote.
std::vector<std::string> announcements(const RunResult& r) {
    std::vector<std::string> out;
    for (const auto& line : r.err_lines()) {
        if (line.starts_with("threads_preload: ")) {
            out.push_back(line);
        }
    }
    return out;
}

// The run with the test library's lines removed from stderr.
RunResult without_announcements(RunResult r) {
    std::string err;
    for (const auto& line : r.err_lines()) {
        if (!line.starts_with("threads_preload: ")) {
            err += line + "\n";
        }
    }
    r.err = err;
    return r;
}

class ThreadsTest : public SandboxTest {
protected:
    void SetUp() override {
        SandboxTest::SetUp();
        make_dir("allowed");
        make_dir("w");
        make_file("allowed/file", "allowed\n");
        make_file("denied", "secret\n");
    }

    // Runs `sandbox exec_flags() FLAGS -- probe OP_AND_ARGS`.
    static RunResult run_probe(const Args& flags, const Args& op_and_args,
                               const RunOptions& options = {}) {
        return run_sandbox(concat({exec_flags(), flags, {"--", probe_bin()}, op_and_args}),
                           options);
    }

    // Reads the allowed file (must be OK) and the denied one (must be EACCES)
    // under FLAGS --ro allowed/, and checks the -v report of both runs.
    void expect_confined(const Args& flags, const std::string& method, const Names& names,
                         const RunOptions& options = {},
                         const std::string& denied_path = "") {
        const Args with_rule = concat({flags, {"-v", "--ro", path("allowed")}});
        RunResult ok = run_probe(with_rule, {"read", path("allowed/file")}, options);
        EXPECT_EQ(0, ok.exit_status) << ok.describe();
        EXPECT_EQ("OK", probe_answer(ok)) << ok.describe();
        EXPECT_TRUE(enforced_as(ok, method, names));

        const std::string denied = denied_path.empty() ? path("denied") : denied_path;
        RunResult no = run_probe(with_rule, {"read", denied}, options);
        EXPECT_EQ(1, no.exit_status) << no.describe();
        EXPECT_EQ("EACCES", probe_answer(no)) << no.describe();
        EXPECT_TRUE(enforced_as(no, method, names));
    }

    // A copy of the test library in lib/ (which no rule covers), reached through
    // a symlink in link/; returns the symlink's path.
    std::string preload_copy() {
        make_dir("lib");
        make_dir("link");
        const std::string copy = copy_program(preload_lib(), "lib/libthreads_preload.so");
        std::filesystem::create_symlink(copy, path("link/libpreload.so"));
        return path("link/libpreload.so");
    }
    // Where the library really is.
    [[nodiscard]] std::string preload_real() const {
        return std::filesystem::canonical(path("lib/libthreads_preload.so")).string();
    }

    // `sandbox FLAGS -- cat FILES...` prints EXPECTED; with one more file
    // UNLISTED (created now, no rule) cat fails on it with EACCES. Returns the
    // first run.
    RunResult cat_listed_files(const Args& flags, Args cat, const std::string& expected,
                               const std::string& unlisted) {
        RunResult r = run_sandbox(concat({exec_flags(), flags, {"--"}, cat}));
        EXPECT_EQ(0, r.exit_status) << r.describe();
        EXPECT_EQ(expected, r.out);

        cat.push_back(make_file(unlisted, "no\n"));
        RunResult denied = run_sandbox(concat({exec_flags(), flags, {"--"}, cat}));
        EXPECT_EQ(1, denied.exit_status) << denied.describe();
        EXPECT_EQ(expected, denied.out);
        EXPECT_TRUE(contains(denied.err, cat.back() + ": Permission denied")) << denied.describe();
        return r;
    }
};

enum class Signals { Deliverable, Blocked };

// The environment for the test library: start K threads, announce each load,
// plus the variables `more`.
std::vector<std::string> preload_env(int threads, Signals signals,
                                     const std::vector<std::string>& more = {}) {
    std::vector<std::string> set{"PRELOAD_START_THREADS=1", "PRELOAD_ANNOUNCE=1",
                                 "PRELOAD_THREADS=" + std::to_string(threads)};
    set.insert(set.end(), more.begin(), more.end());
    std::vector<std::string> unset{"LD_PRELOAD"};
    if (signals == Signals::Blocked) {
        set.emplace_back("PRELOAD_BLOCK_SIGNALS=1");
    } else {
        unset.emplace_back("PRELOAD_BLOCK_SIGNALS");
    }
    return environment_with(set, unset);
}

// ---- --threads ------------------------------------------------------------

TEST_F(ThreadsTest, WorkerThreadsAreAllRestrictedAndTheTargetIsConfined) {
    expect_confined({"--threads", "8"}, auto_method(9), thread_names(8, "sandbox-w"));
}

TEST_F(ThreadsTest, ExplainJsonListsTheLauncherAndEveryWorkerThread) {
    RunResult r = run_sandbox(
        concat({exec_flags(), {"--threads", "8", "--explain=json"}, marker_rule(), marker_command()}));
    ASSERT_EQ(0, r.exit_status) << r.describe();
    const json j = json::parse(r.out);
    ASSERT_TRUE(j.contains("enforcement")) << r.out;
    const json& e = j.at("enforcement");
    EXPECT_EQ(auto_method(9), e.at("method")) << e.dump(2);
    EXPECT_TRUE(e.at("problem").is_null()) << e.dump(2);
    EXPECT_EQ(true, e.at("no_new_privs")) << e.dump(2);
    ASSERT_TRUE(e.at("threads").is_array()) << e.dump(2);
    EXPECT_EQ(9U, e.at("threads").size()) << e.dump(2);
    Names names;
    std::set<long> tids;
    for (const auto& t : e.at("threads")) {
        names.insert(t.at("name").get<std::string>());
        EXPECT_TRUE(tids.insert(t.at("tid").get<long>()).second) << e.dump(2);
        EXPECT_TRUE(t.at("result").is_string()) << e.dump(2);
    }
    EXPECT_EQ(thread_names(8, "sandbox-w"), names) << e.dump(2);
    EXPECT_FALSE(ran()) << "--explain ran the command";
}

TEST_F(ThreadsTest, WorkerThreadsOpenEveryRulePathInParallel) {
    // 64 file rules opened by 9 threads: each must land on its own file.
    Args flags{"--threads", "8"};
    Args cat{"/usr/bin/cat"};
    std::string expected;
    make_dir("many");
    for (int i = 0; i < 64; ++i) {
        const std::string content = "file " + std::to_string(i) + "\n";
        const std::string f = make_file("many/" + std::to_string(i), content);
        flags.insert(flags.end(), {"--ro", f});
        cat.push_back(f);
        expected += content;
    }
    cat_listed_files(flags, cat, expected, "many/unlisted");
}

TEST_F(ThreadsTest, LargePoliciesAreOpenedByHelperThreadsThatExitBeforeEnforcement) {
    // 2 500 rule paths (files and directories) without --threads: helper
    // threads open them beside the main thread (one per further CPU, at most
    // 3), and are gone before enforcement, which sees a single thread.
    const int helpers = std::min(available_cpus() - 1, 3);
    make_dir("big");
    Args flags{"--log-level", "debug"};
    Args cat{"/usr/bin/cat"};
    std::string expected;
    for (int i = 0; i < 2500; ++i) {
        const std::string content = "file " + std::to_string(i) + "\n";
        std::string rule;
        std::string read;
        if (i % 25 == 0) {  // every 25th rule is a directory
            rule = make_dir("big/d" + std::to_string(i));
            read = make_file("big/d" + std::to_string(i) + "/f", content);
        } else {
            rule = read = make_file("big/" + std::to_string(i), content);
        }
        flags.insert(flags.end(), {"--ro", rule});
        if (i % 499 == 0) {
            cat.push_back(read);
            expected += content;
        }
    }
    const RunResult r = cat_listed_files(flags, cat, expected, "big/unlisted");
    EXPECT_TRUE(enforced_as(r, auto_method(1), thread_names(0, "")));
    const std::string opened = "rule paths on the main thread and " + std::to_string(helpers) +
                               " helper thread(s), joined before enforcement";
    EXPECT_EQ(helpers > 0, contains(r.err, opened)) << opened << "; " << r.describe();
}

TEST_F(ThreadsTest, TwoHundredWorkerThreadsTwentyTimesInARow) {
    const Names names = thread_names(200, "sandbox-w");
    for (int i = 0; i < 20; ++i) {
        RunResult r = run_probe({"--threads", "200", "-v", "--ro", path("allowed")},
                                {"read", path("allowed/file")});
        ASSERT_EQ(0, r.exit_status) << "run " << i << ": " << r.describe();
        ASSERT_EQ("OK", probe_answer(r)) << "run " << i << ": " << r.describe();
        ASSERT_TRUE(enforced_as(r, auto_method(201), names)) << "run " << i;
    }
}

TEST_F(ThreadsTest, ThreadCountOutOfRangeIsAUsageError) {
    for (const char* bad : {"-1", "4097", "abc", "1x", "0x10"}) {
        forget_marker();
        RunResult r = run_sandbox(concat({exec_flags(), {"--threads", bad}, marker_rule(), marker_command()}));
        EXPECT_TRUE(is_launcher_error(r)) << "--threads \"" << bad << "\"";
        EXPECT_TRUE(contains(r.err, "--threads")) << r.describe();
        EXPECT_FALSE(ran()) << "--threads \"" << bad << "\" ran the command";
    }
}

TEST_F(ThreadsTest, TargetHasNoNewPrivs) {
    const std::string nnp_off = "NoNewPrivs:\t0";
    RunResult outside = run({"/usr/bin/cat", "/proc/self/status"});
    ASSERT_EQ(0, outside.exit_status) << outside.describe();
    if (!contains(outside.out, nnp_off)) {
        GTEST_SKIP() << "the tests already run with no_new_privs: the check would prove nothing";
    }
    for (const Args& mode : {Args{"--threads", "4"}, Args{"--tsync", "emulate"},
                             Args{"--tsync", "auto"}}) {
        RunResult r = run_sandbox(concat(
            {exec_flags(), mode, {"--ro", "/proc", "--", "/usr/bin/cat", "/proc/self/status"}}));
        EXPECT_EQ(0, r.exit_status) << mode[0] << " " << mode[1] << ": " << r.describe();
        EXPECT_TRUE(has_line_starting_with(lines(r.out), "NoNewPrivs:\t1"))
            << mode[0] << " " << mode[1] << ": " << r.describe();
    }
}

// ---- --tsync --------------------------------------------------------------

TEST_F(ThreadsTest, EmulateWithOneThreadRestrictsTheLauncherByEmulation) {
    expect_confined({"--tsync", "emulate"}, "emulation", thread_names(0, ""));
}

TEST_F(ThreadsTest, EmulateWithWorkersRestrictsEveryThreadByEmulation) {
    expect_confined({"--tsync", "emulate", "--threads", "3"}, "emulation",
                    thread_names(3, "sandbox-w"));
}

TEST_F(ThreadsTest, AutoWithOneThreadNeedsNoEmulation) {
    expect_confined({"--tsync", "auto"}, auto_method(1), thread_names(0, ""));
    // auto is the default.
    expect_confined({}, auto_method(1), thread_names(0, ""));
}

TEST_F(ThreadsTest, KernelModeFailsWithoutKernelTsync) {
    if (kernel_has_tsync()) {
        GTEST_SKIP() << "this kernel has TSYNC: KernelModeUsesKernelTsync covers it";
    }
    for (const Args& threads : {Args{}, Args{"--threads", "2"}}) {
        forget_marker();
        RunResult r = run_sandbox(concat({exec_flags(), {"--tsync", "kernel"}, threads,
                                          marker_rule(), marker_command()}));
        ASSERT_TRUE(is_launcher_error(r));
        EXPECT_TRUE(r.err_lines().front().starts_with("sandbox: error: --tsync kernel: "))
            << r.describe();
        bool hint = false;
        for (const auto& line : r.err_lines()) {
            hint = hint || (line.starts_with("  hint: ") && contains(line, "kernel/tsync.patch") &&
                            contains(line, "Linux 7.0"));
        }
        EXPECT_TRUE(hint) << "no hint naming kernel/tsync.patch and Linux 7.0; "
                          << r.describe();
        EXPECT_FALSE(ran()) << "--tsync kernel ran the command without TSYNC";
    }
}

TEST_F(ThreadsTest, KernelModeUsesKernelTsync) {
    if (!kernel_has_tsync()) {
        if (kernel_tsync_required()) {
            FAIL() << "SANDBOX_TEST_KERNEL_TSYNC=1 but sandbox --features=json says tsync: "
                   << features().at("tsync") << " (probe: " << features().at("tsync_probe")
                   << ")";
        }
        GTEST_SKIP() << "this kernel has no LANDLOCK_RESTRICT_SELF_TSYNC";
    }
    expect_confined({"--tsync", "kernel"}, "kernel TSYNC", thread_names(0, ""));
    expect_confined({"--tsync", "kernel", "--threads", "4"}, "kernel TSYNC",
                    thread_names(4, "sandbox-w"));
}

TEST_F(ThreadsTest, ExplainJsonNamesTheKernelModeProblem) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--tsync", "kernel", "--explain=json"},
                                      marker_rule(), marker_command()}));
    ASSERT_EQ(0, r.exit_status) << r.describe();
    const json e = json::parse(r.out).at("enforcement");
    EXPECT_EQ("kernel TSYNC", e.at("method")) << e.dump(2);
    if (kernel_has_tsync()) {
        EXPECT_TRUE(e.at("problem").is_null()) << e.dump(2);
    } else {
        ASSERT_TRUE(e.at("problem").is_string()) << e.dump(2);
        EXPECT_TRUE(contains(e.at("problem").get<std::string>(), "kernel/tsync.patch"))
            << e.dump(2);
    }
    EXPECT_FALSE(ran());

    RunResult emulate = run_sandbox(concat(
        {exec_flags(), {"--tsync", "emulate", "--explain=json"}, marker_rule(), marker_command()}));
    ASSERT_EQ(0, emulate.exit_status) << emulate.describe();
    const json ee = json::parse(emulate.out).at("enforcement");
    EXPECT_EQ("emulation", ee.at("method")) << ee.dump(2);
    EXPECT_TRUE(ee.at("problem").is_null()) << ee.dump(2);
    EXPECT_EQ(1U, ee.at("threads").size()) << ee.dump(2);
}

TEST_F(ThreadsTest, UnknownTsyncModeIsAUsageError) {
    for (const char* bad : {"bogus", "Kernel", "emulation"}) {
        forget_marker();
        RunResult r = run_sandbox(concat({exec_flags(), {"--tsync", bad}, marker_rule(), marker_command()}));
        EXPECT_TRUE(is_launcher_error(r)) << "--tsync \"" << bad << "\"";
        EXPECT_TRUE(contains(r.err, bad)) << r.describe();
        EXPECT_FALSE(ran()) << "--tsync \"" << bad << "\" ran the command";
    }
}

// An explicitly empty value is a usage error, not "not given" (this once ran
// the command with the defaults).
TEST_F(ThreadsTest, EmptyTsyncOrThreadsValueIsAUsageError) {
    for (const char* option : {"--tsync", "--threads"}) {
        forget_marker();
        RunResult r = run_sandbox(concat({exec_flags(), {option, ""}, marker_rule(), marker_command()}));
        EXPECT_TRUE(is_launcher_error(r)) << option << " \"\"";
        EXPECT_FALSE(ran()) << option << " \"\" ran the command";
    }
}

// ---- --preload ------------------------------------------------------------

TEST_F(ThreadsTest, PreloadedLibraryThreadsAreRestrictedAndTheTargetLoadsIt) {
    const std::string lib = preload_copy();
    make_file("lib/sibling", "not allowed\n");
    // The library's own directory stays denied: the rule is on the file.
    expect_confined({"--preload", lib}, auto_method(5), preload_names(4),
                    with_env(preload_env(4, Signals::Deliverable)), path("lib/sibling"));

    RunResult r = run_probe({"--preload", lib, "--ro", path("allowed")},
                            {"read", path("allowed/file")},
                            with_env(preload_env(4, Signals::Deliverable)));
    EXPECT_EQ("OK", probe_answer(r)) << r.describe();
    // Loaded once by the launcher and once by the target, which needed the
    // policy's rule for it (no --ro covers lib/).
    const std::vector<std::string> expected{
        "threads_preload: loaded in " + preload_launcher_comm() + ", 4 thread(s)",
        "threads_preload: loaded in probe, 4 thread(s)"};
    EXPECT_EQ(expected, announcements(r)) << r.describe();
    EXPECT_FALSE(contains(r.err, "cannot be preloaded")) << r.describe();
}

TEST_F(ThreadsTest, PreloadedAndWorkerThreadsAreRestrictedTogether) {
    const std::string lib = preload_copy();
    expect_confined({"--preload", lib, "--threads", "4"}, auto_method(9),
                    preload_names(4, numbered(4, "sandbox-w")),
                    with_env(preload_env(4, Signals::Deliverable)));
}

TEST_F(ThreadsTest, ThreadsCreatedWhileParkingAreRestrictedToo) {
    // Eight library threads keep creating and joining short-lived threads: the
    // task list changes while the launcher parks it. Every thread it saw must be
    // restricted, and the target must run, ten times in a row.
    const std::string lib = preload_copy();
    const auto env = preload_env(8, Signals::Deliverable, {"PRELOAD_CHURN=1"});
    auto known = [](const std::string& name) {
        return name == preload_launcher_comm() || name == "churn" ||
               (name.starts_with("preload-") && number(name.substr(8)) >= 0);
    };
    for (int i = 0; i < 10; ++i) {
        RunResult r = run_probe({"--preload", lib, "-v", "--ro", path("allowed")},
                                {"read", path("allowed/file")}, with_env(env));
        ASSERT_EQ(0, r.exit_status) << "run " << i << ": " << r.describe();
        ASSERT_EQ("OK", probe_answer(r)) << "run " << i << ": " << r.describe();
        const Report report = parse_report(r);
        ASSERT_EQ(1, report.summaries) << r.describe();
        EXPECT_EQ(auto_method(9), report.method) << r.describe();
        ASSERT_EQ(report.count, static_cast<long>(report.threads.size())) << r.describe();
        // A child that has not named itself yet carries its creator's name.
        Names names;
        std::set<long> tids;
        for (const auto& t : report.threads) {
            EXPECT_EQ("restricted", t.result) << t.tid << " (" << t.name << ")";
            EXPECT_TRUE(tids.insert(t.tid).second) << "thread id " << t.tid << " repeated";
            EXPECT_TRUE(known(t.name)) << "unknown thread " << t.name;
            names.insert(t.name);
        }
        for (const auto& name : preload_names(8)) {
            EXPECT_NE(0U, names.count(name))
                << "run " << i << ": no thread " << name << "; " << r.describe();
        }
        if (::testing::Test::HasFailure()) {
            return;
        }
    }
}

// Regression: the emulation stops sibling threads at arbitrary points, so a
// parked thread may hold the malloc arena lock. The launcher once allocated
// while threads were parked (std::set, opendir, ifstream) and hung for ever in
// about 1 run in 3 of this case; it now allocates nothing between the first
// signal and the release. Reproduce by hand:
//   GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.malloc.tcache_count=0
//   PRELOAD_START_THREADS=1 PRELOAD_THREADS=32 PRELOAD_MALLOC=1
//   sandbox --preload libthreads_preload.so --rox /usr,/lib,/lib64 -- /bin/true
TEST_F(ThreadsTest, ThreadsStoppedInsideMallocDoNotHangTheLaunch) {
    const std::string lib = preload_copy();
    const auto env = preload_env(32, Signals::Deliverable,
                                 {"PRELOAD_MALLOC=1",
                                  "GLIBC_TUNABLES=glibc.malloc.arena_max=1:"
                                  "glibc.malloc.tcache_count=0"});
    RunOptions options = with_env(env);
    options.timeout = std::chrono::seconds(10);  // a bound on a hang
    for (int i = 0; i < 20; ++i) {
        RunResult r = run_probe({"--preload", lib, "-v", "--ro", path("allowed")},
                                {"read", path("allowed/file")}, options);
        ASSERT_FALSE(r.timed_out) << "run " << i << " hung; " << r.describe();
        ASSERT_EQ(0, r.exit_status) << "run " << i << ": " << r.describe();
        ASSERT_EQ("OK", probe_answer(r)) << "run " << i << ": " << r.describe();
        ASSERT_TRUE(enforced_as(r, auto_method(33), preload_names(32)))
            << "run " << i;
    }
}

TEST_F(ThreadsTest, ThreadsStartedBeforeMainAreRestrictedToo) {
    // The launcher itself started with the library in LD_PRELOAD: its threads
    // exist before main(). The target inherits LD_PRELOAD and needs the --ro.
    const std::string lib = preload_copy();
    // An ASan launcher otherwise refuses a library loaded before its runtime.
    const auto env = preload_env(4, Signals::Deliverable,
                                 {"LD_PRELOAD=" + preload_real(),
                                  "ASAN_OPTIONS=verify_asan_link_order=0"});
    if (static_launcher()) {
        // A static launcher loads nothing from LD_PRELOAD: it has no thread
        // but its own, and the target still gets the library.
        expect_confined({"--ro", preload_real()}, auto_method(1), thread_names(0, ""),
                        with_env(env));
        RunResult r = run_probe({"--ro", preload_real(), "--ro", path("allowed")},
                                {"read", path("allowed/file")}, with_env(env));
        EXPECT_EQ("OK", probe_answer(r)) << r.describe();
        const std::vector<std::string> loaded{"threads_preload: loaded in probe, 4 thread(s)"};
        EXPECT_EQ(loaded, announcements(r)) << r.describe();
        return;
    }
    expect_confined({"--ro", preload_real()}, auto_method(5), thread_names(4, "preload-"),
                    with_env(env));
}

TEST_F(ThreadsTest, NoFreeRealTimeSignalRefusesEmulation) {
    // The library installs a handler on every real-time signal and starts threads.
    const std::string lib = preload_copy();
    const auto env = preload_env(4, Signals::Deliverable, {"PRELOAD_TAKE_RT_SIGNALS=1"});
    std::vector<Args> refused{{"--preload", lib, "--tsync", "emulate"}};
    if (!kernel_has_tsync()) {
        refused.push_back({"--preload", lib});
    }
    for (const Args& flags : refused) {
        forget_marker();
        RunResult r = run_sandbox(concat({exec_flags(), flags, marker_rule(), marker_command()}),
                                  with_env(env));
        EXPECT_TRUE(is_launcher_error(without_announcements(r))) << flags.back();
        EXPECT_TRUE(contains(r.err, "no free real-time signal")) << r.describe();
        EXPECT_FALSE(ran()) << "the command ran; " << r.describe();
    }
    // One thread needs no signal.
    std::vector<std::string> no_threads = environment_with(
        {"PRELOAD_TAKE_RT_SIGNALS=1"}, {"LD_PRELOAD", "PRELOAD_START_THREADS"});
    expect_confined({"--preload", lib}, auto_method(1), preload_names(0),
                    with_env(no_threads));
}

TEST_F(ThreadsTest, PreloadComesFirstInTheTargetsLdPreloadAsAResolvedPath) {
    const std::string lib = preload_copy();
    const auto env = environment_with({}, {"LD_PRELOAD", "PRELOAD_START_THREADS"});
    RunResult r = run_sandbox(concat({exec_flags(), {"--preload", lib, "--", "/usr/bin/env"}}),
                              with_env(env));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    const std::vector<std::string> out = lines(r.out);
    EXPECT_EQ(1, std::count(out.begin(), out.end(), "LD_PRELOAD=" + preload_real()))
        << "expected LD_PRELOAD=" << preload_real() << "; " << r.describe();
    EXPECT_FALSE(contains(r.err, "cannot be preloaded")) << r.describe();

    // An LD_PRELOAD the target already gets stays, after the preloaded library.
    const std::string other = copy_program(preload_lib(), "lib/other.so");
    RunResult both = run_sandbox(
        concat({exec_flags(),
                {"--preload", lib, "--ro", other, "--env", "LD_PRELOAD=" + other, "--",
                 "/usr/bin/env"}}),
        with_env(env));
    EXPECT_EQ(0, both.exit_status) << both.describe();
    const std::vector<std::string> both_out = lines(both.out);
    EXPECT_EQ(1, std::count(both_out.begin(), both_out.end(),
                            "LD_PRELOAD=" + preload_real() + ":" + other))
        << "expected LD_PRELOAD=" << preload_real() << ":" << other << "; " << both.describe();
    EXPECT_FALSE(contains(both.err, "cannot be preloaded")) << both.describe();
}

// The launcher as installed: BIN/sandbox, and (when sandbox is static)
// BIN/FROM_BINDIR = sandbox-dynamic, copied into the test directory.
class InstalledLauncherTest : public ThreadsTest {
protected:
    static std::string from_bindir() {
        const char* v = std::getenv("SANDBOX_HELPER_FROM_BINDIR");
        return v != nullptr ? v : "";
    }
    std::string install_launcher(bool with_helper) {
        make_dir("prefix/bin");
        const std::string launcher = copy_program(sandbox_bin(), "prefix/bin/sandbox");
        if (with_helper && static_launcher()) {
            const auto helper = std::filesystem::path("prefix/bin") / from_bindir();
            make_dir(helper.lexically_normal().parent_path().string());
            copy_program(dynamic_bin(), helper.lexically_normal().string());
        }
        return launcher;
    }
    RunResult run_installed(const std::string& launcher, const Args& args) {
        return run(concat({{launcher}, exec_flags(), args}),
                   with_env(preload_env(4, Signals::Deliverable)));
    }
};

TEST_F(InstalledLauncherTest, PreloadRunsTheDynamicLauncherInstalledBesideIt) {
    const std::string launcher = install_launcher(true);
    const std::string lib = preload_copy();
    RunResult r = run_installed(
        launcher, {"--preload", lib, "--ro", path("allowed"), "--", probe_bin(), "read",
                   path("allowed/file")});
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("OK", probe_answer(r)) << r.describe();
    // Loaded by the dynamic launcher (sandbox-dynamic when sandbox is static).
    const std::vector<std::string> expected{
        "threads_preload: loaded in " + preload_launcher_comm() + ", 4 thread(s)",
        "threads_preload: loaded in probe, 4 thread(s)"};
    EXPECT_EQ(expected, announcements(r)) << r.describe();
}

TEST_F(InstalledLauncherTest, PreloadWithoutTheDynamicLauncherFailsAndRunsNothing) {
    const std::string launcher = install_launcher(false);
    const std::string lib = preload_copy();
    RunResult r = run_installed(launcher, concat({{"--preload", lib}, marker_rule(), marker_command()}));
    if (!static_launcher()) {
        // A dynamic sandbox loads the library itself and needs no helper.
        EXPECT_EQ(0, r.exit_status) << r.describe();
        EXPECT_TRUE(ran()) << r.describe();
        return;
    }
    const std::string helper =
        (std::filesystem::path(path("prefix/bin")) / from_bindir()).lexically_normal().string();
    ASSERT_TRUE(is_launcher_error(r));
    const std::vector<std::string> expected{
        "sandbox: error: --preload: cannot run \"" + helper +
            "\": No such file or directory (ENOENT)",
        "  hint: this sandbox is linked statically and cannot load libraries itself; --preload "
        "runs sandbox-dynamic, which is installed with it"};
    EXPECT_EQ(expected, r.err_lines()) << r.describe();
    EXPECT_TRUE(announcements(r).empty()) << r.describe();
    EXPECT_FALSE(ran()) << r.describe();
}

TEST_F(ThreadsTest, PreloadOfAMissingLibraryFailsWithTheLoaderMessage) {
    const std::string missing = path("nonexistent.so");
    RunResult r = run_sandbox(concat({exec_flags(), {"--preload", missing}, marker_rule(), marker_command()}));
    ASSERT_TRUE(is_launcher_error(r));
    EXPECT_TRUE(contains(r.err_lines().front(), missing)) << r.describe();
    EXPECT_TRUE(contains(r.err_lines().front(), "cannot open shared object file"))
        << r.describe();
    EXPECT_FALSE(ran());
}

TEST_F(ThreadsTest, PreloadOfANonLibraryFailsWithTheLoaderMessage) {
    const std::string text = make_file("not-a-library.so", std::string(200, 'x'));
    RunResult r = run_sandbox(concat({exec_flags(), {"--preload", text}, marker_rule(), marker_command()}));
    ASSERT_TRUE(is_launcher_error(r));
    EXPECT_TRUE(contains(r.err_lines().front(), "invalid ELF header")) << r.describe();
    EXPECT_FALSE(ran());
}

// A thread that blocks every signal cannot be parked: without kernel TSYNC the
// launch must fail within a bounded time, name the threads, and run nothing.
class BlockedSignalTest : public ThreadsTest {
protected:
    void expect_refused(const Args& flags, const Names& must_name, const Names& must_not_name) {
        RunOptions options = with_env(preload_env(4, Signals::Blocked));
        options.timeout = std::chrono::seconds(30);
        const auto start = std::chrono::steady_clock::now();
        RunResult r = run_sandbox(concat({exec_flags(), flags, marker_rule(), marker_command()}), options);
        const auto took = std::chrono::steady_clock::now() - start;
        EXPECT_FALSE(r.timed_out) << r.describe();
        // A bound on a hang (the park timeout is 2 s), not a performance claim.
        EXPECT_LT(took, std::chrono::seconds(10)) << r.describe();
        // The launcher loaded the library, whose threads block every signal.
        const std::vector<std::string> loaded{"threads_preload: loaded in " + preload_launcher_comm() +
                                              ", 4 thread(s), all signals blocked"};
        EXPECT_EQ(loaded, announcements(r)) << r.describe();
        EXPECT_TRUE(is_launcher_error(without_announcements(r)));
        EXPECT_TRUE(contains(r.err, "did not stop")) << r.describe();
        for (const auto& name : must_name) {
            EXPECT_TRUE(contains(r.err, "(" + name + ")")) << "names " << name << "; "
                                                           << r.describe();
        }
        for (const auto& name : must_not_name) {
            EXPECT_FALSE(contains(r.err, "(" + name + ")")) << "does not name " << name << "; "
                                                            << r.describe();
        }
        EXPECT_FALSE(ran()) << "the command ran; " << r.describe();
    }
};

TEST_F(BlockedSignalTest, EmulationRefusesToLaunch) {
    const std::string lib = preload_copy();
    expect_refused({"--preload", lib, "--tsync", "emulate"}, numbered(4, "preload-"), {});
}

TEST_F(BlockedSignalTest, EmulationNamesOnlyTheThreadsThatDidNotStop) {
    const std::string lib = preload_copy();
    Names parked = numbered(4, "sandbox-w");
    parked.insert(preload_launcher_comm());
    expect_refused({"--preload", lib, "--threads", "4", "--tsync", "emulate"},
                   numbered(4, "preload-"), parked);
}

TEST_F(BlockedSignalTest, AutoRefusesToLaunchWithoutKernelTsync) {
    const std::string lib = preload_copy();
    if (kernel_has_tsync()) {
        // The kernel restricts every thread without signals: the launch works.
        expect_confined({"--preload", lib}, "kernel TSYNC", preload_names(4),
                        with_env(preload_env(4, Signals::Blocked)));
        return;
    }
    expect_refused({"--preload", lib}, numbered(4, "preload-"), {});
}

}  // namespace
}  // namespace sandbox_it

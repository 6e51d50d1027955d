// Resource limits: few descriptors with many rules, 16 nested sandboxes and
// the 17th, 100 000 rules. Each ends in a run or a clear error (exit 125,
// one line), never a crash and never an unsandboxed command.
#include <unistd.h>

#include <fstream>
#include <string>

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
    Args denied_marker() const {
        return {"--", probe_bin(), "write-file", path("denied/marker"), "ran"};
    }
};

// ulimit -n 32 (prlimit sets RLIMIT_NOFILE before exec) with 1000 directory
// rules: every rule path stays open until the ruleset is built, so the launch
// fails cleanly with EMFILE, names the rule and says what to do; nothing runs.
TEST_F(Limits, ThousandRulesWithThirtyTwoDescriptors) {
    Args rules;
    for (int i = 0; i < 1000; ++i) {
        rules.insert(rules.end(), {"--ro", make_dir("r/" + std::to_string(i))});
    }
    RunResult r = run(concat({{"/usr/bin/prlimit", "--nofile=32", "--", sandbox_bin()},
                              exec_flags(), rules, denied_marker()}));
    EXPECT_TRUE(is_launcher_error(r));
    const auto err = r.err_lines();
    ASSERT_EQ(3u, err.size()) << r.describe();
    // Descriptors 0-2 and the launcher's own few are taken first: some rule
    // between the first and the 32nd fails.
    EXPECT_TRUE(err[0].starts_with("sandbox: error: cannot open \"" + path("r/"))) << err[0];
    EXPECT_TRUE(err[0].ends_with("\" for a rule: Too many open files (EMFILE)")) << err[0];
    EXPECT_EQ("  hint: every rule path stays open until the ruleset is built, one descriptor per "
              "rule: raise the limit (ulimit -n) or use fewer, broader rules",
              err[1]);
    EXPECT_EQ("", r.out);
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

}  // namespace
}  // namespace sandbox_it

// Checks that say something (issue 13 item 5): --explain runs the run's
// pre-start checks and ends as the run would; --validate names required paths
// that do not exist; problems in shipped profiles say what to do instead of
// editing them; a PATH shim is named; -v -v prints more than -v.
#include <string>

#include "harness.hpp"

namespace sandbox_it {
namespace {

using nlohmann::json;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

bool any_line_contains(const std::vector<std::string>& all, const std::string& needle) {
    for (const auto& l : all) {
        if (contains(l, needle)) {
            return true;
        }
    }
    return false;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// --rox for the system directories (where present), without the probe's own
// directory: the command itself is not allowed.
Args system_exec_flags() {
    Args out;
    for (const char* dir : {"/usr", "/lib", "/lib64", "/bin"}) {
        if (exists(dir)) {
            out.insert(out.end(), {"--rox", dir});
        }
    }
    return out;
}

class ChecksTest : public SandboxTest {};

// The reproduction: the run refuses with 126; --explain printed
// nothing wrong and exited 0.
TEST_F(ChecksTest, ExplainEndsLikeTheRunWhenTheCommandIsNotAllowed) {
    const RunResult run = run_sandbox({"--ro", "/etc", "--", "ls"});
    ASSERT_EQ(126, run.exit_status) << run.describe();
    const RunResult explain = run_sandbox({"--explain", "--ro", "/etc", "--", "ls"});
    EXPECT_EQ(126, explain.exit_status) << explain.describe();
    EXPECT_TRUE(contains(explain.out, "filesystem rules:")) << "the whole explanation first\n"
                                                            << explain.describe();
    EXPECT_TRUE(has_line_starting_with(lines(explain.out), "would fail: exit status 126: "))
        << explain.describe();
    EXPECT_EQ(first_line(run.err), first_line(explain.err)) << explain.describe();
    EXPECT_TRUE(any_line_contains(explain.err_lines(),
                                  "hint: the policy does not allow execute on the command"))
        << explain.describe();
}

TEST_F(ChecksTest, ExplainJsonCarriesWhatTheRunWouldFailWith) {
    const RunResult r = run_sandbox({"--explain=json", "--ro", "/etc", "--", "ls"});
    EXPECT_EQ(126, r.exit_status) << r.describe();
    const json j = json::parse(r.out);
    ASSERT_TRUE(j.at("would_fail").is_object()) << r.out;
    EXPECT_EQ(126, j["would_fail"].at("status"));
    EXPECT_EQ(first_line(r.err), "sandbox: error: " + j["would_fail"].at("message").get<std::string>());
    EXPECT_FALSE(j["would_fail"].at("hints").empty()) << r.out;

    const RunResult fine =
        run_sandbox(concat({exec_flags(), {"--explain=json", "--", probe_bin(), "read", "/"}}));
    ASSERT_EQ(0, fine.exit_status) << fine.describe();
    EXPECT_TRUE(json::parse(fine.out).at("would_fail").is_null()) << fine.out;
}

// The loader (PT_INTERP) is checked too, not only the command.
TEST_F(ChecksTest, ExplainChecksTheElfInterpreter) {
    make_dir("bin");
    const std::string bin = copy_program(probe_bin(), "bin/probe");
    const Args flags = {"--rox", path("bin"), "--ro", "/etc"};
    const RunResult run = run_sandbox(concat({flags, {"--", bin, "read", "/"}}));
    ASSERT_EQ(126, run.exit_status) << run.describe();
    const RunResult explain = run_sandbox(concat({flags, {"--explain", "--", bin, "read", "/"}}));
    EXPECT_EQ(126, explain.exit_status) << explain.describe();
    EXPECT_EQ(first_line(run.err), first_line(explain.err)) << explain.describe();
    EXPECT_TRUE(any_line_contains(explain.err_lines(), "on the ELF interpreter"))
        << explain.describe();
}

TEST_F(ChecksTest, ExplainEndsLikeTheRunWhenTheCommandIsNotFound) {
    const Args args = {"--ro", "/etc", "--", "no-such-command-sandbox-test"};
    const RunResult run = run_sandbox(args);
    ASSERT_EQ(127, run.exit_status) << run.describe();
    const RunResult explain = run_sandbox(concat({{"--explain"}, args}));
    EXPECT_EQ(127, explain.exit_status) << explain.describe();
    EXPECT_TRUE(contains(explain.out, "filesystem rules:")) << explain.describe();
    EXPECT_EQ(first_line(run.err), first_line(explain.err)) << explain.describe();
    const RunResult as_json = run_sandbox(concat({{"--explain=json"}, args}));
    EXPECT_EQ(127, as_json.exit_status) << as_json.describe();
    EXPECT_EQ(127, json::parse(as_json.out).at("would_fail").at("status")) << as_json.out;
}

// --validate names a required path that does not exist; --strict fails on it.
TEST_F(ChecksTest, ValidateNamesMissingRequiredPaths) {
    const std::string missing = path("not-there");
    const std::string policy = write_policy(
        "p.json", {{"filesystem",
                    {{"ro", {missing, {{"path", path("also-not-there")}, {"optional", true}}}}}}});
    const RunResult run = run_sandbox({"--policy", policy, "--", "/bin/true"});
    ASSERT_EQ(125, run.exit_status) << run.describe();

    const RunResult warn = run_sandbox({"--validate", "--policy", policy});
    EXPECT_EQ(0, warn.exit_status) << warn.describe();
    EXPECT_TRUE(any_line_contains(warn.err_lines(), "warning: required path \"" + missing +
                                                        "\" does not exist"))
        << warn.describe();
    EXPECT_FALSE(contains(warn.err, "also-not-there")) << "optional paths may be missing\n"
                                                       << warn.describe();

    const RunResult strict = run_sandbox({"--validate", "--strict", "--policy", policy});
    EXPECT_EQ(125, strict.exit_status) << strict.describe();
    EXPECT_TRUE(any_line_contains(strict.err_lines(), "error: required path \"" + missing +
                                                          "\" does not exist"))
        << strict.describe();

    const RunResult ignored =
        run_sandbox({"--validate", "--strict", "--ignore-missing", "--policy", policy});
    EXPECT_EQ(0, ignored.exit_status) << "the run would skip it\n" << ignored.describe();

    const RunResult misuse = run_sandbox({"--strict", "--policy", policy, "--", "/bin/true"});
    EXPECT_TRUE(is_launcher_error(misuse)) << misuse.describe();
    EXPECT_TRUE(contains(misuse.err, "--strict only applies to --validate")) << misuse.describe();
}

// A required path of a shipped profile that is missing: the hints name the
// profile and what to do, never "mark it optional" (editing a shipped file).
TEST_F(ChecksTest, ShippedProfileErrorsDoNotSayEditIt) {
    const std::string tmpdir = path("no-such-tmp");
    const RunOptions env = with_env(environment_with({"TMPDIR=" + tmpdir}));
    const RunResult r = run_sandbox({"--profile", "build", "--", "/bin/true"}, env);
    ASSERT_TRUE(is_launcher_error(r)) << r.describe();
    EXPECT_TRUE(contains(r.err, tmpdir)) << r.describe();
    EXPECT_FALSE(contains(r.err, "\"optional\"")) << r.describe();
    EXPECT_TRUE(any_line_contains(
        r.err_lines(), "hint: the profile \"build\" is shipped with sandbox; add what you need "
                       "with flags"))
        << r.describe();
    EXPECT_TRUE(contains(r.err, "~/.config/sandbox/policies/build.json")) << r.describe();

    const RunResult v = run_sandbox({"--validate", "--profile", "build"}, env);
    EXPECT_EQ(0, v.exit_status) << v.describe();
    EXPECT_TRUE(any_line_contains(v.err_lines(), "required path \"" + tmpdir + "\""))
        << v.describe();
    EXPECT_TRUE(any_line_contains(v.err_lines(), "the profile \"build\" is shipped"))
        << v.describe();
}

// PATH finds a shim (a script in $HOME, like pyenv's) while the policy allows
// the real binary of that name: the 126 hint names both.
TEST_F(ChecksTest, ShimOnPathIsNamed) {
    const std::string home = make_dir("home");
    const std::string shims = make_dir("home/.pyenv/shims");
    const std::string shim = make_file("home/.pyenv/shims/probe",
                                       "#!/bin/sh\nexec " + probe_bin() + " \"$@\"\n",
                                       std::filesystem::perms(0755));
    const RunOptions env = with_env(environment_with({"HOME=" + home, "PATH=" + shims + ":/usr/bin:/bin"}));
    const Args args = concat({system_exec_flags(), {"--rox", probe_bin(), "--", "probe", "read", "/"}});
    const std::string expected = "PATH found \"" + shim + "\" (a script running \"/bin/sh\"); "
                                 "the policy allows \"" + probe_bin() +
                                 "\": call it by that path, or put its directory first in PATH";
    const RunResult run = run_sandbox(args, env);
    EXPECT_EQ(126, run.exit_status) << run.describe();
    EXPECT_TRUE(any_line_contains(run.err_lines(), "hint: " + expected)) << run.describe();
    const RunResult explain = run_sandbox(concat({{"--explain"}, args}), env);
    EXPECT_EQ(126, explain.exit_status) << explain.describe();
    EXPECT_TRUE(any_line_contains(explain.err_lines(), "hint: " + expected)) << explain.describe();
}

// -v -v prints what -v prints and more: every rule path opened with its rights,
// and every expansion in the policy files.
TEST_F(ChecksTest, DebugLevelAddsRulePathsAndExpansions) {
    make_dir("data");
    const std::string file = make_file("data/f", "x");
    const std::string policy = write_policy(
        "p.json", {{"filesystem", {{"ro", {"${SANDBOX_CHECKS_DIR}/data"}}}}});
    const RunOptions env = with_env(environment_with({"SANDBOX_CHECKS_DIR=" + dir_.string()}));
    const Args args = concat({exec_flags(), {"--policy", policy, "--", probe_bin(), "read", file}});
    const RunResult info = run_sandbox(concat({{"-v"}, args}), env);
    const RunResult debug = run_sandbox(concat({{"-v", "-v"}, args}), env);
    const RunResult level = run_sandbox(concat({{"--log-level", "debug"}, args}), env);
    ASSERT_EQ(0, info.exit_status) << info.describe();
    ASSERT_EQ(0, debug.exit_status) << debug.describe();
    ASSERT_EQ(0, level.exit_status) << level.describe();
    const std::string opened = "sandbox: debug: opened \"" + path("data") + "\" (directory): allow ";
    const std::string expanded = "\"${SANDBOX_CHECKS_DIR}/data\" expands to \"" + path("data") + "\"";
    EXPECT_FALSE(any_line_contains(info.err_lines(), opened)) << info.describe();
    EXPECT_TRUE(any_line_contains(debug.err_lines(), opened)) << debug.describe();
    EXPECT_TRUE(any_line_contains(debug.err_lines(), expanded)) << debug.describe();
    EXPECT_TRUE(any_line_contains(level.err_lines(), opened)) << level.describe();
    EXPECT_GT(debug.err_lines().size(), info.err_lines().size()) << debug.describe();
}

// -v -v -v adds every system call of the enforcement with its result, on
// every thread (the emulation's helper threads restrict themselves).
TEST_F(ChecksTest, TraceLevelAddsEnforcementSystemCalls) {
    const Args args = concat({exec_flags(), {"--tsync", "emulate", "--threads", "2", "--",
                                             probe_bin(), "read", probe_bin()}});
    const RunResult debug = run_sandbox(concat({{"-vv"}, args}));
    const RunResult trace = run_sandbox(concat({{"-vvv"}, args}));
    const RunResult level = run_sandbox(concat({{"--log-level", "trace"}, args}));
    ASSERT_EQ(0, debug.exit_status) << debug.describe();
    ASSERT_EQ(0, trace.exit_status) << trace.describe();
    ASSERT_EQ(0, level.exit_status) << level.describe();
    EXPECT_FALSE(contains(debug.err, "sandbox: trace: ")) << debug.describe();
    for (const RunResult* r : {&trace, &level}) {
        const auto all = r->err_lines();
        EXPECT_TRUE(any_line_contains(all, "] landlock_create_ruleset({handled_access_fs="))
            << r->describe();
        EXPECT_TRUE(any_line_contains(all, "] landlock_add_rule(")) << r->describe();
        EXPECT_TRUE(any_line_contains(all, "seccomp(SECCOMP_SET_MODE_FILTER")) << r->describe();
        std::size_t nnp = 0;
        std::size_t restrict_ok = 0;
        for (const auto& l : all) {
            nnp += contains(l, "] prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0") ? 1 : 0;
            restrict_ok += contains(l, "] landlock_restrict_self(") && l.ends_with(") = 0") ? 1 : 0;
        }
        // The launcher and its two worker threads, each on its own.
        EXPECT_EQ(3U, nnp) << r->describe();
        EXPECT_EQ(3U, restrict_ok) << r->describe();
    }
}

}  // namespace
}  // namespace sandbox_it

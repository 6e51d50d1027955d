// Exit status and error messages: the target's status passes through; the
// launcher's own failures are 125 (usage, policy, kernel), 126 (cannot execute),
// 127 (not found), each with a "sandbox: error: " line.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "harness.hpp"

namespace sandbox_it {
namespace {

class ExitStatusTest : public SandboxTest {
protected:
    static std::string first_err_line(const RunResult& r) {
        auto all = r.err_lines();
        return all.empty() ? std::string() : all.front();
    }
};

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------
// The target's own status.

TEST_F(ExitStatusTest, TargetStatusPassesThrough) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--", "/bin/sh", "-c", "exit 42"}}));
    EXPECT_EQ(42, r.exit_status) << r.describe();
    EXPECT_EQ("", r.err);
}

TEST_F(ExitStatusTest, TargetSuccessIsZero) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--", "/usr/bin/true"}}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("", r.err);
}

TEST_F(ExitStatusTest, TargetStatusesThatLookLikeLauncherStatusesPassThrough) {
    for (int status : {1, 125, 126, 127}) {
        RunResult r = run_sandbox(
            concat({exec_flags(), {"--", "/bin/sh", "-c", "exit " + std::to_string(status)}}));
        EXPECT_EQ(status, r.exit_status) << r.describe();
        EXPECT_EQ("", r.err) << status;
    }
}

TEST_F(ExitStatusTest, TargetKilledBySignalIsSeenAsSuch) {
    // The launcher execs the target: no parent left to turn a signal into a status.
    RunResult r = run_sandbox(concat({exec_flags(), {"--", "/bin/sh", "-c", "kill -TERM $$"}}));
    EXPECT_EQ(SIGTERM, r.term_signal) << r.describe();
}

// ---------------------------------------------------------------------------
// 127: not found.

TEST_F(ExitStatusTest, MissingCommandPathIs127) {
    const std::string missing = path("no-such-program");
    RunResult r = run_sandbox(concat({exec_flags(), {"--", missing}}));
    EXPECT_EQ(127, r.exit_status) << r.describe();
    EXPECT_EQ("sandbox: error: cannot execute \"" + missing +
                  "\": No such file or directory (ENOENT)",
              first_err_line(r));
}

TEST_F(ExitStatusTest, MissingCommandNameIs127) {
    const std::string name = "sandbox-it-no-such-command";
    RunResult r = run_sandbox(concat({exec_flags(), {"--", name}}),
                              with_env(environment_with({"PATH=" + dir_.string() + ":/usr/bin"})));
    EXPECT_EQ(127, r.exit_status) << r.describe();
    EXPECT_EQ("sandbox: error: cannot find the command \"" + name +
                  "\": No such file or directory (ENOENT)",
              first_err_line(r));
    EXPECT_TRUE(has_line_starting_with(r.err_lines(), "  hint: searched PATH=" + dir_.string() +
                                                          ":/usr/bin"))
        << r.describe();
}

// ---------------------------------------------------------------------------
// 126: found but not executable.

TEST_F(ExitStatusTest, NonExecutableFileIs126) {
    const std::string script = make_file("script.sh", "#!/bin/sh\necho ran\n",
                                         std::filesystem::perms(0644));
    // The policy allows executing it: only the mode stands in the way.
    RunResult r = run_sandbox(concat({exec_flags(), {"--rox", dir_.string(), "--", script}}));
    EXPECT_EQ(126, r.exit_status) << r.describe();
    EXPECT_EQ("", r.out);
    EXPECT_EQ("sandbox: error: cannot execute \"" + script + "\": Permission denied (EACCES)",
              first_err_line(r));
}

TEST_F(ExitStatusTest, DirectoryAsCommandIs126) {
    const std::string dir = make_dir("subdir");
    RunResult r = run_sandbox(concat({exec_flags(), {"--rox", dir_.string(), "--", dir}}));
    EXPECT_EQ(126, r.exit_status) << r.describe();
    EXPECT_TRUE(first_err_line(r).starts_with("sandbox: error: ")) << r.describe();
}

TEST_F(ExitStatusTest, ExecuteNotAllowedByPolicyIs126WithHint) {
    const std::string program = copy_program("/usr/bin/true", "true-copy");
    RunResult r = run_sandbox(concat({exec_flags(), {"--ro", dir_.string(), "--", program}}));
    EXPECT_EQ(126, r.exit_status) << r.describe();
    EXPECT_EQ("sandbox: error: cannot execute \"" + program + "\": Permission denied (EACCES)",
              first_err_line(r));
    bool hint_mentions_execute = false;
    for (const auto& line : r.err_lines()) {
        hint_mentions_execute = hint_mentions_execute ||
                                (line.starts_with("  hint: ") && contains(line, "execute") &&
                                 contains(line, program));
    }
    EXPECT_TRUE(hint_mentions_execute) << r.describe();
}

TEST_F(ExitStatusTest, InterpreterNotAllowedIs126WithHint) {
    // The command is allowed, its ELF interpreter is not.
    const std::string program = copy_program("/usr/bin/true", "true-copy");
    RunResult r = run_sandbox({"--rox", dir_.string(), "--", program});
    EXPECT_EQ(126, r.exit_status) << r.describe();
    bool hint_names_interpreter = false;
    for (const auto& line : r.err_lines()) {
        hint_names_interpreter = hint_names_interpreter ||
                                 (line.starts_with("  hint: ") && contains(line, "interpreter"));
    }
    EXPECT_TRUE(hint_names_interpreter) << r.describe();
}

TEST_F(ExitStatusTest, ScriptInterpreterNotAllowedIs126WithHint) {
    const std::string script =
        make_file("script.sh", "#!/bin/sh\necho ran\n", std::filesystem::perms(0755));
    RunResult r = run_sandbox({"--rox", dir_.string(), "--", script});
    EXPECT_EQ(126, r.exit_status) << r.describe();
    EXPECT_EQ("", r.out);
    bool hint_names_interpreter = false;
    for (const auto& line : r.err_lines()) {
        hint_names_interpreter = hint_names_interpreter ||
                                 (line.starts_with("  hint: ") && contains(line, "\"/bin/sh\"") &&
                                  contains(line, "execute"));
    }
    EXPECT_TRUE(hint_names_interpreter) << r.describe();
}

TEST_F(ExitStatusTest, AddExecLddRunsAScript) {
    const std::string script =
        make_file("script.sh", "#!/bin/sh\necho ran\n", std::filesystem::perms(0755));
    RunResult r = run_sandbox({"--add-exec", "--ldd", "--", script});
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("ran\n", r.out);
}

// ---------------------------------------------------------------------------
// --add-exec / --ldd: the command and its loader and libraries, nothing else.

TEST_F(ExitStatusTest, AddExecLddRunsTrueWithNoOtherRule) {
    RunResult r = run_sandbox({"--add-exec", "--ldd", "--", "/usr/bin/true"});
    EXPECT_EQ(0, r.exit_status) << r.describe();
}

TEST_F(ExitStatusTest, AddExecLddRunsTheProbe) {
    const std::string file = make_file("f", "x");
    const std::string other = make_file("g", "y");
    RunResult r = run_sandbox(
        {"--add-exec", "--ldd", "--ro", file, "--", probe_bin(), "read", file});
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("OK\n", r.out);
    // Still deny by default.
    r = run_sandbox({"--add-exec", "--ldd", "--ro", file, "--", probe_bin(), "read", other});
    EXPECT_EQ("EACCES\n", r.out) << r.describe();
}

TEST_F(ExitStatusTest, WithoutAddExecTheCommandCannotRun) {
    RunResult r = run_sandbox({"--", "/usr/bin/true"});
    EXPECT_EQ(126, r.exit_status) << r.describe();
    EXPECT_TRUE(first_err_line(r).starts_with("sandbox: error: cannot execute \"/usr/bin/true\""))
        << r.describe();
}

TEST_F(ExitStatusTest, AddExecWithoutLddLacksTheInterpreter) {
    RunResult r = run_sandbox({"--add-exec", "--", "/usr/bin/true"});
    EXPECT_EQ(126, r.exit_status) << r.describe();
}

// ---------------------------------------------------------------------------
// 125: the launcher's own failures. Nothing runs.

TEST_F(ExitStatusTest, UnknownOptionIs125) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--no-such-option"}, marker_rule(), marker_command()}));
    EXPECT_TRUE(is_launcher_error(r));
    EXPECT_TRUE(contains(first_err_line(r), "--no-such-option")) << r.describe();
    EXPECT_FALSE(ran());
}

TEST_F(ExitStatusTest, UnknownTsyncModeIs125) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--tsync", "sometimes"}, marker_rule(), marker_command()}));
    EXPECT_TRUE(is_launcher_error(r));
    EXPECT_TRUE(contains(first_err_line(r), "--tsync")) << r.describe();
    EXPECT_FALSE(ran());
}

TEST_F(ExitStatusTest, NoCommandIs125) {
    RunResult r = run_sandbox(exec_flags());
    EXPECT_TRUE(is_launcher_error(r));
}

TEST_F(ExitStatusTest, BadPortIs125) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--connect-tcp", "65536"}, marker_rule(), marker_command()}));
    EXPECT_TRUE(is_launcher_error(r));
    EXPECT_FALSE(ran());
}

TEST_F(ExitStatusTest, MissingRulePathIs125) {
    const std::string missing = path("missing");
    RunResult r = run_sandbox(concat({exec_flags(), {"--ro", missing}, marker_rule(), marker_command()}));
    EXPECT_TRUE(is_launcher_error(r));
    const std::string first = first_err_line(r);
    EXPECT_TRUE(contains(first, "cannot open \"" + missing + "\" for a rule")) << first;
    EXPECT_TRUE(contains(first, "ENOENT")) << first;
    EXPECT_FALSE(ran());
}

TEST_F(ExitStatusTest, PolicyJsonSyntaxErrorIs125) {
    const std::string policy = make_file("bad.json", "{\"filesystem\": {\n");
    RunResult r = run_sandbox(concat({exec_flags(), {"--policy", policy}, marker_rule(), marker_command()}));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    const auto err = r.err_lines();
    // The diagnostic points into the file (1-based line and column).
    EXPECT_TRUE(has_line_starting_with(err, policy + ":2:1: error: ")) << r.describe();
    EXPECT_TRUE(has_line_starting_with(err, "sandbox: error: ")) << r.describe();
    // Every launcher failure carries a hint, syntax errors included.
    EXPECT_TRUE(has_line_starting_with(err, "  hint: ")) << r.describe();
    EXPECT_FALSE(ran());
}

TEST_F(ExitStatusTest, PolicySemanticErrorIs125) {
    const std::string policy = make_file(
        "bad.json", "{\"filesystem\": {\"rules\": [{\"path\": \"/usr\", \"access\": [\"raed_file\"]}]}}\n");
    RunResult r = run_sandbox(concat({exec_flags(), {"--policy", policy}, marker_rule(), marker_command()}));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_TRUE(has_line_starting_with(r.err_lines(), policy + ":1:")) << r.describe();
    EXPECT_TRUE(contains(r.err, "raed_file")) << r.describe();
    EXPECT_TRUE(has_line_starting_with(r.err_lines(), "sandbox: error: ")) << r.describe();
    EXPECT_FALSE(ran());
}

TEST_F(ExitStatusTest, MissingPolicyFileIs125) {
    RunResult r = run_sandbox(
        concat({exec_flags(), {"--policy", path("missing.json")}, marker_rule(), marker_command()}));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_TRUE(contains(r.err, path("missing.json"))) << r.describe();
    EXPECT_FALSE(ran());
}

TEST_F(ExitStatusTest, MinAbiAboveKernelIs125) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--min-abi", "99"}, marker_rule(), marker_command()}));
    // A kernel shortfall, not a policy diagnostic: "sandbox: error: ..." first.
    EXPECT_TRUE(is_launcher_error(r));
    EXPECT_TRUE(contains(r.err, "99")) << r.describe();
    EXPECT_FALSE(ran());
}

TEST_F(ExitStatusTest, MinAbiAtKernelRuns) {
    RunResult r = run_sandbox(
        concat({exec_flags(), {"--min-abi", std::to_string(launcher_abi())}, marker_rule(), marker_command()}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_TRUE(ran());
}

TEST_F(ExitStatusTest, KeepFdThatIsNotOpenIs125) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--keep-fd", "9"}, marker_rule(), marker_command()}));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_TRUE(first_err_line(r).starts_with("sandbox: error: ")) << r.describe();
    EXPECT_TRUE(contains(first_err_line(r), "EBADF")) << r.describe();
    EXPECT_FALSE(ran());
}

// Output that cannot be written is a failure, not a silent exit 0.
TEST_F(ExitStatusTest, OutputToAFullDeviceIs125) {
    const int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(full, 3);
    for (const Args& args : {Args{"--features"}, Args{"--features=json"}, Args{"--version"},
                             concat({exec_flags(), {"--explain", "--", "true"}})}) {
        RunOptions options;
        options.fds = {{1, full}};
        RunResult r = run_sandbox(args, options);
        EXPECT_EQ(125, r.exit_status) << args.front() << ": " << r.describe();
        EXPECT_EQ("sandbox: error: cannot write the output: No space left on device (ENOSPC)",
                  first_err_line(r))
            << r.describe();
    }
    close(full);
}

}  // namespace
}  // namespace sandbox_it

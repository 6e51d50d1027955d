// Command-line misuse: what follows the command (or "--") reaches it
// untouched and never through a shell; unknown options, missing values, values
// given to flags, empty list items, repeated singletons and malformed numbers
// are usage errors (exit 125, exact message, nothing run).
#include <string>

#include "harness.hpp"

namespace sandbox_it {
namespace {

const char* const kPrintf = "/usr/bin/printf";

class CliTest : public SandboxTest {
protected:
    void SetUp() override {
        SandboxTest::SetUp();
        make_dir("w");
    }
    void expect_usage_error(const RunResult& r, const std::string& first) {
        EXPECT_TRUE(is_launcher_error(r));
        ASSERT_FALSE(r.err_lines().empty()) << r.describe();
        EXPECT_EQ(first, r.err_lines().front());
        EXPECT_EQ("", r.out);
        EXPECT_FALSE(ran()) << "the command ran after a usage error";
    }
};

// Launcher options after "--" are the command's arguments, unparsed.
TEST_F(CliTest, OptionsAfterDashDashReachTheCommand) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--", kPrintf, "%s\n", "--ro", "/", "--rw",
                                                     "/", "-v", "--policy", "x", "--", "--help"}}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("--ro\n/\n--rw\n/\n-v\n--policy\nx\n--\n--help\n", r.out);
}

// ... and have no effect on the policy: "--ro /" after "--" grants nothing.
TEST_F(CliTest, OptionsAfterDashDashGrantNothing) {
    EXPECT_EQ("EACCES", probe({}, {"read", "/etc/passwd", "--ro", "/"}));
}

// Without "--", the first word that is not an option starts the command.
TEST_F(CliTest, OptionsAfterTheCommandGrantNothing) {
    RunResult r = run_sandbox(concat({exec_flags(), {probe_bin(), "read", "/etc/passwd", "--ro", "/"}}));
    EXPECT_EQ(1, r.exit_status) << r.describe();
    EXPECT_EQ("EACCES\n", r.out);
}

// A command whose name starts with "-" runs after "--" (found in PATH).
TEST_F(CliTest, CommandStartingWithDashAfterDashDash) {
    copy_program(probe_bin(), "w/-probe");
    RunResult r = run_sandbox(concat({exec_flags(), {"--rox", path("w"), "--", "-probe", "read",
                                                     "/etc/passwd"}}),
                              with_env(environment_with({"PATH=" + path("w") + ":/usr/bin"})));
    EXPECT_EQ(1, r.exit_status) << r.describe();
    EXPECT_EQ("EACCES\n", r.out);
}

// ... but without "--" it is an unknown option, not a command.
TEST_F(CliTest, CommandStartingWithDashWithoutDashDash) {
    expect_usage_error(run_sandbox(concat({exec_flags(), {"-probe", "read", "/etc/passwd"}})),
                       "sandbox: error: unknown option \"-probe\"");
}

TEST_F(CliTest, MissingValueAtTheEnd) {
    expect_usage_error(run_sandbox({"--ro"}), "sandbox: error: --ro: missing PATH");
    expect_usage_error(run_sandbox({"--policy"}), "sandbox: error: --policy: missing FILE");
    expect_usage_error(run_sandbox({"--min-abi"}), "sandbox: error: --min-abi: missing N");
}

// An unknown option is refused, not skipped, even with the command after it.
TEST_F(CliTest, UnknownOption) {
    expect_usage_error(run_sandbox(concat({exec_flags(), {"--rw", path("w"), "--read-only", "/"},
                                           marker_command()})),
                       "sandbox: error: unknown option \"--read-only\"");
}

// A flag takes no value: "--best-effort=0" does not mean "strict".
TEST_F(CliTest, FlagWithAValue) {
    expect_usage_error(
        run_sandbox(concat({exec_flags(), {"--rw", path("w"), "--best-effort=0"}, marker_command()})),
        "sandbox: error: --best-effort: takes no value, but \"0\" was given");
}

// An empty item in a comma list is a mistake (a missing variable in a
// script?), never silently dropped.
TEST_F(CliTest, EmptyListItemIsRefused) {
    expect_usage_error(
        run_sandbox(concat({exec_flags(), {"--rw", path("w") + ",,/tmp"}, marker_command()})),
        "sandbox: error: --rw: empty item in \"" + path("w") + ",,/tmp\"");
    expect_usage_error(
        run_sandbox(concat({exec_flags(), {"--rw", path("w"), "--ro", "/usr,"}, marker_command()})),
        "sandbox: error: --ro: empty item in \"/usr,\"");
}

// Like getopt, an option that needs a value takes the next word, even "--":
// the run fails closed instead of reading "--" as the separator.
TEST_F(CliTest, DashDashAsAValueFailsClosed) {
    expect_usage_error(run_sandbox(concat({{"--keep-fd"}, marker_command()})),
                       "sandbox: error: --keep-fd: \"--\" is not a number from 0 to 1073741824");
    RunResult r = run_sandbox(concat({exec_flags(), {"--rw", path("w"), "--ro"}, marker_command()}));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    ASSERT_FALSE(r.err_lines().empty());
    EXPECT_EQ("sandbox: error: cannot open \"--\" for a rule: No such file or directory (ENOENT)",
              r.err_lines().front());
    EXPECT_FALSE(ran());
}

TEST_F(CliTest, EmptyPathIsRefused) {
    expect_usage_error(run_sandbox(concat({exec_flags(), {"--ro", ""}, marker_command()})),
                       "sandbox: error: --ro: empty path");
}

TEST_F(CliTest, NoCommand) {
    expect_usage_error(run_sandbox({"--ro", "/usr"}), "sandbox: error: no command given");
    expect_usage_error(run_sandbox({"--ro", "/usr", "--"}), "sandbox: error: no command given");
}

// Singletons given twice are errors, even with the same value: never a
// silent "last one wins" that could weaken what a script meant.
struct RepeatCase {
    const char* name;
    std::vector<std::string> args;
    const char* message;
};
void PrintTo(const RepeatCase& c, std::ostream* os) { *os << c.name; }
class RepeatedSingleton : public CliTest, public ::testing::WithParamInterface<RepeatCase> {};

TEST_P(RepeatedSingleton, IsAUsageError) {
    const RepeatCase& c = GetParam();
    expect_usage_error(run_sandbox(concat({exec_flags(), {"--rw", path("w")}, c.args, marker_command()})),
                       c.message);
}

// clang-format off
const RepeatCase kRepeatCases[] = {
    {"tsync", {"--tsync", "auto", "--tsync", "emulate"}, "sandbox: error: --tsync: given more than once"},
    {"tsync_same_value", {"--tsync", "auto", "--tsync", "auto"}, "sandbox: error: --tsync: given more than once"},
    {"min_abi", {"--min-abi", "1", "--min-abi", "99"}, "sandbox: error: --min-abi: given more than once"},
    {"threads", {"--threads", "1", "--threads=2"}, "sandbox: error: --threads: given more than once"},
    {"log_level", {"--log-level", "info", "--log-level", "off"}, "sandbox: error: --log-level: given more than once"},
    {"explain", {"--explain=json", "--explain"}, "sandbox: error: --explain: given more than once"},
};
// clang-format on
INSTANTIATE_TEST_SUITE_P(Cli, RepeatedSingleton, ::testing::ValuesIn(kRepeatCases),
                         [](const auto& p) { return std::string(p.param.name); });

// Numbers: range-checked before narrowing, no hex, no spaces.
struct NumberCase {
    const char* name;
    std::vector<std::string> args;
    const char* message;
};
void PrintTo(const NumberCase& c, std::ostream* os) { *os << c.name; }
class BadNumber : public CliTest, public ::testing::WithParamInterface<NumberCase> {};

TEST_P(BadNumber, IsAUsageError) {
    const NumberCase& c = GetParam();
    expect_usage_error(run_sandbox(concat({exec_flags(), {"--rw", path("w")}, c.args, marker_command()})),
                       c.message);
}

// clang-format off
const NumberCase kNumberCases[] = {
    {"bind_65536", {"--bind-tcp", "65536"}, "sandbox: error: --bind-tcp: \"65536\" is not a number from 0 to 65535"},
    {"bind_minus_1", {"--bind-tcp", "-1"}, "sandbox: error: --bind-tcp: \"-1\" is not a number from 0 to 65535"},
    {"bind_70000", {"--bind-tcp", "70000"}, "sandbox: error: --bind-tcp: \"70000\" is not a number from 0 to 65535"},
    {"bind_in_list", {"--bind-tcp", "80,70000"}, "sandbox: error: --bind-tcp: \"70000\" is not a number from 0 to 65535"},
    {"connect_0", {"--connect-tcp", "0"}, "sandbox: error: --connect-tcp: \"0\" is not a number from 1 to 65535"},
    {"connect_hex", {"--connect-tcp", "0x50"}, "sandbox: error: --connect-tcp: \"0x50\" is not a number from 1 to 65535"},
    {"connect_space", {"--connect-tcp", " 80"}, "sandbox: error: --connect-tcp: \" 80\" is not a number from 1 to 65535"},
    {"connect_wraps", {"--connect-tcp", "4294967376"}, "sandbox: error: --connect-tcp: \"4294967376\" is not a number from 1 to 65535"},
    {"min_abi_0", {"--min-abi", "0"}, "sandbox: error: --min-abi: \"0\" is not a number from 1 to 99"},
    {"keep_fd_negative", {"--keep-fd", "-3"}, "sandbox: error: --keep-fd: \"-3\" is not a number from 0 to 1073741824"},
};
// clang-format on
INSTANTIATE_TEST_SUITE_P(Cli, BadNumber, ::testing::ValuesIn(kNumberCases),
                         [](const auto& p) { return std::string(p.param.name); });

// 100 000 arguments reach the command, in order.
TEST_F(CliTest, HundredThousandArguments) {
    Args args = concat({exec_flags(), {"--", kPrintf, "%s\n"}});
    std::string expected;
    for (int i = 0; i < 100000; ++i) {
        args.push_back("a" + std::to_string(i));
        expected += args.back() + "\n";
    }
    RunResult r = run_sandbox(args);
    EXPECT_EQ(0, r.exit_status) << r.err;
    EXPECT_TRUE(r.out == expected) << "output differs; " << r.out.size() << " bytes";
}

// Shell metacharacters are plain bytes: no shell ever sees them.
TEST_F(CliTest, MetacharactersPassLiterally) {
    const Args words = {"a;b", "|", "$(touch " + path("w/marker") + ")", "`id`", "&&", ">" + path("w/marker"),
                        "*", "$HOME", "'\"", "", "\\n"};
    RunResult r = run_sandbox(concat({exec_flags(), {"--rw", path("w"), "--", kPrintf, "[%s]\n"}, words}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    std::string expected;
    for (const auto& w : words) {
        expected += "[" + w + "]\n";
    }
    EXPECT_EQ(expected, r.out);
    EXPECT_FALSE(ran());
}

// A command name with metacharacters is a file name, looked up as such.
TEST_F(CliTest, MetacharactersInTheCommandName) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--rw", path("w"), "--", "true;>marker"}}));
    EXPECT_EQ(127, r.exit_status) << r.describe();
    ASSERT_FALSE(r.err_lines().empty());
    EXPECT_EQ("sandbox: error: cannot find the command \"true;>marker\": No such file or directory "
              "(ENOENT)",
              r.err_lines().front());
    EXPECT_FALSE(exists("marker"));
}

}  // namespace
}  // namespace sandbox_it

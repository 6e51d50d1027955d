#include <gtest/gtest.h>

#include <map>
#include <set>

#include "policy/flags.hpp"

namespace sandbox {
namespace {

EnvLookup env_with_home() {
    return [](std::string_view name) -> std::optional<std::string> {
        if (name == "HOME") {
            return "/home/u";
        }
        return std::nullopt;
    };
}

CommandLine parse(std::vector<std::string> args) {
    args.insert(args.begin(), "sandbox");
    std::vector<const char*> argv;
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), env_with_home());
}

/// The message of the usage error that parsing args throws ("" if none).
std::string usage_error(std::vector<std::string> args) {
    try {
        parse(std::move(args));
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

std::vector<std::string> paths_of(const CommandLine& cl, Group g) {
    std::vector<std::string> out;
    for (const auto& r : cl.flag_policy.paths) {
        if (r.group == g) {
            out.push_back(r.path);
        }
    }
    return out;
}

CommandLine parse_where(std::vector<std::string> args, std::set<std::string> existing) {
    args.insert(args.begin(), "sandbox");
    std::vector<const char*> argv;
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    return parse_command_line(
        static_cast<int>(argv.size()), argv.data(),
        {env_with_home(), [existing](const std::string& p) { return existing.count(p) > 0; }});
}

/// A comma must never widen a grant (issue 13 item 2): a value that names an
/// existing path is one item; a split list needs absolute pieces.
TEST(Flags, CommaInsideAnExistingPathIsNotSplit) {
    CommandLine cl = parse_where({"--rw", "/w/x,..", "--ro", "~/a,b", "true"},
                                 {"/w/x,..", "/home/u/a,b"});
    EXPECT_EQ(paths_of(cl, Group::Rw), (std::vector<std::string>{"/w/x,.."}));
    EXPECT_EQ(paths_of(cl, Group::Ro), (std::vector<std::string>{"/home/u/a,b"}));
    // Relative, existing as a whole: one relative item.
    cl = parse_where({"--rw", "x,..", "true"}, {"x,.."});
    EXPECT_EQ(paths_of(cl, Group::Rw), (std::vector<std::string>{"x,.."}));
}

TEST(Flags, SplitPiecesMustBeAbsolute) {
    EXPECT_EQ(usage_error({"--rw", "/w/x,..", "true"}),
              "--rw: \"..\" in the list \"/w/x,..\" is not an absolute path (no such path "
              "\"/w/x,..\" exists either, so the value was split at its commas)");
    EXPECT_NE(usage_error({"--ro", "a,/b", "true"}), "");
    EXPECT_NE(usage_error({"--unix", "/run/a,sock", "true"}), "");
    EXPECT_NE(usage_error({"--policy", "a.json,b.json", "true"}), "");
    EXPECT_EQ(usage_error({"--ro", "/a,,/b", "true"}), "--ro: empty item in \"/a,,/b\"");
    // "~/" pieces are absolute once expanded; library names may be bare.
    CommandLine cl = parse({"--ro", "~/a,~/b", "--preload", "libm.so.6,/x/libz.so", "true"});
    EXPECT_EQ(paths_of(cl, Group::Ro), (std::vector<std::string>{"/home/u/a", "/home/u/b"}));
    EXPECT_EQ(cl.preload, (std::vector<std::string>{"libm.so.6", "/x/libz.so"}));
    EXPECT_NE(usage_error({"--preload", "libm.so.6,./evil.so", "true"}), "");
}

TEST(Flags, UnixIsAnExplicitRequestAndHasAnOptOut) {
    CommandLine cl = parse({"--unix", "/run/agent.sock", "--unrestricted-unix", "true"});
    ASSERT_EQ(cl.flag_policy.paths.size(), 1U);
    const PathRule& r = cl.flag_policy.paths[0];
    EXPECT_EQ(r.access, FsAccess{AccessFs::ResolveUnix});
    EXPECT_EQ(r.origin, RightsOrigin::Explicit);
    EXPECT_EQ(r.group, Group::Unix);
    EXPECT_TRUE(cl.flag_policy.unrestricted_unix);
    EXPECT_TRUE(cl.flag_policy.allows_unix_sockets());
}

/// --deny is a path list like --ro: repeatable, the comma rule, "~/" expanded.
TEST(Flags, ReportDenials) {
    CommandLine text = parse({"--report-denials", "true"});
    ASSERT_TRUE(text.report.has_value());
    EXPECT_EQ(OutputFormat::Text, *text.report);
    EXPECT_EQ("", text.report_to);
    CommandLine json = parse({"--report-denials=json", "--report-to", "/tmp/r.json", "true"});
    EXPECT_EQ(OutputFormat::Json, *json.report);
    EXPECT_EQ("/tmp/r.json", json.report_to);
    // "--report-denials json": json is the command, as for --explain.
    CommandLine cmd = parse({"--report-denials", "json"});
    EXPECT_EQ(OutputFormat::Text, *cmd.report);
    EXPECT_EQ(std::vector<std::string>{"json"}, cmd.command);
    EXPECT_FALSE(parse({"true"}).report.has_value());
    EXPECT_NE("", usage_error({"--report-denials=xml", "true"}));
    EXPECT_NE("", usage_error({"--report-denials", "--explain", "true"}));
    EXPECT_NE("", usage_error({"--report-denials", "--validate"}));
    EXPECT_NE("", usage_error({"--report-to", "/tmp/r", "true"}));
    EXPECT_NE("", usage_error({"--report-denials", "--report-to=", "true"}));
}

TEST(Flags, Learn) {
    CommandLine cl = parse({"--learn", "p.json", "--profile", "shell", "--", "make"});
    ASSERT_TRUE(cl.learn.has_value());
    EXPECT_EQ("p.json", *cl.learn);
    EXPECT_FALSE(cl.learn_check);
    EXPECT_EQ(std::vector<std::string>{"make"}, cl.command);
    EXPECT_TRUE(parse({"--learn=p.json", "--learn-check", "make"}).learn_check);
    EXPECT_FALSE(parse({"true"}).learn.has_value());
    EXPECT_EQ("--learn-check only applies to --learn", usage_error({"--learn-check", "true"}));
    EXPECT_EQ("--learn: empty FILE", usage_error({"--learn=", "true"}));
    EXPECT_NE("", usage_error({"--learn", "p.json", "--explain", "true"}));
    EXPECT_NE("", usage_error({"--learn", "p.json", "--report-denials", "true"}));
    EXPECT_NE("", usage_error({"--learn", "a.json", "--learn", "b.json", "true"}));
    EXPECT_NE("", usage_error({"--learn"}));
}

TEST(Flags, DenyIsAPathList) {
    CommandLine cl = parse({"--rw", "~", "--deny", "~/.ssh", "--deny=/a,/b", "true"});
    ASSERT_EQ(cl.flag_policy.denies.size(), 3U);
    EXPECT_EQ(cl.flag_policy.denies[0].path, "/home/u/.ssh");
    EXPECT_EQ(cl.flag_policy.denies[0].source.to_string(), "command line (--deny /home/u/.ssh)");
    EXPECT_FALSE(cl.flag_policy.denies[0].optional);
    EXPECT_EQ(cl.flag_policy.denies[2].path, "/b");
    ASSERT_EQ(cl.flag_policy.paths.size(), 1U);  // a deny is not a rule
    EXPECT_NE(usage_error({"--deny", "/a,b", "true"}), "");
    EXPECT_EQ(usage_error({"--deny", "", "true"}), "--deny: empty path");
    cl = parse_where({"--deny", "/w/x,y", "true"}, {"/w/x,y"});
    ASSERT_EQ(cl.flag_policy.denies.size(), 1U);
    EXPECT_EQ(cl.flag_policy.denies[0].path, "/w/x,y");
}

TEST(Flags, PathsRepeatableAndCommaLists) {
    CommandLine cl = parse({"--ro", "/a,/b", "--ro", "/c", "--rw=/d", "--rox", "~/bin", "--rwx",
                            "rel", "--", "ls", "-l"});
    EXPECT_EQ(paths_of(cl, Group::Ro), (std::vector<std::string>{"/a", "/b", "/c"}));
    EXPECT_EQ(paths_of(cl, Group::Rw), (std::vector<std::string>{"/d"}));
    EXPECT_EQ(paths_of(cl, Group::Rox), (std::vector<std::string>{"/home/u/bin"}));
    EXPECT_EQ(paths_of(cl, Group::Rwx), (std::vector<std::string>{"rel"}));
    EXPECT_EQ(cl.command, (std::vector<std::string>{"ls", "-l"}));
    EXPECT_EQ(cl.action, Action::Run);
    const PathRule& first = cl.flag_policy.paths.front();
    EXPECT_EQ(first.access, group_rights(Group::Ro));
    EXPECT_EQ(first.origin, RightsOrigin::Group);
    EXPECT_EQ(first.source.to_string(), "command line (--ro /a)");
}

TEST(Flags, NothingAfterTheCommandIsParsed) {
    CommandLine cl = parse({"--ro", "/usr", "env", "--ro", "/x", "--", "-v"});
    EXPECT_EQ(cl.command, (std::vector<std::string>{"env", "--ro", "/x", "--", "-v"}));
    EXPECT_EQ(cl.flag_policy.paths.size(), 1U);
    EXPECT_EQ(cl.log_level, "warning");
}

TEST(Flags, DashDashProtectsCommandsStartingWithDash) {
    CommandLine cl = parse({"--ro", "/usr", "--", "--weird-command", "--ro"});
    EXPECT_EQ(cl.command, (std::vector<std::string>{"--weird-command", "--ro"}));
}

TEST(Flags, Ports) {
    CommandLine cl = parse({"--connect-tcp", "80,443", "--bind-tcp", "0", "--bind-tcp", "8080",
                            "true"});
    ASSERT_EQ(cl.flag_policy.ports.size(), 4U);
    EXPECT_EQ(cl.flag_policy.ports[0].port, 0);
    EXPECT_EQ(cl.flag_policy.ports[0].right, AccessNet::BindTcp);
    EXPECT_EQ(cl.flag_policy.ports[3].port, 443);
    EXPECT_EQ(cl.flag_policy.ports[3].right, AccessNet::ConnectTcp);
}

TEST(Flags, BadPortsAreUsageErrors) {
    for (const char* bad : {"0", "65536", "-1", "80x", "", "1e3", "99999999999999999999"}) {
        EXPECT_THROW(parse({"--connect-tcp", bad, "true"}), UsageError) << bad;
    }
    EXPECT_THROW(parse({"--bind-tcp", "65536", "true"}), UsageError);
    EXPECT_NO_THROW(parse({"--bind-tcp", "65535", "true"}));
}

TEST(Flags, Unrestricted) {
    CommandLine cl = parse({"--unrestricted-filesystem", "--unrestricted-network",
                            "--unrestricted-scope", "signal", "true"});
    EXPECT_TRUE(cl.flag_policy.unrestricted_filesystem);
    EXPECT_TRUE(cl.flag_policy.unrestricted_network);
    EXPECT_EQ(cl.flag_policy.unrestricted_scopes, ScopeSet{Scope::Signal});
    cl = parse({"--unrestricted-scoped", "true"});
    EXPECT_EQ(cl.flag_policy.unrestricted_scopes, all_rights<Scope>());
    EXPECT_THROW(parse({"--unrestricted-scope", "ptrace", "true"}), UsageError);
}

// The --policy files come first, then the --profile names, each in order.
TEST(Flags, PoliciesAndProfilesKeepOrder) {
    CommandLine cl = parse({"--policy", "a.json", "--profile", "curl", "--policy", "b.json", "true"});
    ASSERT_EQ(cl.policies.size(), 3U);
    EXPECT_EQ(cl.policies[0].name, "a.json");
    EXPECT_EQ(cl.policies[0].kind, PolicyRef::Kind::File);
    EXPECT_EQ(cl.policies[0].requested_at.to_string(), "command line (--policy a.json)");
    EXPECT_EQ(cl.policies[1].name, "b.json");
    EXPECT_EQ(cl.policies[2].requested_at.to_string(), "command line (--profile curl)");
    EXPECT_EQ(cl.policies[2].name, "curl");
    EXPECT_EQ(cl.policies[2].kind, PolicyRef::Kind::Profile);
}

TEST(Flags, Actions) {
    EXPECT_EQ(parse({"--explain", "true"}).action, Action::Explain);
    CommandLine cl = parse({"--explain=json", "--ro", "/usr"});
    EXPECT_EQ(cl.action, Action::Explain);
    EXPECT_EQ(cl.format, OutputFormat::Json);
    // --explain takes its format only with '=': the next word is the command.
    cl = parse({"--explain", "json"});
    EXPECT_EQ(cl.format, OutputFormat::Text);
    EXPECT_EQ(cl.command, (std::vector<std::string>{"json"}));
    EXPECT_EQ(parse({"--features=json"}).format, OutputFormat::Json);
    EXPECT_EQ(parse({"--features"}).action, Action::Features);
    EXPECT_EQ(parse({"--validate", "--policy", "p.json"}).action, Action::Validate);
    EXPECT_EQ(parse({"--version"}).action, Action::Version);
    EXPECT_EQ(parse({"--help"}).action, Action::Help);
    EXPECT_THROW(parse({"--explain=yaml", "true"}), UsageError);
    EXPECT_THROW(parse({"--explain", "--features"}), UsageError);
}

TEST(Flags, RunNeedsACommand) {
    EXPECT_THROW(parse({"--ro", "/usr"}), UsageError);
    EXPECT_THROW(parse({"--ro", "/usr", "--"}), UsageError);
}

TEST(Flags, UsageErrors) {
    EXPECT_THROW(parse({"--min-abi", "x", "true"}), UsageError);
    EXPECT_THROW(parse({"--min-abi", "0", "true"}), UsageError);
    EXPECT_THROW(parse({"--keep-fd", "-3", "true"}), UsageError);
    EXPECT_THROW(parse({"--log-level", "loud", "true"}), UsageError);
    EXPECT_THROW(parse({"--env", "=x", "true"}), UsageError);
    EXPECT_THROW(parse({"--unsetenv", "A=B", "true"}), UsageError);
    EXPECT_THROW(parse({"--ro", "", "true"}), UsageError);
    for (const char* option : {"--tsync", "--threads", "--min-abi", "--log-level", "--keep-fd",
                               "--preload", "--connect-tcp"}) {
        EXPECT_THROW(parse({option, "", "true"}), UsageError) << option;
    }
}

TEST(Flags, Options) {
    CommandLine cl = parse({"--best-effort", "--min-abi", "4", "--ignore-missing", "--ldd",
                            "--keep-fd", "5,7", "--log-new-exec-on", "--log-subdomains-off",
                            "-vv", "true"});
    EXPECT_EQ(cl.tolerance, Tolerance::BestEffort);
    EXPECT_EQ(cl.min_abi, 4);
    EXPECT_TRUE(cl.ignore_missing);
    EXPECT_TRUE(cl.ldd);
    EXPECT_TRUE(cl.add_exec);  // --ldd implies --add-exec
    EXPECT_EQ(cl.keep_fds, (std::vector<int>{5, 7}));
    EXPECT_EQ(cl.log_flags, (LogFlags{LogFlag::NewExecOn, LogFlag::SubdomainsOff}));
    EXPECT_EQ(cl.log_level, "debug");
    EXPECT_EQ(parse({"--log-level", "error", "-v", "true"}).log_level, "error");
}

TEST(Flags, Threads) {
    CommandLine cl = parse({"--tsync", "emulate", "--threads", "8", "--preload", "/a.so,~/b.so",
                            "true"});
    EXPECT_EQ(cl.tsync, Tsync::Emulate);
    EXPECT_EQ(cl.threads, 8);
    EXPECT_EQ(cl.preload, (std::vector<std::string>{"/a.so", "/home/u/b.so"}));
    EXPECT_EQ(parse({"true"}).tsync, Tsync::Auto);
    EXPECT_EQ(parse({"--tsync", "kernel", "true"}).tsync, Tsync::Kernel);
    EXPECT_THROW(parse({"--tsync", "always", "true"}), UsageError);
    EXPECT_THROW(parse({"--threads", "-1", "true"}), UsageError);
    EXPECT_THROW(parse({"--threads", "5000", "true"}), UsageError);
}

TEST(Flags, Environment) {
    CommandLine cl = parse({"--clearenv", "--env", "A=1,2", "--env", "KEEP", "--unsetenv", "B",
                            "true"});
    const EnvPolicy& env = cl.flag_policy.env;
    EXPECT_TRUE(env.clear);
    ASSERT_EQ(env.set.size(), 2U);
    EXPECT_EQ(env.set[0].key, "A");
    EXPECT_EQ(env.set[0].value, "1,2");  // values may contain commas
    EXPECT_EQ(env.set[1].key, "KEEP");
    EXPECT_FALSE(env.set[1].value.has_value());
    EXPECT_EQ(env.unset, (std::vector<std::string>{"B"}));
}

TEST(Flags, ListsTakeEqualsValuesAndAccumulate) {
    CommandLine cl = parse({"--ro=/a,/b", "--ro=/c", "--ro", "/d", "--env=A=1,2", "--env", "B=,",
                            "true"});
    EXPECT_EQ(paths_of(cl, Group::Ro), (std::vector<std::string>{"/a", "/b", "/c", "/d"}));
    ASSERT_EQ(cl.flag_policy.env.set.size(), 2U);
    EXPECT_EQ(cl.flag_policy.env.set[0].value, "1,2");  // --env is never split
    EXPECT_EQ(cl.flag_policy.env.set[1].value, ",");
    EXPECT_EQ(cl.command, (std::vector<std::string>{"true"}));
}

TEST(Flags, EmptyListItemsAreUsageErrors) {
    EXPECT_EQ(usage_error({"--ro", "/usr,,/tmp", "true"}), "--ro: empty item in \"/usr,,/tmp\"");
    EXPECT_EQ(usage_error({"--ro", "/usr,", "true"}), "--ro: empty item in \"/usr,\"");
    EXPECT_EQ(usage_error({"--rw=,/tmp", "true"}), "--rw: empty item in \",/tmp\"");
    EXPECT_EQ(usage_error({"--connect-tcp", ",", "true"}), "--connect-tcp: empty item in \",\"");
    EXPECT_EQ(usage_error({"--keep-fd", "3,,4", "true"}), "--keep-fd: empty item in \"3,,4\"");
    // A lone empty value gets the option's own message.
    EXPECT_EQ(usage_error({"--ro", "", "true"}), "--ro: empty path");
    EXPECT_EQ(usage_error({"--ro=", "true"}), "--ro: empty path");
    EXPECT_EQ(usage_error({"--preload", "", "true"}), "--preload: empty library name");
}

TEST(Flags, FlagsTakeNoValue) {
    EXPECT_EQ(usage_error({"--best-effort=1", "true"}),
              "--best-effort: takes no value, but \"1\" was given");
    EXPECT_EQ(usage_error({"--validate="}), "--validate: takes no value, but \"\" was given");
    EXPECT_EQ(usage_error({"--verbose=2", "true"}),
              "--verbose: takes no value, but \"2\" was given");
    EXPECT_EQ(usage_error({"--help=1"}), "--help: takes no value, but \"1\" was given");
    // Repeating a plain flag is harmless.
    EXPECT_EQ(parse({"--validate", "--validate"}).action, Action::Validate);
    EXPECT_TRUE(parse({"--ldd", "--ldd", "true"}).ldd);
}

TEST(Flags, SingletonsGivenTwiceAreUsageErrors) {
    EXPECT_EQ(usage_error({"--tsync", "auto", "--tsync", "auto", "true"}),
              "--tsync: given more than once");
    EXPECT_EQ(usage_error({"--min-abi=1", "--min-abi", "2", "true"}),
              "--min-abi: given more than once");
    EXPECT_EQ(usage_error({"--threads", "1", "--threads=1", "true"}),
              "--threads: given more than once");
    EXPECT_EQ(usage_error({"--log-level", "info", "--log-level", "off", "true"}),
              "--log-level: given more than once");
    EXPECT_EQ(usage_error({"--explain", "--explain", "true"}), "--explain: given more than once");
    EXPECT_EQ(usage_error({"--explain=json", "--explain", "true"}),
              "--explain: given more than once");
    EXPECT_EQ(usage_error({"--features", "--features=json"}), "--features: given more than once");
}

TEST(Flags, VerboseCounts) {
    EXPECT_EQ(parse({"-v", "true"}).log_level, "info");
    EXPECT_EQ(parse({"--verbose", "true"}).log_level, "info");
    EXPECT_EQ(parse({"-v", "--verbose", "true"}).log_level, "debug");
    EXPECT_EQ(parse({"-vv", "true"}).log_level, "debug");
    EXPECT_EQ(parse({"-vvv", "true"}).log_level, "trace");
    EXPECT_EQ(parse({"-v", "-vv", "-v", "true"}).log_level, "trace");
    // Short flags bundle: -hv is -h -v.
    EXPECT_EQ(parse({"-hv"}).action, Action::Help);
    EXPECT_EQ(parse({"-vh"}).action, Action::Help);
}

TEST(Flags, UnknownOptions) {
    EXPECT_EQ(usage_error({"-x", "true"}), "unknown option \"-x\"");
    EXPECT_EQ(usage_error({"-probe", "read"}), "unknown option \"-probe\"");
    EXPECT_EQ(usage_error({"-vx", "true"}), "unknown option \"-vx\"");
    EXPECT_EQ(usage_error({"-v=1", "true"}), "unknown option \"-v=1\"");
    EXPECT_EQ(usage_error({"--bogus", "true"}), "unknown option \"--bogus\"");
    EXPECT_EQ(usage_error({"--bogus=1", "true"}), "unknown option \"--bogus=1\"");
    EXPECT_EQ(usage_error({"---ro", "/x", "true"}), "unknown option \"---ro\"");
    EXPECT_EQ(usage_error({"--=x", "true"}), "unknown option \"--=x\"");
    EXPECT_EQ(usage_error({"--RO", "/x", "true"}), "unknown option \"--RO\"");
    EXPECT_EQ(usage_error({"--r", "/x", "true"}), "unknown option \"--r\"");  // no prefixes
    // The first error is the one reported.
    EXPECT_EQ(usage_error({"--a", "--tsync", "x", "--b", "true"}), "unknown option \"--a\"");
    // "-" alone is a command name, not an option.
    EXPECT_EQ(parse({"-", "x"}).command, (std::vector<std::string>{"-", "x"}));
}

TEST(Flags, MissingValues) {
    EXPECT_EQ(usage_error({"--ro"}), "--ro: missing PATH");
    EXPECT_EQ(usage_error({"--bind-tcp"}), "--bind-tcp: missing PORT");
    EXPECT_EQ(usage_error({"--env"}), "--env: missing KEY[=VALUE]");
    EXPECT_EQ(usage_error({"--tsync"}), "--tsync: missing MODE");
    EXPECT_EQ(usage_error({"--log-level"}), "--log-level: missing LEVEL");
    EXPECT_EQ(usage_error({"--validate", "--min-abi"}), "--min-abi: missing N");
}

// Like getopt, an option that needs a value takes the next word, whatever it
// is: "--" is a value there, never the separator, so the run fails closed.
TEST(Flags, NextWordIsTheValue) {
    EXPECT_EQ(usage_error({"--keep-fd", "--", "true"}),
              "--keep-fd: \"--\" is not a number from 0 to 1073741824");
    CommandLine cl = parse({"--ro", "--", "true"});
    EXPECT_EQ(paths_of(cl, Group::Ro), (std::vector<std::string>{"--"}));
    EXPECT_EQ(cl.command, (std::vector<std::string>{"true"}));
    cl = parse({"--ro", "--help", "true"});
    EXPECT_EQ(cl.action, Action::Run);
    EXPECT_EQ(paths_of(cl, Group::Ro), (std::vector<std::string>{"--help"}));
    cl = parse({"--policy", "-v", "true"});
    EXPECT_EQ(cl.policies.at(0).name, "-v");
    EXPECT_EQ(cl.log_level, "warning");
}

// --help wins over usage errors among the options, as with --help alone.
TEST(Flags, HelpWins) {
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
             {"--help"}, {"-h"}, {"--bogus", "--help"}, {"--help", "--ro"},
             {"--tsync", "a", "--tsync", "b", "-h", "true"}, {"--ro", "a,,b", "-h"}}) {
        CommandLine cl = parse(args);
        EXPECT_EQ(cl.action, Action::Help) << args.front();
        EXPECT_EQ(cl.help_text, help_text());
    }
    // ... but not after the command.
    EXPECT_EQ(parse({"true", "--help"}).action, Action::Run);
}

TEST(Flags, HelpMentionsEveryOption) {
    const std::string help = help_text();
    for (const char* opt :
         {"--ro", "--rox", "--rw", "--rwx", "--bind-tcp", "--connect-tcp",
          "--unrestricted-filesystem", "--unrestricted-network", "--unrestricted-scoped",
          "--unrestricted-scope", "--policy", "--profile", "--best-effort", "--min-abi",
          "--ignore-missing", "--add-exec", "--ldd", "--env", "--clearenv", "--unsetenv",
          "--keep-fd", "--log-same-exec-off", "--log-new-exec-on", "--log-subdomains-off",
          "--explain", "--features", "--validate", "--strict", "--verbose", "--log-level", "--version",
          "--help", "--tsync", "--threads", "--preload"}) {
        EXPECT_NE(help.find(opt), std::string::npos) << opt;
    }
}

} // namespace
} // namespace sandbox

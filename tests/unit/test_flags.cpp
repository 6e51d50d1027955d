#include <gtest/gtest.h>

#include <map>

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

std::vector<std::string> paths_of(const CommandLine& cl, Group g) {
    std::vector<std::string> out;
    for (const auto& r : cl.flag_policy.paths) {
        if (r.group == g) {
            out.push_back(r.path);
        }
    }
    return out;
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

TEST(Flags, PoliciesAndProfilesKeepOrder) {
    CommandLine cl = parse({"--policy", "a.json", "--profile", "curl", "--policy", "b.json", "true"});
    ASSERT_EQ(cl.policies.size(), 3U);
    EXPECT_EQ(cl.policies[0].name, "a.json");
    EXPECT_EQ(cl.policies[0].kind, PolicyRef::Kind::File);
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
    EXPECT_THROW(parse({"--bogus", "true"}), UsageError);
    EXPECT_THROW(parse({"--ro"}), UsageError);
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

TEST(Flags, HelpMentionsEveryOption) {
    const std::string help = help_text();
    for (const char* opt :
         {"--ro", "--rox", "--rw", "--rwx", "--bind-tcp", "--connect-tcp",
          "--unrestricted-filesystem", "--unrestricted-network", "--unrestricted-scoped",
          "--unrestricted-scope", "--policy", "--profile", "--best-effort", "--min-abi",
          "--ignore-missing", "--add-exec", "--ldd", "--env", "--clearenv", "--unsetenv",
          "--keep-fd", "--log-same-exec-off", "--log-new-exec-on", "--log-subdomains-off",
          "--explain", "--features", "--validate", "--verbose", "--log-level", "--version",
          "--help", "--tsync", "--threads", "--preload"}) {
        EXPECT_NE(help.find(opt), std::string::npos) << opt;
    }
}

} // namespace
} // namespace sandbox

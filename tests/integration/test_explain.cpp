// --explain, --features and --validate: they describe, they run nothing; and
// the same policy as flags or as JSON explains the same.
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "harness.hpp"

namespace sandbox_it {
namespace {

using nlohmann::json;

class ExplainTest : public SandboxTest {
protected:
    void SetUp() override {
        SandboxTest::SetUp();
        make_dir("r");
        make_dir("w");
        make_file("r/file", "x");
    }
};

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Removes every key named "source", at any depth.
void strip_sources(json& j) {
    if (j.is_object()) {
        j.erase("source");
        for (auto& [key, value] : j.items()) {
            strip_sources(value);
        }
    } else if (j.is_array()) {
        for (auto& value : j) {
            strip_sources(value);
        }
    }
}

// The explanation without where each piece came from, and without the
// launcher's thread ids (they belong to the run, not to the policy).
json explanation_without_origins(const RunResult& r) {
    json j = json::parse(r.out);
    j.erase("policy");
    strip_sources(j);
    if (j.contains("enforcement")) {
        j["enforcement"].erase("threads");
    }
    return j;
}

// ---------------------------------------------------------------------------
// Flags and JSON are two spellings of one policy.

TEST_F(ExplainTest, FlagsAndJsonExplainTheSame) {
    SANDBOX_REQUIRE_ABI(4);
    const Args flags = {"--ro", path("r"),          "--ro", path("r/file"),
                        "--rox", "/usr",            "--rw", path("w"),
                        "--rwx", path("w"),         "--connect-tcp", "443,80",
                        "--bind-tcp", "8080"};
    const std::string policy = write_policy(
        "policy.json",
        {{"filesystem",
          {{"ro", {path("r"), path("r/file")}},
           {"rox", {"/usr"}},
           {"rw", {path("w")}},
           {"rwx", {path("w")}}}},
         {"network", {{"connect_tcp", {443, 80}}, {"bind_tcp", {8080}}}}});

    RunResult from_flags = run_sandbox(concat({flags, {"--explain=json"}, marker_command()}));
    RunResult from_json =
        run_sandbox(concat({{"--policy", policy, "--explain=json"}, marker_command()}));
    // The probe's directory is not allowed: both say the run would end with 126.
    ASSERT_EQ(126, from_flags.exit_status) << from_flags.describe();
    ASSERT_EQ(126, from_json.exit_status) << from_json.describe();
    const json a = explanation_without_origins(from_flags);
    const json b = explanation_without_origins(from_json);
    EXPECT_EQ(a, b) << "flags:\n" << a.dump(2) << "\njson:\n" << b.dump(2);
    // Not vacuous: the rules and ports are there.
    EXPECT_EQ(5U, a.at("rules").size()) << a.dump(2);
    EXPECT_EQ(3U, a.at("ports").size()) << a.dump(2);
    EXPECT_FALSE(ran());
}

// landrun's names for the audit flags are aliases: the same explanation.
TEST_F(ExplainTest, LandrunAuditFlagNamesAreAliases) {
    SANDBOX_REQUIRE_ABI(7);
    const std::pair<const char*, const char*> aliases[] = {
        {"--log-same-exec-off", "--log-disable-originating"},
        {"--log-new-exec-on", "--log-enable-subprocesses"},
        {"--log-subdomains-off", "--log-disable-subdomains"},
    };
    for (const auto& [ours, landruns] : aliases) {
        RunResult a =
            run_sandbox(concat({exec_flags(), {ours, "--explain=json"}, marker_command()}));
        RunResult b =
            run_sandbox(concat({exec_flags(), {landruns, "--explain=json"}, marker_command()}));
        ASSERT_EQ(0, a.exit_status) << a.describe();
        ASSERT_EQ(0, b.exit_status) << b.describe();
        json ja = json::parse(a.out);
        json jb = json::parse(b.out);
        ja["enforcement"].erase("threads");  // the launcher's thread ids differ
        jb["enforcement"].erase("threads");
        EXPECT_EQ(ja, jb) << ours << " vs " << landruns;
        // Not vacuous: the flag is in the explanation.
        EXPECT_EQ(json::parse(b.out).at("restrict_flags"), json::array({std::string(ours).substr(2)}));
    }
    EXPECT_FALSE(ran());
}

TEST_F(ExplainTest, FlagsAndJsonExplainTheSameScopesAndEnvironment) {
    const std::string policy = write_policy(
        "policy.json", {{"filesystem", {{"unrestricted", true}}},
                        {"network", {{"unrestricted", true}}},
                        {"scopes", {{"unrestricted", {"signal"}}}},
                        {"env", {{"clear", true}, {"set", {{"A", "1"}}}, {"unset", {"B"}}}}});
    RunResult from_flags = run_sandbox(
        concat({{"--unrestricted-filesystem", "--unrestricted-network", "--unrestricted-scope",
                 "signal", "--clearenv", "--env", "A=1", "--unsetenv", "B", "--explain=json"},
                marker_command()}));
    RunResult from_json =
        run_sandbox(concat({{"--policy", policy, "--explain=json"}, marker_command()}));
    ASSERT_EQ(0, from_flags.exit_status) << from_flags.describe();
    ASSERT_EQ(0, from_json.exit_status) << from_json.describe();
    const json a = explanation_without_origins(from_flags);
    const json b = explanation_without_origins(from_json);
    EXPECT_EQ(a, b) << "flags:\n" << a.dump(2) << "\njson:\n" << b.dump(2);
    EXPECT_EQ(json::array(), a.at("handled").at("filesystem"));
    EXPECT_EQ(json::array(), a.at("handled").at("network"));
    EXPECT_FALSE(ran());
}

// ---------------------------------------------------------------------------
// --explain: the effective policy, nothing run.

TEST_F(ExplainTest, ExplainTextRunsNothing) {
    RunResult r = run_sandbox(concat({exec_flags(),
                                      {"--ro", path("r"), "--rw", path("w"), "--connect-tcp",
                                       "443", "--explain"},
                                      marker_command()}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_TRUE(contains(r.out, path("r"))) << r.out;
    EXPECT_TRUE(contains(r.out, path("w"))) << r.out;
    EXPECT_TRUE(contains(r.out, "connect_tcp 443")) << r.out;
    EXPECT_TRUE(contains(r.out, probe_bin())) << r.out;
    EXPECT_FALSE(ran());
}

TEST_F(ExplainTest, ExplainJsonRunsNothing) {
    RunResult r = run_sandbox(concat({exec_flags(),
                                      {"--ro", path("r/file"), "--rw", path("w"), "--explain=json"},
                                      marker_command()}));
    ASSERT_EQ(0, r.exit_status) << r.describe();
    EXPECT_FALSE(ran());
    const json j = json::parse(r.out);
    EXPECT_EQ(launcher_abi(), j.at("kernel").at("abi").get<int>());
    EXPECT_EQ(probe_bin(), j.at("exec").at("path").get<std::string>());
    EXPECT_EQ(json({probe_bin(), "create", path("w/marker")}), j.at("exec").at("argv"));

    const json* file_rule = nullptr;
    const json* dir_rule = nullptr;
    for (const auto& rule : j.at("rules")) {
        if (rule.at("path") == path("r/file")) {
            file_rule = &rule;
        }
        if (rule.at("path") == path("w")) {
            dir_rule = &rule;
        }
    }
    ASSERT_NE(nullptr, file_rule) << j.dump(2);
    ASSERT_NE(nullptr, dir_rule) << j.dump(2);
    // --ro on a file: read_file only (read_dir is directory-only and masked).
    EXPECT_EQ(json({"read_file"}), file_rule->at("granted")) << file_rule->dump(2);
    EXPECT_EQ("file", file_rule->at("type"));
    EXPECT_EQ("directory", dir_rule->at("type"));
    for (const char* right : {"write_file", "make_reg", "remove_file", "refer"}) {
        EXPECT_TRUE(contains(dir_rule->at("granted").dump(), right)) << dir_rule->dump(2);
    }
    EXPECT_FALSE(contains(dir_rule->at("granted").dump(), "execute")) << dir_rule->dump(2);
}

TEST_F(ExplainTest, ExplainJsonWithoutSeparatorRunsNothing) {
    RunResult r = run_sandbox(concat(
        {exec_flags(), {"--rw", path("w"), "--explain=json", probe_bin(), "create", path("w/marker")}}));
    ASSERT_EQ(0, r.exit_status) << r.describe();
    EXPECT_TRUE(json::accept(r.out)) << r.out;
    EXPECT_FALSE(ran());
}

TEST_F(ExplainTest, ExplainUnknownFormatIs125) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--rw", path("w"), "--explain=yaml"},
                                      marker_command()}));
    EXPECT_TRUE(is_launcher_error(r));
    EXPECT_FALSE(ran());
}

// ---------------------------------------------------------------------------
// --features: what the kernel supports, judged against the kernel itself.

// The ABI straight from the kernel.
int kernel_abi() {
    long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi < 0 ? 0 : static_cast<int>(abi);
}

// Whether landlock_restrict_self knows TSYNC (1U << 3): EBADF yes, EINVAL no.
// Probed in a child, which must set no_new_privs first.
bool kernel_has_tsync() {
    const pid_t pid = fork();
    if (pid == 0) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            _exit(2);
        }
        long r = syscall(SYS_landlock_restrict_self, -1, 1U << 3);
        _exit(r < 0 && errno == EBADF ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST_F(ExplainTest, FeaturesJsonMatchesTheKernel) {
    RunResult r = run_sandbox(concat({{"--features=json"}, marker_command()}));
    ASSERT_EQ(0, r.exit_status) << r.describe();
    EXPECT_FALSE(ran());
    const json j = json::parse(r.out);
    EXPECT_EQ(kernel_abi(), j.at("abi").get<int>()) << j.dump(2);
    if (kernel_has_tsync()) {
        EXPECT_NE("no", j.at("tsync").get<std::string>()) << j.dump(2);
    } else {
        EXPECT_EQ("no", j.at("tsync").get<std::string>()) << j.dump(2);
    }
    EXPECT_TRUE(j.at("landlock_active").get<bool>());
    const auto fs = j.at("filesystem_rights").dump();
    EXPECT_TRUE(contains(fs, "\"read_file\"")) << fs;
    if (kernel_abi() >= 4) {
        EXPECT_EQ(json({"bind_tcp", "connect_tcp"}), j.at("network_rights"));
    }
}

TEST_F(ExplainTest, FeaturesTextRunsNothing) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--rw", path("w"), "--features"},
                                      marker_command()}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_FALSE(ran());
    bool abi_line = false;
    for (const auto& line : lines(r.out)) {
        abi_line = abi_line || (line.starts_with("landlock ABI:") &&
                                line.ends_with(" " + std::to_string(kernel_abi())));
    }
    EXPECT_TRUE(abi_line) << r.out;
}

// ---------------------------------------------------------------------------
// --validate.

TEST_F(ExplainTest, ValidateGoodPolicy) {
    const std::string policy = write_policy(
        "good.json", {{"filesystem", {{"ro", {path("r")}}, {"rw", {path("w")}}}},
                      {"network", {{"connect_tcp", {443}}}}});
    RunResult r = run_sandbox(concat({exec_flags(), {"--policy", policy, "--rw", path("w"),
                                                     "--validate"},
                                      marker_command()}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_FALSE(contains(r.err, "error")) << r.describe();
    EXPECT_FALSE(ran());
}

TEST_F(ExplainTest, ValidateBadPolicyReportsEveryErrorWithPosition) {
    // Two errors: an unknown key at 2:3 and an out-of-range port at 3:30.
    const std::string policy = make_file("bad.json",
                                         "{\"filesystem\": {\"ro\": [\"/usr\"],\n"
                                         "  \"raed\": 1},\n"
                                         " \"network\": {\"connect_tcp\": [70000]}}\n");
    RunResult r = run_sandbox(concat({exec_flags(), {"--rw", path("w"), "--policy", policy,
                                                     "--validate"},
                                      marker_command()}));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    const auto err = r.err_lines();
    EXPECT_TRUE(has_line_starting_with(err, policy + ":2:3: error: unknown key \"raed\""))
        << r.describe();
    EXPECT_TRUE(has_line_starting_with(err, policy + ":3:30: error: port 70000")) << r.describe();
    EXPECT_FALSE(ran());
}

TEST_F(ExplainTest, ValidateSyntaxErrorHasPosition) {
    const std::string policy = make_file("bad.json", "{\n  \"filesystem\": {\"ro\": [\"/usr\" \"/etc\"]}\n}\n");
    RunResult r = run_sandbox(concat({{"--policy", policy, "--validate"}, marker_command()}));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_TRUE(has_line_starting_with(r.err_lines(), policy + ":2:")) << r.describe();
    EXPECT_TRUE(contains(r.err, ": error: ")) << r.describe();
    EXPECT_FALSE(ran());
}

}  // namespace
}  // namespace sandbox_it

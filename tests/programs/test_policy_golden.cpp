// Every shipped policy in policies/ (building blocks and program policies):
// `sandbox --validate --profile NAME` succeeds, and `sandbox --profile NAME
// --explain=json` in a fixed environment matches tests/data/explain/NAME.expected.
//
// The golden file is a normalised rendering of the JSON: the policy files, the
// descriptions, every path rule and every skipped optional path as "PATH from
// FILE:LINE:COLUMN" (one list, so a machine that lacks an optional path renders
// the same), the port rules, and the handled network rights and scopes. Left out
// because they depend on the machine, not the policy: the kernel release, the
// handled filesystem rights (ABI 9 adds resolve_unix), the resolved targets of
// symlinks (e.g. /etc/resolv.conf), file types, the enforcement plan and thread ids.
// Replaced: the policies directory by @POLICIES@, the fixed temporary HOME, PWD and
// TMPDIR by @HOME@, @PWD@ and @TMPDIR@.
//
// To regenerate the golden files after changing a policy:
//   SANDBOX_UPDATE_GOLDEN=1 meson test -C BUILD_DIR --suite policies policy_golden
// then review `git diff tests/data/explain`.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "program_test.hpp"

namespace sandbox_programs {
namespace {

using nlohmann::json;

std::string policies_dir() { return sandbox_it::source_root() + "/policies"; }

std::vector<std::string> shipped_policies() {
    std::vector<std::string> names;
    const char* root = std::getenv("SANDBOX_SOURCE_ROOT");
    if (root == nullptr) {
        return names;
    }
    for (const auto& entry : std::filesystem::directory_iterator(std::string(root) + "/policies")) {
        const auto p = entry.path();
        if (p.extension() == ".json" && p.filename() != "sandbox-policy.schema.json") {
            names.push_back(p.stem().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
        s.replace(at, from.size(), to);
    }
}

std::string join(const json& list) {
    std::string out;
    for (const auto& item : list) {
        out += (out.empty() ? "" : ",") + item.get<std::string>();
    }
    return out;
}

std::string render(const json& explain) {
    std::string out = "files:\n";
    for (const auto& f : explain.at("policy").at("files")) {
        out += "  " + f.get<std::string>() + "\n";
    }
    out += "descriptions:\n";
    for (const auto& d : explain.at("policy").at("descriptions")) {
        out += "  " + d.get<std::string>() + "\n";
    }
    std::vector<std::tuple<std::string, std::string>> paths;
    for (const char* list : {"rules", "skipped"}) {
        for (const auto& rule : explain.at(list)) {
            paths.emplace_back(rule.at("path").get<std::string>(),
                               rule.at("source").get<std::string>());
        }
    }
    std::sort(paths.begin(), paths.end());
    out += "paths:\n";
    for (const auto& [p, source] : paths) {
        out += "  " + p + " from " + source + "\n";
    }
    out += "ports:\n";
    for (const auto& port : explain.at("ports")) {
        out += "  " + port.at("right").get<std::string>() + " " +
               std::to_string(port.at("port").get<int>()) + " from " +
               port.at("source").get<std::string>() + "\n";
    }
    out += "handled network: " + join(explain.at("handled").at("network")) + "\n";
    out += "handled scoped: " + join(explain.at("handled").at("scoped")) + "\n";
    out += "warnings:\n";
    for (const auto& w : explain.at("warnings")) {
        out += "  " + w.dump() + "\n";
    }
    return out;
}

class PolicyGolden : public ProgramTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(PolicyGolden, Validates) {
    const std::string name = GetParam();
    // TMPDIR as for the programs: the test's HOME is below /tmp, and "rw
    // ${TMPDIR:-/tmp}" on a directory above HOME is refused (expansion guard).
    RunResult r = run_plain(work_, {sandbox_it::sandbox_bin(), "--validate", "--profile", name},
                            {"TMPDIR=" + tmp_});
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_TRUE(contains(r.out + r.err, policies_dir() + "/" + name + ".json: ok\n"));
}

TEST_P(PolicyGolden, ExplainMatchesGoldenFile) {
    const std::string name = GetParam();
    RunResult r = run_plain(work_, {sandbox_it::sandbox_bin(), "--profile", name, "--explain=json"},
                            {"TMPDIR=" + tmp_});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    // Normalised in the JSON text (these paths need no escaping), before sorting.
    std::string text = r.out;
    replace_all(text, policies_dir() + "/", "@POLICIES@/");
    replace_all(text, home_, "@HOME@");
    replace_all(text, work_, "@PWD@");
    replace_all(text, tmp_, "@TMPDIR@");
    std::string got = render(json::parse(text));
    got = "# sandbox --profile " + name + " --explain=json, normalised by "
          "tests/programs/test_policy_golden.cpp\n" + got;

    const std::string golden = sandbox_it::source_root() + "/tests/data/explain/" + name + ".expected";
    const char* update = std::getenv("SANDBOX_UPDATE_GOLDEN");
    if (update != nullptr && std::string(update) == "1") {
        std::filesystem::create_directories(std::filesystem::path(golden).parent_path());
        std::ofstream(golden, std::ios::binary | std::ios::trunc) << got;
    }
    ASSERT_TRUE(sandbox_it::exists(golden))
        << golden << " is missing: run with SANDBOX_UPDATE_GOLDEN=1 to create it";
    EXPECT_EQ(got, sandbox_it::read_file(golden))
        << "regenerate with SANDBOX_UPDATE_GOLDEN=1 if the change is intended";
    // The run is deterministic: a second run renders the same text.
    RunResult again = run_plain(
        work_, {sandbox_it::sandbox_bin(), "--profile", name, "--explain=json"}, {"TMPDIR=" + tmp_});
    ASSERT_EQ(again.exit_status, 0) << again.describe();
    EXPECT_EQ(render(json::parse(again.out)), render(json::parse(r.out)));
}

INSTANTIATE_TEST_SUITE_P(Shipped, PolicyGolden, ::testing::ValuesIn(shipped_policies()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string n = param.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(ShippedPolicies, AtLeastFifteenProgramPolicies) {
    const std::vector<std::string> blocks = {"dns",       "git-config", "system-base",
                                             "tls-trust", "tty",        "user-db"};
    int programs = 0;
    for (const auto& name : shipped_policies()) {
        programs += std::find(blocks.begin(), blocks.end(), name) == blocks.end() ? 1 : 0;
    }
    EXPECT_GE(programs, 15);
}

}  // namespace
}  // namespace sandbox_programs

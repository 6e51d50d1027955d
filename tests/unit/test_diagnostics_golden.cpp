// Every file in tests/data/bad/*.json is loaded and its diagnostics compared,
// byte for byte, with bad/NAME.expected (file:line:column text).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/json_loader.hpp"

namespace sandbox {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

EnvLookup test_env() {
    return [](std::string_view name) -> std::optional<std::string> {
        if (name == "HOME") {
            return "/home/test";
        }
        return std::nullopt;
    };
}

class Golden : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        old_cwd_ = fs::current_path();
        fs::current_path(SANDBOX_TEST_DATA);
    }
    void TearDown() override { fs::current_path(old_cwd_); }
    fs::path old_cwd_;
};

TEST_P(Golden, DiagnosticsMatchExpectedFile) {
    const std::string name = GetParam();
    LoadOptions options{test_env(), {"profiles"}, {}};
    LoadResult r = load_policies(
        {{"bad/" + name + ".json", PolicyRef::Kind::File, {"", 0, 0, "--policy"}}}, options);
    const std::string expected = read_file(fs::path("bad") / (name + ".expected"));
    EXPECT_TRUE(r.diagnostics.has_errors());
    EXPECT_EQ(r.diagnostics.format(), expected) << "regenerate bad/" << name << ".expected";
}

std::vector<std::string> bad_files() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(fs::path(SANDBOX_TEST_DATA) / "bad")) {
        if (e.path().extension() == ".expected") {
            names.push_back(e.path().stem().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

INSTANTIATE_TEST_SUITE_P(Bad, Golden, ::testing::ValuesIn(bad_files()),
                         [](const auto& param_info) { return param_info.param; });

TEST(GoldenSet, EveryBadFileHasAnExpectation) {
    for (const auto& e : fs::directory_iterator(fs::path(SANDBOX_TEST_DATA) / "bad")) {
        if (e.path().extension() == ".json" && e.path().stem() != "cycle_b") {
            EXPECT_TRUE(fs::exists(fs::path(e.path()).replace_extension(".expected")))
                << e.path();
        }
    }
    EXPECT_GE(bad_files().size(), 7U);
}

TEST(GoldenSet, SeveralMistakesAreAllReported) {
    fs::path old = fs::current_path();
    fs::current_path(SANDBOX_TEST_DATA);
    LoadOptions options{test_env(), {"profiles"}, {}};
    LoadResult r = load_policies({{"bad/many.json", PolicyRef::Kind::File, {}}}, options);
    fs::current_path(old);
    EXPECT_GE(r.diagnostics.error_count(), 15U);
}

} // namespace
} // namespace sandbox

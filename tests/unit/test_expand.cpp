#include <gtest/gtest.h>

#include <map>

#include "policy/expand.hpp"

namespace sandbox {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) {
            return std::nullopt;
        }
        return it->second;
    };
}

struct Case {
    const char* input;
    const char* expected;  // nullptr: an error
    std::size_t error_offset;
};

class Expand : public ::testing::TestWithParam<Case> {};

TEST_P(Expand, Table) {
    const Case& c = GetParam();
    auto env = fake_env({{"HOME", "/home/u"}, {"PWD", "/work"}, {"EMPTY", ""}, {"A_1", "x"}});
    Expanded e = expand_variables(c.input, env);
    if (c.expected != nullptr) {
        ASSERT_FALSE(e.error.has_value()) << e.error->message;
        EXPECT_EQ(e.value, c.expected);
    } else {
        ASSERT_TRUE(e.error.has_value()) << e.value;
        EXPECT_EQ(e.error->offset, c.error_offset);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Expand,
    ::testing::Values(Case{"/usr", "/usr", 0}, Case{"${HOME}/.config", "/home/u/.config", 0},
                      Case{"~/x", "/home/u/x", 0}, Case{"~", "/home/u", 0},
                      Case{"/a/~/b", "/a/~/b", 0}, Case{"~user/x", "~user/x", 0},
                      Case{"${PWD}", "/work", 0}, Case{"${A_1}${A_1}", "xx", 0},
                      Case{"/cost$5", "/cost$5", 0}, Case{"$HOME", "$HOME", 0},
                      Case{"${UNSET:-/opt}/bin", "/opt/bin", 0},
                      Case{"${EMPTY:-/d}", "/d", 0}, Case{"${HOME:-/d}", "/home/u", 0},
                      Case{"${UNSET:-}", "", 0}, Case{"/x/${UNSET}", nullptr, 3},
                      Case{"/x/${HOME", nullptr, 3}, Case{"${}", nullptr, 0},
                      Case{"${1A}", nullptr, 0}, Case{"${A-B}", nullptr, 0},
                      Case{"${EMPTY}", "", 0}));

TEST(ExpandHome, TildeWithoutHomeIsAnError) {
    Expanded e = expand_variables("~/x", fake_env({}));
    ASSERT_TRUE(e.error.has_value());
    EXPECT_EQ(e.error->message, "\"~\" needs HOME, which is not set");
}

TEST(ExpandHome, UnsetMessageNamesTheVariable) {
    Expanded e = expand_variables("${NOPE}", fake_env({}));
    ASSERT_TRUE(e.error.has_value());
    EXPECT_EQ(e.error->message, "environment variable NOPE is not set");
}

} // namespace
} // namespace sandbox

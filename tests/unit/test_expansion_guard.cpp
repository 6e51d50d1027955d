// No write access to /, $HOME or above it through an expansion (issue 13
// item 1): the pure check, with a fake canonicaliser.
#include <gtest/gtest.h>

#include <map>

#include "policy/expansion_guard.hpp"
#include "rule_builders.hpp"

namespace sandbox {
namespace {

TEST(ExpansionGuard, Landing) {
    EXPECT_EQ(classify_landing("/", "/home/u"), Landing::Root);
    EXPECT_EQ(classify_landing("/home/u", "/home/u"), Landing::Home);
    EXPECT_EQ(classify_landing("/home", "/home/u"), Landing::AboveHome);
    EXPECT_EQ(classify_landing("/home/u/project", "/home/u"), Landing::Elsewhere);
    EXPECT_EQ(classify_landing("/home/us", "/home/u"), Landing::Elsewhere);
    EXPECT_EQ(classify_landing("/home/u2", "/home/u"), Landing::Elsewhere);
    EXPECT_EQ(classify_landing("/hom", "/home/u"), Landing::Elsewhere);
    EXPECT_EQ(classify_landing("/", ""), Landing::Root);
    EXPECT_EQ(classify_landing("/tmp", ""), Landing::Elsewhere);
    EXPECT_EQ(classify_landing("/root", "/root"), Landing::Home);
}

PathRule expanded(const std::string& path, const std::string& written, Group g) {
    PathRule r = group_rule(path, g);
    r.written = written;
    r.source = {"p.json", 4, 9, {}};
    return r;
}

Diagnostics check(const Policy& p) {
    // "/home/u/link" is a symlink to /home/u; missing paths do not resolve.
    const std::map<std::string, std::string> fs = {
        {"/", "/"}, {"/home", "/home"}, {"/home/u", "/home/u"}, {"/home/u/link", "/home/u"},
        {"/home/u/p", "/home/u/p"}, {"/tmp", "/tmp"}};
    Diagnostics d;
    check_expanded_rules(p, "/home/u",
                         [&](const std::string& path) -> std::optional<std::string> {
                             auto it = fs.find(path);
                             return it == fs.end() ? std::nullopt
                                                   : std::optional<std::string>(it->second);
                         },
                         d);
    return d;
}

TEST(ExpansionGuard, WriteRightsThroughAnExpansionAreRefused) {
    for (const auto& [path, written] : std::vector<std::pair<std::string, std::string>>{
             {"/home/u", "${PWD}"}, {"/", "${PWD}"}, {"/home", "${HOME}/.."},
             {"/home/u/link", "${PWD}"}}) {
        Policy p;
        p.paths.push_back(expanded(path, written, Group::Rw));
        Diagnostics d = check(p);
        EXPECT_EQ(d.error_count(), 1U) << path;
        EXPECT_NE(d.format().find("p.json:4:9: error: \"rw\" rule \"" + written + "\" expands to"),
                  std::string::npos)
            << d.format();
    }
    // An explicit rule with one modifying right is refused too.
    Policy p;
    PathRule r = explicit_rule("/home/u", {AccessFs::ReadFile, AccessFs::Truncate});
    r.written = "~";
    p.paths.push_back(r);
    EXPECT_EQ(check(p).error_count(), 1U);
}

TEST(ExpansionGuard, WhatIsNotRefused) {
    Policy p;
    p.paths.push_back(expanded("/home/u/p", "${PWD}", Group::Rw));   // a project directory
    p.paths.push_back(expanded("/tmp", "${TMPDIR:-/tmp}", Group::Rw));
    p.paths.push_back(expanded("/home/u/missing", "${PWD}", Group::Rw));  // nothing to grant
    p.paths.push_back(group_rule("/home/u", Group::Rw));  // typed on the command line
    p.paths.push_back(explicit_rule("/home/u", {AccessFs::ReadFile, AccessFs::Execute,
                                                AccessFs::IoctlDev}));
    p.paths.back().written = "${HOME}";
    Diagnostics d = check(p);
    EXPECT_FALSE(d.has_errors()) << d.format();
    // The read-only rule on $HOME is warned about.
    ASSERT_EQ(d.items().size(), 1U) << d.format();
    EXPECT_EQ(d.items()[0].severity, Severity::Warning);
    EXPECT_NE(d.items()[0].message.find("everything below it is readable"), std::string::npos);
}

} // namespace
} // namespace sandbox

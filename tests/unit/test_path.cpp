// The base layer's path strings (src/base/path.hpp): one copy for every
// layer, so each edge case is pinned here once.
#include <gtest/gtest.h>

#include <cerrno>
#include <optional>
#include <string>

#include "base/error.hpp"
#include "base/path.hpp"

namespace sandbox {
namespace {

TEST(Path, ParentDirectory) {
    EXPECT_EQ(parent_directory("/a/b"), "/a");
    EXPECT_EQ(parent_directory("/a"), "/");
    EXPECT_EQ(parent_directory("/"), "/");
    EXPECT_EQ(parent_directory("a"), ".");
    EXPECT_EQ(parent_directory("a/b"), "a");
}

TEST(Path, BaseName) {
    EXPECT_EQ(base_name("/a/b"), "b");
    EXPECT_EQ(base_name("b"), "b");
    EXPECT_EQ(base_name("/a/"), "");
}

TEST(Path, StripTrailingSlashes) {
    EXPECT_EQ(strip_trailing_slashes("/a/b//"), "/a/b");
    EXPECT_EQ(strip_trailing_slashes("/"), "/");
    EXPECT_EQ(strip_trailing_slashes("//"), "/");
}

TEST(Path, JoinPath) {
    EXPECT_EQ(join_path("/a", "b"), "/a/b");
    EXPECT_EQ(join_path("/a/", "b"), "/a/b");
    EXPECT_EQ(join_path("/", "b"), "/b");
    EXPECT_EQ(join_path("", "b"), "b");
}

TEST(Path, IsWithinIsByComponent) {
    EXPECT_TRUE(is_within("/a/b", "/a"));
    EXPECT_TRUE(is_within("/a", "/a"));
    EXPECT_FALSE(is_within("/ab", "/a"));
    EXPECT_FALSE(is_within("/a", "/a/b"));
    EXPECT_TRUE(is_within("/x", "/"));
    EXPECT_TRUE(is_within("/", "/"));
    EXPECT_TRUE(is_within("a", "a"));
    EXPECT_FALSE(is_within("a", "/"));
}

TEST(Path, LexicallyNormal) {
    EXPECT_EQ(lexically_normal("/a/b/../c/./d"), "/a/c/d");
    EXPECT_EQ(lexically_normal("/../.."), "/");
    EXPECT_EQ(lexically_normal("//a//b/"), "/a/b");
    EXPECT_EQ(lexically_normal("/"), "/");
}

TEST(Path, ExpandHome) {
    const std::optional<std::string> home = "/home/u";
    EXPECT_EQ(expand_home("~", home), "/home/u");
    EXPECT_EQ(expand_home("~/x", home), "/home/u/x");
    EXPECT_EQ(expand_home("~user/x", home), "~user/x");  // not ours to expand
    EXPECT_EQ(expand_home("/a/~", home), "/a/~");
    EXPECT_EQ(expand_home("~/x", std::nullopt), std::nullopt);
    EXPECT_EQ(expand_home("~/x", std::string()), std::nullopt);
    EXPECT_EQ(expand_home("/a", std::nullopt), "/a");
}

TEST(Path, MakeAbsoluteKeepsAbsolutePaths) {
    EXPECT_EQ(make_absolute("/a/b", "test"), "/a/b");
    const std::string cwd = current_directory("test");
    EXPECT_EQ(make_absolute("x", "test"), join_path(cwd, "x"));
}

TEST(Error, FamilyCarriesHintsAndStatus) {
    const SysError e(ENOENT, "cannot open \"x\"", {"create it"});
    EXPECT_STREQ(e.what(), "cannot open \"x\": No such file or directory (ENOENT)");
    EXPECT_EQ(e.error(), ENOENT);
    EXPECT_EQ(e.exit_status(), 125);
    ASSERT_EQ(e.hints().size(), 1U);
    const Error& base = e;
    EXPECT_EQ(base.hints().front(), "create it");
    EXPECT_EQ(SysError(EACCES, "x", {}, 126).exit_status(), 126);
    EXPECT_EQ(errno_name(EPERM), "EPERM");
    EXPECT_EQ(errno_name(99999), "errno 99999");
}

} // namespace
} // namespace sandbox

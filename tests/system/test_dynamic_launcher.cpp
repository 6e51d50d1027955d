// Where the static launcher looks for sandbox-dynamic (--preload).
#include <gtest/gtest.h>

#include "app/dynamic_launcher.hpp"

namespace sandbox {
namespace {

struct Case {
    const char* why;
    const char* exe;
    const char* build_root;
    const char* from_bindir;
    const char* expected;
};

constexpr const char* kInstalled = "../libexec/sandbox/sandbox-dynamic";

const Case kCases[] = {
    {"in the build tree it is beside the launcher", "/src/build/sandbox", "/src/build",
     kInstalled, "/src/build/sandbox-dynamic"},
    {"installed, it is relative to the bin directory", "/usr/bin/sandbox", "/src/build",
     kInstalled, "/usr/libexec/sandbox/sandbox-dynamic"},
    {"a DESTDIR staging tree or a relocated prefix moves it along",
     "/tmp/dest/opt/x/bin/sandbox", "", kInstalled,
     "/tmp/dest/opt/x/libexec/sandbox/sandbox-dynamic"},
    {"bindir bin/sub: two levels up", "/usr/bin/sub/sandbox", "",
     "../../libexec/sandbox/sandbox-dynamic", "/usr/libexec/sandbox/sandbox-dynamic"},
    {"an absolute libexecdir is used as it is", "/usr/bin/sandbox", "",
     "/usr/lib/./sandbox//sandbox-dynamic", "/usr/lib/sandbox/sandbox-dynamic"},
    {".. never climbs above the root; an unknown build root matches nothing", "/sandbox", "",
     "../../libexec/sandbox-dynamic", "/libexec/sandbox-dynamic"},
    {"a build root that only shares a prefix is not the build tree", "/src/build2/sandbox",
     "/src/build", kInstalled, "/src/libexec/sandbox/sandbox-dynamic"},
};

TEST(DynamicLauncherPath, EveryLayout) {
    for (const Case& c : kCases) {
        EXPECT_EQ(c.expected,
                  dynamic_launcher_path(c.exe, c.build_root, "sandbox-dynamic", c.from_bindir))
            << c.why;
    }
}

} // namespace
} // namespace sandbox

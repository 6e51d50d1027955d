// Where the static launcher looks for sandbox-dynamic (--preload).
#include <gtest/gtest.h>

#include "app/dynamic_launcher.hpp"

namespace sandbox {
namespace {

constexpr const char* kName = "sandbox-dynamic";

TEST(DynamicLauncherPath, InTheBuildTreeItIsBesideTheLauncher) {
    EXPECT_EQ("/src/build/sandbox-dynamic",
              dynamic_launcher_path("/src/build/sandbox", "/src/build", kName,
                                    "../libexec/sandbox/sandbox-dynamic"));
}

TEST(DynamicLauncherPath, InstalledItIsRelativeToTheBinDirectory) {
    EXPECT_EQ("/usr/libexec/sandbox/sandbox-dynamic",
              dynamic_launcher_path("/usr/bin/sandbox", "/src/build", kName,
                                    "../libexec/sandbox/sandbox-dynamic"));
    // A DESTDIR staging tree or a relocated prefix moves it along.
    EXPECT_EQ("/tmp/dest/opt/x/libexec/sandbox/sandbox-dynamic",
              dynamic_launcher_path("/tmp/dest/opt/x/bin/sandbox", "", kName,
                                    "../libexec/sandbox/sandbox-dynamic"));
    // bindir = "bin/sub": two levels up.
    EXPECT_EQ("/usr/libexec/sandbox/sandbox-dynamic",
              dynamic_launcher_path("/usr/bin/sub/sandbox", "", kName,
                                    "../../libexec/sandbox/sandbox-dynamic"));
}

TEST(DynamicLauncherPath, AnAbsoluteLibexecDirIsUsedAsItIs) {
    EXPECT_EQ("/usr/lib/sandbox/sandbox-dynamic",
              dynamic_launcher_path("/usr/bin/sandbox", "", kName,
                                    "/usr/lib/./sandbox//sandbox-dynamic"));
}

TEST(DynamicLauncherPath, DotDotNeverClimbsAboveTheRoot) {
    EXPECT_EQ("/libexec/sandbox-dynamic",
              dynamic_launcher_path("/sandbox", "", kName, "../../libexec/sandbox-dynamic"));
}

TEST(DynamicLauncherPath, ABuildRootThatOnlySharesAPrefixIsNotTheBuildTree) {
    EXPECT_EQ("/src/libexec/sandbox/sandbox-dynamic",
              dynamic_launcher_path("/src/build2/sandbox", "/src/build", kName,
                                    "../libexec/sandbox/sandbox-dynamic"));
}

} // namespace
} // namespace sandbox

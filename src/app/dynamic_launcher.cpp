#include "app/dynamic_launcher.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "base/path.hpp"
#include "base/error.hpp"
#include "policy/profile_path.hpp"

namespace sandbox {

std::string dynamic_launcher_path(std::string_view exe, std::string_view build_root,
                                  std::string_view name, std::string_view from_bindir) {
    const std::string_view dir = exe.substr(0, exe.rfind('/'));
    if (!build_root.empty() && dir == build_root) {
        return fmt::format("{}/{}", dir, name);
    }
    if (from_bindir.starts_with('/')) {
        return lexically_normal(from_bindir);
    }
    return lexically_normal(fmt::format("{}/{}", dir, from_bindir));
}

void exec_dynamic_launcher(std::string_view name, std::string_view from_bindir, char** argv) {
    const std::vector<std::string> hints = {
        fmt::format("this sandbox is linked statically and cannot load libraries itself; "
                    "--preload runs {}, which is installed with it",
                    name)};
    const auto exe = executable_path();
    if (!exe) {
        const int err = errno;
        throw SysError(err, fmt::format("--preload: cannot find {}: cannot read /proc/self/exe",
                                        name),
                       hints);
    }
    const std::string helper =
        dynamic_launcher_path(*exe, build_root().value_or(""), name, from_bindir);
    std::fflush(nullptr);
    execv(helper.c_str(), argv);
    const int err = errno;
    throw SysError(err, fmt::format("--preload: cannot run \"{}\"", helper), hints);
}

} // namespace sandbox

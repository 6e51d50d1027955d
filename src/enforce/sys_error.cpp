#include "enforce/sys_error.hpp"

#include <cstring>
#include <fmt/format.h>

namespace sandbox {

SysError::SysError(int err, std::string operation, std::vector<std::string> hints)
    : std::runtime_error(fmt::format("{}: {}", operation, describe_errno(err))),
      err_(err), operation_(std::move(operation)), hints_(std::move(hints)) {}

LaunchError::LaunchError(const std::string& message, std::vector<std::string> hints)
    : std::runtime_error(message), hints_(std::move(hints)) {}

std::string errno_name(int err) {
    const char* name = strerrorname_np(err);
    if (name == nullptr) {
        return fmt::format("errno {}", err);
    }
    return name;
}

std::string describe_errno(int err) {
    const char* desc = strerrordesc_np(err);
    return fmt::format("{} ({})", desc ? desc : "Unknown error", errno_name(err));
}

} // namespace sandbox

#include "base/error.hpp"

#include <cstring>

#include <fmt/format.h>

namespace sandbox {

Error::Error(const std::string& message, std::vector<std::string> hints, int exit_status)
    : std::runtime_error(message), hints_(std::move(hints)), exit_status_(exit_status) {}

SysError::SysError(int err, std::string operation, std::vector<std::string> hints,
                   int exit_status)
    : Error(fmt::format("{}: {}", operation, describe_errno(err)), std::move(hints), exit_status),
      err_(err), operation_(std::move(operation)) {}

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

// The one error family of the launcher. Every failure reaches main() as an
// Error: a one-line message (what()), hints printed below it, and the exit
// status the launcher then ends with (PRODUCT §8: 125, or 126/127 for exec).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace sandbox {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, std::vector<std::string> hints = {},
                   int exit_status = 125);
    const std::vector<std::string>& hints() const noexcept { return hints_; }
    int exit_status() const noexcept { return exit_status_; }

private:
    std::vector<std::string> hints_;
    int exit_status_;
};

/// A failed system call. `what()` is "OPERATION: strerror (ENAME)". Callers
/// capture errno before building the operation text:
///     const int err = errno;
///     throw SysError(err, fmt::format("cannot open {}", path));
class SysError : public Error {
public:
    SysError(int err, std::string operation, std::vector<std::string> hints = {},
             int exit_status = 125);
    int error() const noexcept { return err_; }
    const std::string& operation() const noexcept { return operation_; }

private:
    int err_;
    std::string operation_;
};

/// A failure that is not an errno (bad ELF file, unsupported feature, ...).
class LaunchError : public Error {
public:
    using Error::Error;
};

/// "ENOENT" for ENOENT; "errno 1234" for unknown values.
std::string errno_name(int err);

/// "No such file or directory (ENOENT)".
std::string describe_errno(int err);

} // namespace sandbox

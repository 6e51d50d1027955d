// Errors from the operating system, with what we were doing and on which path.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace sandbox {

/// A failed system call. `what()` is the full one-line message
/// "OPERATION: strerror (ENAME)"; hints are printed below it.
class SysError : public std::runtime_error {
public:
    SysError(int err, std::string operation, std::vector<std::string> hints = {});
    int error() const noexcept { return err_; }
    const std::string& operation() const noexcept { return operation_; }
    const std::vector<std::string>& hints() const noexcept { return hints_; }

private:
    int err_;
    std::string operation_;
    std::vector<std::string> hints_;
};

/// A failure that is not an errno (bad ELF file, unsupported feature, ...).
class LaunchError : public std::runtime_error {
public:
    explicit LaunchError(const std::string& message, std::vector<std::string> hints = {});
    const std::vector<std::string>& hints() const noexcept { return hints_; }

private:
    std::vector<std::string> hints_;
};

/// "ENOENT" for ENOENT; "errno 1234" for unknown values.
std::string errno_name(int err);

/// "No such file or directory (ENOENT)".
std::string describe_errno(int err);

} // namespace sandbox

// The last step: the target's environment, its executable, the descriptors
// it inherits, and execve() with exit 126/127 and hints on failure.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "policy/policy.hpp"

namespace sandbox {

/// A failure to find or execute the command: exit 127 (not found) or 126.
class ExecError : public SysError {
public:
    ExecError(int err, std::string operation, std::vector<std::string> hints = {});
};

/// The target's environment: `current` (KEY=VALUE entries), cleared if the
/// policy says so, then `set` applied in order, then `unset`.
std::vector<std::string> build_environment(const EnvPolicy& env,
                                           const std::vector<std::string>& current);

/// Value of KEY in a KEY=VALUE list.
std::optional<std::string> env_value(const std::vector<std::string>& env, std::string_view key);

/// The process environment as KEY=VALUE entries.
std::vector<std::string> current_environment();

/// execvp()'s search: a name with '/' is used as is; otherwise each PATH
/// directory (default "/usr/local/bin:/usr/bin:/bin") is tried. Returns an
/// absolute path, or throws ExecError (127 not found, 126 not executable).
std::string find_command(const std::string& name, const std::optional<std::string>& path_var);

/// For a "#!" script, the interpreter path from its first line.
std::optional<std::string> script_interpreter(const std::string& path);

/// Throws SysError if a --keep-fd descriptor is not open.
void check_keep_fds(const std::vector<int>& keep);

struct ExecPlan {
    std::string path;                // absolute
    std::vector<std::string> argv;   // argv[0] as given by the user
    std::vector<std::string> envp;   // KEY=VALUE
    std::vector<int> keep_fds;       // besides 0, 1, 2
    int status_fd = -1;              // kept open but close-on-exec (--report-denials)
};

/// Hints for an execve() failure with this errno (the app knows the policy).
using ExecHints = std::function<std::vector<std::string>(int err)>;

/// Closes every descriptor >= 3 except keep_fds (which lose O_CLOEXEC) and
/// status_fd (which the exec closes), then execve(). Only returns by
/// throwing ExecError.
[[noreturn]] void exec_target(const ExecPlan& plan, const ExecHints& hints);

} // namespace sandbox

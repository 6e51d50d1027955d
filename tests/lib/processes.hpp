// Child processes of a test: a forked body, a program in the background, an idle
// child to aim signals at; each is reaped (and killed first) by its owner.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sandbox_it {

/// Throws std::system_error for the system call that just failed (errno).
[[noreturn]] void fail_sys(const std::string& what);

// argv/envp for execv/execve: pointers into `v`, NULL-terminated.
std::vector<char*> c_strings(const std::vector<std::string>& v);

// waitpid(pid) retried on EINTR; the raw wait status.
int wait_status(pid_t pid);

// Runs `body` in a forked child that exits with its return value. Returns that
// exit status, or 128 + N when signal N killed the child, or -1 when fork failed.
int in_child(const std::function<int()>& body);

// `argv` (argv[0] a path, no PATH search) in the background, in its own process
// group: stdin from /dev/null, stdout and stderr into `log_path` (or /dev/null when
// empty), the environment `env` (nullopt inherits the test's). Unless it was
// reaped, the destructor kills its process group (a shell's or a launcher's
// children too) and reaps it.
class BackgroundProcess {
public:
    explicit BackgroundProcess(const std::vector<std::string>& argv,
                               std::optional<std::vector<std::string>> env = std::nullopt,
                               const std::string& log_path = "");
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;

    [[nodiscard]] pid_t pid() const { return pid_; }
    // Waits for the process to end; its raw wait status.
    int wait();
    // Whether the process has exited (reaps it, does not wait).
    bool exited();

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
};

// A child of the test process, outside any sandbox the test starts, that waits
// until it is killed. The destructor kills and reaps it.
class IdleChild {
public:
    IdleChild();
    ~IdleChild();
    IdleChild(const IdleChild&) = delete;
    IdleChild& operator=(const IdleChild&) = delete;
    [[nodiscard]] pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
};

}  // namespace sandbox_it

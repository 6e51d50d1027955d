#include "command/exec.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <fmt/format.h>

#include "base/path.hpp"
#include "base/unique_fd.hpp"

namespace sandbox {

namespace {
int status_for(int err) {
    return (err == ENOENT || err == ENOTDIR) ? 127 : 126;
}
} // namespace

ExecError::ExecError(int err, std::string operation, std::vector<std::string> hints)
    : SysError(err, std::move(operation), std::move(hints), status_for(err)) {}

std::vector<std::string> current_environment() {
    std::vector<std::string> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        out.emplace_back(*e);
    }
    return out;
}

std::optional<std::string> env_value(const std::vector<std::string>& env, std::string_view key) {
    for (const auto& entry : env) {
        if (entry.size() > key.size() && entry.compare(0, key.size(), key) == 0 &&
            entry[key.size()] == '=') {
            return entry.substr(key.size() + 1);
        }
    }
    return std::nullopt;
}

namespace {
void remove_key(std::vector<std::string>& env, std::string_view key) {
    std::erase_if(env, [&](const std::string& entry) {
        return entry.size() > key.size() && entry.compare(0, key.size(), key) == 0 &&
               entry[key.size()] == '=';
    });
}
} // namespace

std::vector<std::string> build_environment(const EnvPolicy& env,
                                           const std::vector<std::string>& current) {
    std::vector<std::string> out;
    if (!env.clear) {
        out = current;
    }
    for (const auto& s : env.set) {
        std::optional<std::string> value = s.value ? s.value : env_value(current, s.key);
        remove_key(out, s.key);
        if (value) {
            out.push_back(s.key + "=" + *value);
        }
    }
    for (const auto& key : env.unset) {
        remove_key(out, key);
    }
    return out;
}

namespace {

bool is_executable_file(const std::string& path, int& err) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
        err = errno;
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        err = EACCES;
        return false;
    }
    if (access(path.c_str(), X_OK) != 0) {
        err = errno;
        return false;
    }
    return true;
}

std::string command_hint(int err, const std::string& name) {
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return name.find('/') != std::string::npos
                   ? "check the path; COMMAND is looked up before the sandbox starts"
                   : "check the name, or give the command's full path";
    case EACCES:
        return "it is a directory or lacks execute permission (chmod +x?)";
    default:
        return "COMMAND is checked before the sandbox starts";
    }
}

} // namespace

std::string find_command(const std::string& name, const std::optional<std::string>& path_var) {
    if (name.empty()) {
        throw ExecError(ENOENT, "cannot find the command \"\"");
    }
    if (name.find('/') != std::string::npos) {
        int err = 0;
        if (!is_executable_file(name, err)) {
            throw ExecError(err, fmt::format("cannot execute \"{}\"", name),
                            {command_hint(err, name)});
        }
        return make_absolute(name, "");
    }
    const std::string search = path_var.value_or("/usr/local/bin:/usr/bin:/bin");
    int first_error = ENOENT;
    std::string_view rest = search;
    while (true) {
        auto colon = rest.find(':');
        std::string dir(rest.substr(0, colon));
        std::string candidate = fmt::format("{}/{}", dir.empty() ? "." : dir, name);
        int err = 0;
        if (is_executable_file(candidate, err)) {
            return make_absolute(candidate, "");
        }
        if (err != ENOENT && err != ENOTDIR && first_error == ENOENT) {
            first_error = err;
        }
        if (colon == std::string_view::npos) {
            break;
        }
        rest = rest.substr(colon + 1);
    }
    std::vector<std::string> hints{command_hint(first_error, name)};
    if (first_error == ENOENT) {
        hints.push_back(fmt::format("searched PATH={}", search));
    }
    throw ExecError(first_error, fmt::format("cannot find the command \"{}\"", name), hints);
}

std::optional<std::string> script_interpreter(const std::string& path) {
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid()) {
        return std::nullopt;
    }
    char buf[256];
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 3 || buf[0] != '#' || buf[1] != '!') {
        return std::nullopt;
    }
    std::string_view line(buf + 2, static_cast<std::size_t>(n - 2));
    line = line.substr(0, line.find('\n'));
    auto start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
        return std::nullopt;
    }
    line = line.substr(start);
    return std::string(line.substr(0, line.find_first_of(" \t")));
}

void check_keep_fds(const std::vector<int>& keep) {
    for (int fd : keep) {
        if (fcntl(fd, F_GETFD) < 0) {
            const int err = errno;
            throw SysError(err, fmt::format("--keep-fd {}: descriptor is not open", fd),
                           {"open it in the calling shell, e.g. `5<file`, or drop --keep-fd"});
        }
    }
}

namespace {

void close_range_checked(unsigned first, unsigned last) {
    if (first > last) {
        return;
    }
    if (syscall(SYS_close_range, first, last, 0U) == 0) {
        return;
    }
    if (errno != ENOSYS) {
        const int err = errno;
        throw SysError(err, "cannot close inherited descriptors");
    }
    const long max = sysconf(_SC_OPEN_MAX);
    for (long fd = first; fd <= std::min<long>(last, max); ++fd) {
        close(static_cast<int>(fd));
    }
}

void close_inherited(std::vector<int> keep, int status_fd) {
    if (status_fd >= 3) {
        keep.push_back(status_fd);
    }
    std::sort(keep.begin(), keep.end());
    unsigned next = 3;
    for (int fd : keep) {
        if (fd < 3 || static_cast<unsigned>(fd) < next) {
            continue;
        }
        close_range_checked(next, static_cast<unsigned>(fd) - 1);
        next = static_cast<unsigned>(fd) + 1;
        if (fd == status_fd) {
            continue;  // stays close-on-exec
        }
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) != 0) {
            const int err = errno;
            throw SysError(err, fmt::format("--keep-fd {}: cannot keep it open", fd));
        }
    }
    close_range_checked(next, ~0U);
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) {
        out.push_back(const_cast<char*>(s.c_str()));  // NOLINT: execve's signature
    }
    out.push_back(nullptr);
    return out;
}

} // namespace

void exec_target(const ExecPlan& plan, const ExecHints& hints) {
    close_inherited(plan.keep_fds, plan.status_fd);
    std::vector<char*> argv = c_strings(plan.argv);
    std::vector<char*> envp = c_strings(plan.envp);
    execve(plan.path.c_str(), argv.data(), envp.data());
    const int err = errno;
    throw ExecError(err, fmt::format("cannot execute \"{}\"", plan.path),
                    hints ? hints(err) : std::vector<std::string>{});
}

} // namespace sandbox

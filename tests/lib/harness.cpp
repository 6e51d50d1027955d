#include "harness.hpp"
#include "processes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace sandbox_it {

namespace {

// Owns one descriptor.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = other.fd_;
            other.fd_ = -1;
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) {
            close(fd_);
        }
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

// Internal descriptors live at 100 and above so that FdMapping targets (small
// numbers) never overwrite them in the child.
constexpr int kHighFd = 100;

Fd high(int fd) {
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, kHighFd);
    int err = errno;
    close(fd);
    if (moved < 0) {
        errno = err;
        fail_sys("fcntl(F_DUPFD_CLOEXEC)");
    }
    return Fd(moved);
}

std::pair<Fd, Fd> make_pipe() {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        fail_sys("pipe2");
    }
    Fd read_end = high(p[0]);
    Fd write_end = high(p[1]);
    return {std::move(read_end), std::move(write_end)};
}

// Only async-signal-safe calls between fork and exec.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, int out, int err,
                             int report, const std::vector<FdMapping>& fds) {
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
        int e = errno;
        (void)!write(report, &e, sizeof e);
        _exit(127);
    }
    for (const FdMapping& m : fds) {
        int r = (m.source == m.target) ? fcntl(m.target, F_SETFD, 0) : dup2(m.source, m.target);
        if (r < 0) {
            int e = errno;
            (void)!write(report, &e, sizeof e);
            _exit(127);
        }
    }
    execve(argv[0], argv, envp);
    int e = errno;
    (void)!write(report, &e, sizeof e);
    _exit(127);
}

}  // namespace

std::string required_env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        throw std::runtime_error(std::string(name) +
                                 " is not set: run the tests with meson test");
    }
    return value;
}

int available_cpus() {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    return sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
}

Args concat(std::initializer_list<Args> parts) {
    Args out;
    for (const Args& part : parts) {
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

RunOptions with_env(std::vector<std::string> env) {
    RunOptions options;
    options.env = std::move(env);
    return options;
}

RunOptions with_fds(std::vector<FdMapping> fds) {
    RunOptions options;
    options.fds = std::move(fds);
    return options;
}

std::string RunResult::describe() const {
    std::ostringstream s;
    if (timed_out) {
        s << "timed out; ";
    }
    if (term_signal != 0) {
        s << "killed by signal " << term_signal;
    } else {
        s << "exit status " << exit_status;
    }
    s << "\n--- stdout ---\n" << out << "--- stderr ---\n" << err << "---";
    return s.str();
}

std::vector<std::string> RunResult::err_lines() const { return lines(err); }

std::vector<std::string> lines(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        out.emplace_back(text.substr(0, nl));
        if (nl == std::string_view::npos) {
            break;
        }
        text.remove_prefix(nl + 1);
    }
    return out;
}

bool has_line_starting_with(const std::vector<std::string>& all, std::string_view prefix) {
    for (const auto& line : all) {
        if (line.starts_with(prefix)) {
            return true;
        }
    }
    return false;
}

RunResult run(const Args& argv, const RunOptions& options) {
    if (argv.empty()) {
        throw std::invalid_argument("run: empty argv");
    }
    std::vector<std::string> env_storage;
    if (options.env) {
        env_storage = *options.env;
    } else {
        for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
            env_storage.emplace_back(*e);
        }
    }
    std::vector<char*> c_argv = c_strings(argv);
    std::vector<char*> c_env = c_strings(env_storage);

    auto [out_read, out_write] = make_pipe();
    auto [err_read, err_write] = make_pipe();
    auto [report_read, report_write] = make_pipe();

    const pid_t pid = fork();
    if (pid < 0) {
        fail_sys("fork");
    }
    if (pid == 0) {
        exec_child(c_argv.data(), c_env.data(), out_write.get(), err_write.get(),
                   report_write.get(), options.fds);
    }
    out_write.reset();
    err_write.reset();
    report_write.reset();

    // The child execs only if the report pipe closes without an errno in it.
    int exec_errno = 0;
    ssize_t n = 0;
    do {
        n = read(report_read.get(), &exec_errno, sizeof exec_errno);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof exec_errno)) {
        waitpid(pid, nullptr, 0);
        RunResult r;
        r.err = "harness: cannot execute " + argv[0] + ": " + std::strerror(exec_errno) + "\n";
        return r;
    }

    Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    if (pidfd.get() < 0) {
        fail_sys("pidfd_open");
    }

    RunResult result;
    const auto deadline = std::chrono::steady_clock::now() + options.timeout;
    bool out_open = true;
    bool err_open = true;
    bool exited = false;
    while (out_open || err_open || !exited) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            break;
        }
        pollfd fds[3] = {
            {out_open ? out_read.get() : -1, POLLIN, 0},
            {err_open ? err_read.get() : -1, POLLIN, 0},
            {exited ? -1 : pidfd.get(), POLLIN, 0},
        };
        int ready = poll(fds, 3, static_cast<int>(left.count()));
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail_sys("poll");
        }
        auto drain = [](int fd, std::string& into) {
            char buf[4096];
            ssize_t got = read(fd, buf, sizeof buf);
            if (got > 0) {
                into.append(buf, static_cast<std::size_t>(got));
                return true;
            }
            return got < 0 && errno == EINTR;
        };
        if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            out_open = drain(out_read.get(), result.out);
        }
        if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            err_open = drain(err_read.get(), result.err);
        }
        if (!exited && (fds[2].revents & POLLIN) != 0) {
            exited = true;
        }
    }
    if (!exited) {
        kill(pid, SIGKILL);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fail_sys("waitpid");
        }
    }
    if (WIFEXITED(status)) {
        result.exit_status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.term_signal = WTERMSIG(status);
    }
    return result;
}

std::vector<std::string> environment_with(const std::vector<std::string>& set,
                                          const std::vector<std::string>& unset) {
    auto key_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
    std::vector<std::string> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view key = key_of(*e);
        bool drop = false;
        for (const auto& u : unset) {
            drop = drop || key == u;
        }
        for (const auto& s : set) {
            drop = drop || key == key_of(s);
        }
        if (!drop) {
            out.emplace_back(*e);
        }
    }
    out.insert(out.end(), set.begin(), set.end());
    return out;
}

const std::string& sandbox_bin() {
    static const std::string value = required_env("SANDBOX_BIN");
    return value;
}

const std::string& probe_bin() {
    static const std::string value = required_env("SANDBOX_PROBE");
    return value;
}

std::string probe_dir() { return std::filesystem::path(probe_bin()).parent_path().string(); }

const std::string& source_root() {
    static const std::string value = required_env("SANDBOX_SOURCE_ROOT");
    return value;
}

RunResult run_sandbox(const Args& args, const RunOptions& options) {
    return run(concat({{sandbox_bin()}, args}), options);
}

Args exec_flags() {
    Args out;
    for (const char* dir : {"/usr", "/lib", "/lib64"}) {
        if (std::filesystem::exists(dir)) {
            out.insert(out.end(), {"--rox", dir});
        }
    }
    out.insert(out.end(), {"--rox", probe_dir()});
    return out;
}

std::string probe(const Args& flags, const Args& op_and_args, const RunOptions& options) {
    RunResult r = run_sandbox(concat({exec_flags(), flags, {"--", probe_bin()}, op_and_args}),
                              options);
    if (r.term_signal == 0 && (r.exit_status == 0 || r.exit_status == 1)) {
        std::string name = r.out;
        while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) {
            name.pop_back();
        }
        if (!name.empty() && name.find('\n') == std::string::npos) {
            return name;
        }
    }
    return "<no probe result: " + r.describe() + ">";
}

::testing::AssertionResult is_launcher_error(const RunResult& r) {
    const auto err = r.err_lines();
    if (r.exit_status != 125) {
        return ::testing::AssertionFailure() << "expected exit status 125; " << r.describe();
    }
    if (err.empty() || !err.front().starts_with("sandbox: error: ")) {
        return ::testing::AssertionFailure()
               << "stderr's first line does not start with \"sandbox: error: \"; "
               << r.describe();
    }
    if (!has_line_starting_with(err, "  hint: ")) {
        return ::testing::AssertionFailure() << "no \"  hint: \" line; " << r.describe();
    }
    return ::testing::AssertionSuccess();
}

const nlohmann::json& features() {
    static const nlohmann::json value = [] {
        RunResult r = run_sandbox({"--features=json"});
        if (r.exit_status != 0) {
            throw std::runtime_error("sandbox --features=json failed: " + r.describe());
        }
        return nlohmann::json::parse(r.out);
    }();
    return value;
}

int launcher_abi() { return features().at("abi").get<int>(); }

std::optional<std::string> abi_shortfall(int needed) {
    const int abi = launcher_abi();
    if (abi >= needed) {
        return std::nullopt;
    }
    return "needs Landlock ABI " + std::to_string(needed) + ", this kernel has " +
           std::to_string(abi);
}

bool abi_required(int needed) {
    const char* value = std::getenv("SANDBOX_TEST_REQUIRE_ABI");
    if (value == nullptr || *value == '\0') {
        return false;
    }
    char* end = nullptr;
    long required = std::strtol(value, &end, 10);
    return end != value && *end == '\0' && required >= needed;
}

bool kernel_tsync_required() {
    const char* value = std::getenv("SANDBOX_TEST_KERNEL_TSYNC");
    return value != nullptr && std::string_view(value) == "1";
}

void SandboxTest::SetUp() {
    temp_.emplace("/tmp", "sandbox-it");
    dir_ = temp_->path();
}

void SandboxTest::TearDown() {
    extra_dirs_.clear();
    temp_.reset();
}

std::string SandboxTest::path(std::string_view relative) const {
    return (dir_ / relative).string();
}

std::string SandboxTest::make_file(std::string_view relative, std::string_view content,
                                   std::filesystem::perms perms) {
    const std::string p = path(relative);
    {
        std::ofstream f(p, std::ios::binary | std::ios::trunc);
        f << content;
        if (!f) {
            throw std::runtime_error("cannot write " + p);
        }
    }
    std::filesystem::permissions(p, perms);
    return p;
}

std::string SandboxTest::make_dir(std::string_view relative) {
    const std::string p = path(relative);
    std::filesystem::create_directories(p);
    return p;
}

std::string SandboxTest::copy_program(const std::string& from, std::string_view relative) {
    const std::string p = path(relative);
    std::filesystem::copy_file(from, p, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(p, std::filesystem::perms(0755));
    return p;
}

std::string SandboxTest::write_policy(std::string_view relative, const nlohmann::json& policy) {
    return make_file(relative, policy.dump(2) + "\n");
}

std::string SandboxTest::make_temp_dir_in(const std::string& base) {
    return extra_dirs_.emplace_back(base, "sandbox-it").path();
}

Args SandboxTest::marker_command() const {
    std::filesystem::create_directories(dir_ / "w");
    return {"--", probe_bin(), "create", path("w/marker")};
}

Args SandboxTest::marker_rule() const { return {"--rw", path("w")}; }

bool SandboxTest::ran() const { return exists(path("w/marker")); }

void SandboxTest::forget_marker() const { std::filesystem::remove(path("w/marker")); }

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

bool exists(const std::string& path) {
    std::error_code ignored;
    return std::filesystem::symlink_status(path, ignored).type() !=
           std::filesystem::file_type::not_found;
}

}  // namespace sandbox_it

#include "processes.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

extern char** environ;

namespace sandbox_it {

void fail_sys(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) {
        out.push_back(const_cast<char*>(s.c_str()));  // execve's signature
    }
    out.push_back(nullptr);
    return out;
}

int wait_status(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

int in_child(const std::function<int()>& body) {
    const pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        _exit(body());
    }
    const int status = wait_status(pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     std::optional<std::vector<std::string>> env,
                                     const std::string& log_path) {
    std::vector<char*> c_argv = c_strings(argv);
    std::vector<char*> c_env;
    if (env) {
        c_env = c_strings(*env);
    }
    const std::string out = log_path.empty() ? "/dev/null" : log_path;
    const int log = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log < 0) {
        fail_sys("open " + out);
    }
    pid_ = fork();
    if (pid_ < 0) {
        close(log);
        fail_sys("fork");
    }
    if (pid_ == 0) {
        setpgid(0, 0);
        const int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0) {
            _exit(127);
        }
        execve(c_argv[0], c_argv.data(), env ? c_env.data() : environ);
        _exit(127);
    }
    setpgid(pid_, pid_);  // also here: kill(-pid) must work before the child runs
    close(log);
}

BackgroundProcess::~BackgroundProcess() {
    if (pid_ > 0 && !reaped_) {
        kill(-pid_, SIGKILL);
        wait_status(pid_);
    }
}

int BackgroundProcess::wait() {
    reaped_ = true;
    return wait_status(pid_);
}

bool BackgroundProcess::exited() {
    if (!reaped_) {
        int status = 0;
        reaped_ = waitpid(pid_, &status, WNOHANG) == pid_;
    }
    return reaped_;
}

IdleChild::IdleChild() {
    pid_ = fork();
    if (pid_ < 0) {
        fail_sys("fork");
    }
    if (pid_ == 0) {
        for (;;) {
            pause();
        }
    }
}

IdleChild::~IdleChild() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        wait_status(pid_);
    }
}

}  // namespace sandbox_it

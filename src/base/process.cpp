#include "base/process.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <fmt/format.h>

namespace sandbox {

bool descends_from(long pid, long ancestor) {
    for (int depth = 0; depth < 64 && pid > 1; ++depth) {
        if (pid == ancestor) {
            return true;
        }
        std::ifstream stat(fmt::format("/proc/{}/stat", pid));
        std::string line;
        if (!std::getline(stat, line)) {
            return false;
        }
        // "PID (COMM) STATE PPID ...": COMM may contain spaces and ')'.
        const std::size_t close = line.rfind(')');
        if (close == std::string::npos) {
            return false;
        }
        // After ") ": the state (one character), a space, then PPID.
        const char* ppid_text = line.c_str() + close + 1;
        if (std::strlen(ppid_text) < 4) {
            return false;
        }
        char* end = nullptr;
        const long ppid = std::strtol(ppid_text + 3, &end, 10);
        if (end == ppid_text + 3) {
            return false;
        }
        pid = ppid;
    }
    return false;
}

sigset_t forwarded_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM,
                    SIGCHLD}) {
        sigaddset(&set, sig);
    }
    return set;
}

std::vector<long> descendants_of(long ancestor) {
    std::vector<long> out;
    DIR* proc = opendir("/proc");
    if (proc == nullptr) {
        return out;
    }
    while (const dirent* e = readdir(proc)) {
        char* end = nullptr;
        const long pid = std::strtol(e->d_name, &end, 10);
        if (end != e->d_name && *end == '\0' && pid != ancestor && descends_from(pid, ancestor)) {
            out.push_back(pid);
        }
    }
    closedir(proc);
    return out;
}

[[noreturn]] void die_by(int sig) {
    std::fflush(nullptr);
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    raise(sig);
    _exit(128 + sig);
}

} // namespace sandbox

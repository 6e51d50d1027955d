#include "enforce/all_threads.hpp"

#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>

#include <fmt/format.h>

#include "enforce/landlock.hpp"
#include "enforce/syscall_trace.hpp"
#include "enforce/threads.hpp"
#include "base/error.hpp"

namespace sandbox {

namespace {

enum Phase : int { Park = 0, Go = 1, Abort = 2 };
enum SlotState : int { Empty = 0, Parked = 1, Done = 2 };

struct Slot {
    char name[16] = {};  ///< PR_GET_NAME, written by the thread before it parks
    std::atomic<pid_t> tid{0};
    std::atomic<int> state{Empty};
    std::atomic<int> error{0};
};

/// Shared between the caller and the signal handlers. It lives for the
/// whole process: a handler may still touch it after reporting.
struct Session {
    std::atomic<int> phase{Park};
    std::atomic<int> parked{0};
    std::atomic<int> done{0};
    std::atomic<int> next_slot{0};
    std::atomic<int> overflow{0};
    /// Wake the caller only when a count reaches its target: one wake-up for
    /// a thousand threads instead of a thousand.
    std::atomic<int> park_target{1};
    std::atomic<int> done_target{1};
    int capacity = 0;
    Slot* slots = nullptr;
    int ruleset_fd = -1;
    std::uint32_t flags = 0;
};

std::atomic<Session*> active_session{nullptr};
// Keeps the never-freed session reachable for leak checkers (an atomic, so the
// compiler cannot drop a store that nothing reads).
std::atomic<Session*> retained_session{nullptr};
int reserved_signal = 0;

static_assert(std::atomic<int>::is_always_lock_free);
static_assert(sizeof(std::atomic<int>) == sizeof(int));

int* futex_word(std::atomic<int>& a) {
    return reinterpret_cast<int*>(&a);  // NOLINT: the futex syscall takes the int
}

void futex_wait(std::atomic<int>& word, int expected, const timespec* timeout) {
    syscall(SYS_futex, futex_word(word), FUTEX_WAIT_PRIVATE, expected, timeout, nullptr, 0);
}

void futex_wake_all(std::atomic<int>& word) {
    syscall(SYS_futex, futex_word(word), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
}

/// Async-signal-safe: atomics and raw syscalls only.
void park_handler(int /*sig*/, siginfo_t* info, void* /*ucontext*/) {
    const int saved_errno = errno;
    Session* s = active_session.load(std::memory_order_acquire);
    if (s == nullptr || info->si_code != SI_TKILL || info->si_pid != getpid()) {
        errno = saved_errno;
        return;  // not ours, or too late
    }
    const int i = s->next_slot.fetch_add(1);
    if (i >= s->capacity) {
        s->overflow.store(1);
        futex_wake_all(s->parked);
        errno = saved_errno;
        return;
    }
    Slot& slot = s->slots[i];
    prctl(PR_GET_NAME, slot.name, 0, 0, 0);
    slot.tid.store(static_cast<pid_t>(syscall(SYS_gettid)));
    slot.state.store(Parked);
    if (s->parked.fetch_add(1) + 1 >= s->park_target.load()) {
        futex_wake_all(s->parked);
    }
    int phase = Park;
    while ((phase = s->phase.load()) == Park) {
        futex_wait(s->phase, Park, nullptr);  // EINTR from other signals: loop
    }
    int err = ECANCELED;
    if (phase == Go) {
        err = 0;
        const int nnp = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        syscall_trace::record(syscall_trace::Call::NoNewPrivs, 0, 0, 0, nnp);
        if (nnp != 0 || landlock::restrict_self(s->ruleset_fd, s->flags) != 0) {
            err = errno;
        }
    }
    slot.error.store(err);
    slot.state.store(Done);
    if (s->done.fetch_add(1) + 1 >= s->done_target.load()) {
        futex_wake_all(s->done);
    }
    errno = saved_errno;
}

/// The highest real-time signal nobody handles yet; installs our handler.
int install_handler() {
    if (reserved_signal != 0) {
        return reserved_signal;
    }
    for (int sig = SIGRTMAX; sig >= SIGRTMIN; --sig) {
        struct sigaction old {};
        if (sigaction(sig, nullptr, &old) != 0) {
            continue;
        }
        if (old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO) != 0) {
            continue;
        }
        struct sigaction sa {};
        sa.sa_sigaction = park_handler;
        sa.sa_flags = SA_SIGINFO | SA_RESTART;
        sigfillset(&sa.sa_mask);  // nothing interrupts the handler's bookkeeping
        if (sigaction(sig, &sa, nullptr) != 0) {
            const int err = errno;
            throw SysError(err, "cannot install the thread-parking signal handler");
        }
        reserved_signal = sig;
        return sig;
    }
    throw LaunchError("no free real-time signal to park threads with",
                      {"every signal from SIGRTMIN to SIGRTMAX already has a handler"});
}

std::string describe_threads(const std::vector<pid_t>& tids) {
    std::vector<std::string> parts;
    parts.reserve(tids.size());
    for (pid_t t : tids) {
        parts.push_back(fmt::format("{} ({})", t, thread_name(t)));
    }
    return fmt::format("{}", fmt::join(parts, ", "));
}

/// A fixed-capacity list of thread ids. Between the first signal and the
/// release of the parked threads the caller must not allocate or take any
/// library lock: a parked thread may have been stopped inside malloc().
struct TidList {
    pid_t* tids = nullptr;
    int count = 0;
    int capacity = 0;

    bool contains(pid_t tid) const {
        for (int i = 0; i < count; ++i) {
            if (tids[i] == tid) {
                return true;
            }
        }
        return false;
    }
    bool add(pid_t tid) {
        if (count >= capacity) {
            return false;
        }
        tids[count++] = tid;
        return true;
    }
};

struct linux_dirent64_header {
    std::uint64_t d_ino;
    std::int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[1];
};

/// /proc/self/task with raw syscalls only (no opendir: it allocates).
/// Returns false when the list does not fit or /proc cannot be read.
bool read_task_list(TidList& out) {
    out.count = 0;
    const int dir = static_cast<int>(
        syscall(SYS_openat, AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir < 0) {
        return false;
    }
    alignas(8) char buf[16384];
    bool ok = true;
    for (;;) {
        const long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
        if (n <= 0) {
            ok = ok && n == 0;  // keep a "does not fit" from an earlier chunk
            break;
        }
        for (long off = 0; off < n;) {
            const auto* d = reinterpret_cast<const linux_dirent64_header*>(buf + off);  // NOLINT
            pid_t tid = 0;
            const char* c = d->d_name;
            for (; *c >= '0' && *c <= '9'; ++c) {
                tid = tid * 10 + (*c - '0');
            }
            if (*c == '\0' && tid > 0 && !out.add(tid)) {
                ok = false;
            }
            off += d->d_reclen;
        }
    }
    syscall(SYS_close, dir);
    return ok;
}

bool is_parked(const Session& s, pid_t tid) {
    const int n = std::min(s.next_slot.load(), s.capacity);
    for (int i = 0; i < n; ++i) {
        if (s.slots[i].state.load() != Empty && s.slots[i].tid.load() == tid) {
            return true;
        }
    }
    return false;
}

/// Releases every parked thread without restricting it.
void abort_session(Session& s) {
    s.phase.store(Abort);
    futex_wake_all(s.phase);
    active_session.store(nullptr, std::memory_order_release);
}

/// Buffers for park_siblings, allocated before the first signal.
struct ParkBuffers {
    std::vector<pid_t> listed, again, signaled, waiting;
    explicit ParkBuffers(int capacity)
        : listed(static_cast<std::size_t>(capacity)), again(listed.size()),
          signaled(listed.size()), waiting(listed.size()) {}
    TidList list(std::vector<pid_t>& v) { return {v.data(), 0, static_cast<int>(v.size())}; }
};

bool same_list(const TidList& a, const TidList& b) {
    if (a.count != b.count) {
        return false;
    }
    for (int i = 0; i < a.count; ++i) {
        if (!b.contains(a.tids[i])) {
            return false;
        }
    }
    return true;
}

/// Signals and waits until every thread but the caller is parked; throws
/// (after releasing them) on timeout. Allocation-free until it releases.
void park_siblings(Session& s, int sig, std::chrono::milliseconds timeout, ParkBuffers& b) {
    const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
    const pid_t pid = getpid();
    // The timeout counts from the end of the first pass, which signals every
    // thread there is: with thousands of threads on a slow machine that pass
    // alone can outlast it, and the threads would get no time to park.
    auto deadline = std::chrono::steady_clock::time_point::max();
    TidList signaled = b.list(b.signaled);
    TidList listed = b.list(b.listed);
    TidList again = b.list(b.again);
    TidList waiting = b.list(b.waiting);
    for (;;) {
        if (!read_task_list(listed)) {
            abort_session(s);
            throw LaunchError("cannot read the launcher's thread list from /proc/self/task",
                              {"sandbox must see all its threads before restricting them: "
                               "mount /proc, or inside another sandbox allow --ro /proc"});
        }
        waiting.count = 0;
        int tgkill_error = 0;
        for (int i = 0; i < listed.count; ++i) {
            const pid_t tid = listed.tids[i];
            if (tid == self || is_parked(s, tid)) {
                continue;
            }
            if (!signaled.contains(tid)) {
                if (syscall(SYS_tgkill, pid, tid, sig) == 0) {
                    signaled.add(tid);
                } else if (errno != ESRCH) {
                    tgkill_error = errno;
                }
            }
            waiting.add(tid);
        }
        if (deadline == std::chrono::steady_clock::time_point::max()) {
            deadline = std::chrono::steady_clock::now() + timeout;
        }
        if (tgkill_error != 0) {
            abort_session(s);
            throw SysError(tgkill_error, "cannot signal a thread to park it");
        }
        if (s.overflow.load() != 0) {
            abort_session(s);
            throw LaunchError("threads were created faster than they could be parked");
        }
        if (waiting.count == 0) {
            // Every listed thread is parked and parked threads cannot create
            // new ones: one more read confirms the list is complete.
            if (read_task_list(again) && same_list(listed, again)) {
                return;
            }
            continue;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            abort_session(s);  // released: allocating is safe again
            std::vector<pid_t> stuck(waiting.tids, waiting.tids + waiting.count);
            throw LaunchError(
                fmt::format("thread(s) {} did not stop for enforcement within {} ms",
                            describe_threads(stuck), timeout.count()),
                {fmt::format("a thread that blocks signal {} (SIGRTMIN+{}) cannot be restricted "
                             "without kernel TSYNC",
                             sig, sig - SIGRTMIN),
                 "refusing to leave a thread unrestricted; nothing was run"});
        }
        // Wait until every signaled thread has parked, re-reading the task
        // list at least every 10 ms for threads that exited or appeared.
        const auto relist = std::min(deadline, std::chrono::steady_clock::now() +
                                                   std::chrono::milliseconds(10));
        s.park_target.store(signaled.count);
        int seen = s.parked.load();
        while (seen < signaled.count && std::chrono::steady_clock::now() < relist) {
            const timespec tick{0, 1000000};
            futex_wait(s.parked, seen, &tick);
            seen = s.parked.load();
        }
    }
}

} // namespace

std::vector<ThreadResult> restrict_all_threads_emulated(int ruleset_fd, std::uint32_t flags,
                                                        const EmulationOptions& options) {
    const int sig = install_handler();
    if (active_session.load() != nullptr) {
        throw LaunchError("all-thread enforcement is already running in this process");
    }
    // One session per enforcement; it is never freed (see Session).
    auto* s = new Session;  // NOLINT(cppcoreguidelines-owning-memory)
    s->capacity = static_cast<int>(std::max<std::size_t>(4096, list_threads().size() * 4));
    s->slots = new Slot[static_cast<std::size_t>(s->capacity)];  // NOLINT
    s->ruleset_fd = ruleset_fd;
    s->flags = flags;
    retained_session.store(s);
    active_session.store(s, std::memory_order_release);

    // Everything the caller needs until the parked threads are released is
    // allocated now. Names come from PR_GET_NAME (no /proc, which the new
    // domain may deny): each parked thread records its own.
    ParkBuffers buffers(s->capacity);
    const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
    char self_name[16] = {};
    prctl(PR_GET_NAME, self_name, 0, 0, 0);

    park_siblings(*s, sig, options.park_timeout, buffers);
    const int parked_count = std::min(s->next_slot.load(), s->capacity);
    const int nnp = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    syscall_trace::record(syscall_trace::Call::NoNewPrivs, 0, 0, 0, nnp);
    if (nnp != 0) {
        const int err = errno;
        abort_session(*s);
        throw SysError(err, "cannot set no_new_privs");
    }
    if (landlock::restrict_self(ruleset_fd, flags) != 0) {
        const int err = errno;
        abort_session(*s);
        throw SysError(err, "cannot enforce the Landlock ruleset", restrict_hints(err, flags));
    }
    // The caller is restricted: from here on, a failure means no exec.
    const int expected = s->parked.load();
    s->done_target.store(expected);
    s->phase.store(Go);
    futex_wake_all(s->phase);
    const auto deadline = std::chrono::steady_clock::now() + options.park_timeout;
    int finished = 0;
    while ((finished = s->done.load()) < expected) {
        if (std::chrono::steady_clock::now() >= deadline) {
            // A thread still in the handler may hold a libc lock (it was
            // stopped anywhere): no allocation, no stdio. The caller is
            // restricted and nothing may run: leave at once.
            static const char msg[] =
                "sandbox: error: parked threads did not report their restriction in time\n"
                "  hint: the launcher is partly restricted and will not run anything\n";
            (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
            _exit(125);
        }
        const timespec tick{0, 1000000};
        futex_wait(s->done, finished, &tick);
    }
    active_session.store(nullptr, std::memory_order_release);

    // Released: allocating is safe again.
    std::vector<ThreadResult> results{{self, self_name, 0}};
    std::vector<std::string> failed;
    for (int i = 0; i < parked_count; ++i) {
        results.push_back({s->slots[i].tid.load(), s->slots[i].name, 0});
        ThreadResult& r = results.back();
        r.error = s->slots[i].error.load();
        if (r.error != 0) {
            failed.push_back(fmt::format("{} ({}): {}", r.tid, r.name, describe_errno(r.error)));
        }
    }
    if (!failed.empty()) {
        throw LaunchError(fmt::format("thread(s) could not restrict themselves: {}",
                                      fmt::join(failed, "; ")),
                          {"the launcher is partly restricted and will not run anything"});
    }
    return results;
}

} // namespace sandbox

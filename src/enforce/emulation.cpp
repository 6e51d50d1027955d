#include "enforce/emulation.hpp"

#include <linux/futex.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <set>

#include <fmt/format.h>

#include "enforce/landlock.hpp"
#include "enforce/restrict.hpp"
#include "enforce/sys_error.hpp"

namespace sandbox {

namespace {

enum Phase : int { Park = 0, Go = 1, Abort = 2 };
enum SlotState : int { Empty = 0, Parked = 1, Done = 2 };

struct Slot {
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
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            err = errno;
        } else if (landlock::restrict_self(s->ruleset_fd, s->flags) != 0) {
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
            throw SysError(errno, "cannot install the thread-parking signal handler");
        }
        reserved_signal = sig;
        return sig;
    }
    throw LaunchError("no free real-time signal to park threads with",
                      {"every signal from SIGRTMIN to SIGRTMAX already has a handler"});
}

std::string describe_threads(const std::vector<pid_t>& tids) {
    std::vector<std::string> parts;
    for (pid_t t : tids) {
        parts.push_back(fmt::format("{} ({})", t, thread_name(t)));
    }
    return fmt::format("{}", fmt::join(parts, ", "));
}

std::set<pid_t> parked_tids(const Session& s) {
    std::set<pid_t> out;
    const int n = std::min(s.next_slot.load(), s.capacity);
    for (int i = 0; i < n; ++i) {
        if (s.slots[i].state.load() != Empty) {
            out.insert(s.slots[i].tid.load());
        }
    }
    return out;
}

/// Releases every parked thread without restricting it.
void abort_session(Session& s) {
    s.phase.store(Abort);
    futex_wake_all(s.phase);
    active_session.store(nullptr, std::memory_order_release);
}

/// Signals and waits until every thread but the caller is parked; throws
/// (after releasing them) on timeout.
void park_siblings(Session& s, int sig, std::chrono::milliseconds timeout) {
    const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
    const pid_t pid = getpid();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::set<pid_t> signaled;
    for (;;) {
        std::vector<pid_t> tids = list_threads();
        std::vector<pid_t> waiting;
        const std::set<pid_t> parked = parked_tids(s);
        for (pid_t tid : tids) {
            if (tid == self || parked.count(tid) != 0) {
                continue;
            }
            if (signaled.count(tid) == 0) {
                if (syscall(SYS_tgkill, pid, tid, sig) == 0) {
                    signaled.insert(tid);
                } else if (errno != ESRCH) {
                    const int err = errno;
                    abort_session(s);
                    throw SysError(err, fmt::format("cannot signal thread {}", tid));
                }
            }
            waiting.push_back(tid);
        }
        if (s.overflow.load() != 0) {
            abort_session(s);
            throw LaunchError("threads were created faster than they could be parked");
        }
        if (waiting.empty()) {
            // Every listed thread is parked and parked threads cannot create
            // new ones: one more read confirms the list is complete.
            std::vector<pid_t> again = list_threads();
            std::sort(tids.begin(), tids.end());
            std::sort(again.begin(), again.end());
            if (again == tids) {
                return;
            }
            continue;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            abort_session(s);
            throw LaunchError(
                fmt::format("thread(s) {} did not stop for enforcement within {} ms",
                            describe_threads(waiting), timeout.count()),
                {fmt::format("a thread that blocks signal {} (SIGRTMIN+{}) cannot be restricted "
                             "without kernel TSYNC",
                             sig, sig - SIGRTMIN),
                 "refusing to leave a thread unrestricted; nothing was run"});
        }
        // Wait until every signaled thread has parked, re-reading the task
        // list at least every 10 ms for threads that exited or appeared.
        const auto relist = std::min(deadline, std::chrono::steady_clock::now() +
                                                   std::chrono::milliseconds(10));
        s.park_target.store(static_cast<int>(signaled.size()));
        int seen = s.parked.load();
        while (seen < static_cast<int>(signaled.size()) &&
               std::chrono::steady_clock::now() < relist) {
            const timespec tick{0, 1000000};
            futex_wait(s.parked, seen, &tick);
            seen = s.parked.load();
        }
    }
}

} // namespace

int emulation_signal() { return reserved_signal; }

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
    active_session.store(s, std::memory_order_release);

    park_siblings(*s, sig, options.park_timeout);

    // Names come from /proc, which the new domain may deny: read them now.
    const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
    auto name = [&](pid_t tid) { return options.thread_names ? thread_name(tid) : std::string(); };
    std::vector<ThreadResult> results{{self, name(self), 0}};
    const int parked_count = std::min(s->next_slot.load(), s->capacity);
    for (int i = 0; i < parked_count; ++i) {
        const pid_t tid = s->slots[i].tid.load();
        results.push_back({tid, name(tid), 0});
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
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
            throw LaunchError(fmt::format("only {} of {} parked threads reported their "
                                          "restriction in time",
                                          finished, expected),
                              {"the launcher is partly restricted and will not run anything"});
        }
        const timespec tick{0, 1000000};
        futex_wait(s->done, finished, &tick);
    }
    active_session.store(nullptr, std::memory_order_release);

    std::vector<std::string> failed;
    for (int i = 0; i < parked_count; ++i) {
        ThreadResult& r = results[static_cast<std::size_t>(i) + 1];
        r.error = s->slots[i].error.load();
        if (r.error != 0) {
            failed.push_back(fmt::format("{}: {}", describe_threads({r.tid}),
                                         describe_errno(r.error)));
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

// --learn: reads the seccomp notifications of the traced command (its
// threads and every descendant), turns each into the Landlock rights the
// operation needs (policy/observations.hpp) and lets the call continue.
//
// Paths are taken as the kernel would see them: the string is read from the
// caller's memory (process_vm_readv), a relative one is resolved against the
// caller's working directory or directory descriptor through
// /proc/PID/cwd and /proc/PID/fd/N, and the result is made canonical
// (CanonicalPaths) before the call runs, so that a file the call creates is seen
// as created. The tracer only observes: a call it cannot read (a process
// that is not dumpable, memory that is gone) still continues, and is
// counted.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "command/canonical_paths.hpp"
#include "command/learn_filter.hpp"
#include "policy/observations.hpp"

struct seccomp_notif;
struct seccomp_notif_resp;

namespace sandbox {

class LearnTracer {
public:
    /// Signals to the launcher's descendants (it is their subreaper) stay
    /// inside the run; any other target is outside. `inherited`: the
    /// launcher's descriptors the command inherits (0, 1, 2, --keep-fd):
    /// Landlock does not restrict them, so their ioctls and ftruncates need
    /// no rule.
    LearnTracer(UniqueFd listener, std::vector<int> inherited);
    ~LearnTracer();
    LearnTracer(const LearnTracer&) = delete;
    LearnTracer& operator=(const LearnTracer&) = delete;

    /// The listener: readable when a notification waits, POLLHUP once no
    /// traced process is left.
    [[nodiscard]] int fd() const { return listener_.get(); }

    /// Receives one notification, records it and lets the call continue.
    /// Returns false when there was none (its caller died meanwhile: the
    /// caller polls again). Throws SysError when receiving keeps failing.
    bool handle_one();

    [[nodiscard]] const Observations& observations() const { return seen_; }
    /// Notifications whose arguments could not be read.
    [[nodiscard]] std::uint64_t unreadable() const { return unreadable_; }
    /// Processes that made traced calls (for ending learning).
    [[nodiscard]] const std::set<pid_t>& processes() const { return pids_; }

private:
    void record(const seccomp_notif& n);

    UniqueFd listener_;
    pid_t self_;  ///< the launcher
    std::vector<int> inherited_;
    TracedCalls calls_;
    seccomp_notif* req_ = nullptr;
    seccomp_notif_resp* resp_ = nullptr;
    std::size_t req_size_ = 0;
    CanonicalPaths paths_;
    Observations seen_;
    std::set<std::string> opened_;         ///< objects the run opened (ioctl, ftruncate)
    std::set<std::string> abstract_bound_;  ///< abstract socket names the run bound
    std::set<pid_t> pids_;
    std::uint64_t unreadable_ = 0;
    int failed_receives_ = 0;  ///< in a row
};

} // namespace sandbox

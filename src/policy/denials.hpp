// Landlock denials of one run, from the kernel's audit records (PRODUCT §10):
// records are grouped into events by serial, events are kept when a domain of
// the run denied them, and equal denials (blockers + object) are counted once.
// Pure: which processes belong to the run is asked through a function.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "policy/audit_record.hpp"

namespace sandbox {

/// One distinct denial: what was blocked on which object, how often, and the
/// first process it happened to.
struct Denial {
    std::vector<std::string> blockers;  ///< as the kernel names them: "fs.read_file"
    // The object, by kind of blocker:
    std::string path;                   ///< fs.*: the file, or the parent directory
    std::optional<int> port;            ///< net.*: the TCP port (dest= or src=)
    std::string address;                ///< net.*: daddr= or saddr=
    std::optional<long> other_pid;      ///< scope.*: the process outside (opid=)
    std::string other_comm;             ///< scope.*: its name (ocomm=)
    std::uint64_t count = 0;
    long pid = 0;                       ///< first process: from the event's SYSCALL record
    std::string comm;
    std::string exe;
};

/// What the collector needs to know about the run.
struct DenialFilter {
    /// Does a domain allocated by this pid belong to the run (the command's
    /// process, or one of its descendants for a nested domain)?
    std::function<bool(long pid)> owns_domain_of;
    /// Events to set aside until the end (set_aside_count(), take_aside()):
    /// those that may be the launcher's own accesses after its exec of the
    /// command failed (the reads for its hints). Only the end of the run
    /// tells whether the exec failed.
    std::function<bool(long pid, const std::string& exe, long syscall)> set_aside;
};

class DenialCollector {
public:
    explicit DenialCollector(DenialFilter filter);

    /// Takes one record; an event is processed when its end (EOE) arrives,
    /// when too many events are pending, or at finish().
    void add(AuditRecord record);
    /// Processes every pending event.
    void finish();

    /// Distinct denials, in the order first seen.
    [[nodiscard]] const std::vector<Denial>& denials() const { return table_.list; }
    /// Domain IDs of the run, in the order allocated (the command's first).
    [[nodiscard]] const std::vector<std::string>& domains() const { return domains_; }
    /// Access records received for the run's domains (reported or ignored).
    [[nodiscard]] std::uint64_t received() const { return received_; }
    /// Access records set aside (DenialFilter::set_aside).
    [[nodiscard]] std::uint64_t set_aside_count() const { return aside_count_; }
    /// Adds the set-aside denials to denials() (they were the command's).
    void take_aside();
    /// The kernel's own count (denials= of the deallocation records), once
    /// every domain of the run has been deallocated.
    [[nodiscard]] std::optional<std::uint64_t> kernel_count() const;
    /// True when every domain of the run has reported its deallocation.
    [[nodiscard]] bool all_deallocated() const;
    /// Has a record with this serial and type been seen (for a barrier)?
    [[nodiscard]] bool saw_user_message(std::string_view text) const;

private:
    /// Distinct denials with their counts, in the order first seen.
    struct Table {
        std::vector<Denial> list;
        std::map<std::string, std::size_t> index;  ///< denial key → position in list
        void add(Denial d, std::uint64_t count);
    };

    void process(const std::vector<AuditRecord>& event);
    void take_access(const AuditRecord& access, const AuditRecord* syscall);

    DenialFilter filter_;
    std::map<std::uint64_t, std::vector<AuditRecord>> pending_;
    Table table_;
    Table aside_;
    std::vector<std::string> domains_;
    std::set<std::string> ours_;
    std::map<std::string, std::uint64_t> deallocated_;  ///< domain → kernel's denials=
    std::set<std::string> user_messages_;
    std::uint64_t received_ = 0;
    std::uint64_t aside_count_ = 0;
};

}  // namespace sandbox

// The kernel's audit settings for the denial report: the switch is turned on
// when it is off, and the backlog limit (records queued for delivery; Landlock
// drops its records beyond it) raised to kReportBacklog when it is lower. The
// last report running turns them back when it ends, if a report changed them
// and nobody else has taken audit over meanwhile (an audit daemon started, or
// the limit was changed again). Reports running at the same time share it through two
// lock files: every running report holds a shared lock on the users file,
// and decisions (turn on, turn off) are taken under an exclusive lock on the
// decision file, which also records whether a report turned audit on.
#pragma once

#include <cstdint>
#include <string>

#include "enforce/audit.hpp"
#include "base/unique_fd.hpp"

namespace sandbox {

class AuditSwitch {
public:
    /// Takes part in the shared switch; turns audit on if it is off. Throws
    /// LaunchError/SysError when audit is off and cannot be turned on.
    explicit AuditSwitch(AuditControl& control);
    AuditSwitch(const AuditSwitch&) = delete;
    AuditSwitch& operator=(const AuditSwitch&) = delete;
    ~AuditSwitch();

    /// Leaves: turns audit off if this is the last report and a report turned
    /// it on. Returns what it did, for -v ("" when nothing). Never throws.
    std::string release() noexcept;
    /// In a forked child: forgets the switch (the parent keeps it).
    void forget() noexcept {
        released_ = true;
        decision_.reset();
        users_.reset();
    }
    /// True when this report turned audit on.
    [[nodiscard]] bool turned_on() const { return turned_on_; }
    /// The backlog limit this report raised, from what (0: none).
    [[nodiscard]] std::uint32_t raised_backlog_from() const { return raised_from_; }

    /// The backlog limit during a report: a burst of denials faster than the
    /// kernel's audit thread delivers them waits in this queue.
    static constexpr std::uint32_t kReportBacklog = 65536;

    /// The lock files (shared by every report on the machine).
    static constexpr const char* decision_path = "/run/sandbox-audit.lock";
    static constexpr const char* users_path = "/run/sandbox-audit.users";

private:
    AuditControl& control_;
    UniqueFd decision_;
    UniqueFd users_;
    bool turned_on_ = false;
    std::uint32_t raised_from_ = 0;
    bool released_ = false;
};

}  // namespace sandbox

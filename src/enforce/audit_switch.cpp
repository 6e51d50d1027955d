#include "enforce/audit_switch.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>

#include "base/error.hpp"

namespace sandbox {

namespace {

/// What reports changed, kept in the decision file as "ON BACKLOG\n": ON is
/// 1 while audit is on because a report turned it on; BACKLOG is the backlog
/// limit a report replaced (0: none).
struct Changed {
    bool turned_on = false;
    std::uint32_t backlog_from = 0;
};

Changed read_changed(int fd) {
    char text[64] = {};
    Changed c;
    if (pread(fd, text, sizeof text - 1, 0) > 0) {
        unsigned on = 0;
        unsigned long backlog = 0;
        char* end = nullptr;
        on = static_cast<unsigned>(std::strtoul(text, &end, 10));
        if (end != text) {
            backlog = std::strtoul(end, nullptr, 10);
        }
        c.turned_on = on == 1;
        c.backlog_from = static_cast<std::uint32_t>(backlog);
    }
    return c;
}

void write_changed(int fd, const Changed& c) {
    const std::string text =
        std::to_string(c.turned_on ? 1 : 0) + " " + std::to_string(c.backlog_from) + "\n";
    (void)!ftruncate(fd, 0);
    (void)!pwrite(fd, text.data(), text.size(), 0);
}

bool lock(int fd, int operation) {
    while (flock(fd, operation) != 0) {
        if (errno != EINTR) {
            return false;
        }
    }
    return true;
}

UniqueFd open_lock(const char* path) {
    return UniqueFd(::open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
}

/// Holds an exclusive lock on the decision file for one decision.
class Decision {
public:
    explicit Decision(int fd) : fd_(fd) { held_ = fd_ >= 0 && lock(fd_, LOCK_EX); }
    ~Decision() {
        if (held_) {
            flock(fd_, LOCK_UN);
        }
    }
    Decision(const Decision&) = delete;
    Decision& operator=(const Decision&) = delete;
    [[nodiscard]] bool held() const { return held_; }

private:
    int fd_;
    bool held_ = false;
};

}  // namespace

AuditSwitch::AuditSwitch(AuditControl& control) : control_(control) {
    decision_ = open_lock(decision_path);
    users_ = open_lock(users_path);
    const Decision decision(decision_.get());
    if (!decision.held() || !users_.valid() || !lock(users_.get(), LOCK_SH)) {
        decision_.reset();  // no coordination: undo only what this report did
        users_.reset();
    }
    const AuditStatus status = control_.status();
    const bool can_control = has_capability(CAP_AUDIT_CONTROL);
    if (status.enabled == 0 && !can_control) {
        throw LaunchError("--report-denials: the kernel's audit switch is off, and turning it "
                          "on needs CAP_AUDIT_CONTROL",
                          {"run as root, or turn audit on first (auditctl -e 1)"});
    }
    Changed changed = decision_.valid() ? read_changed(decision_.get()) : Changed{};
    if (status.enabled == 0) {
        control_.set_enabled(true);
        turned_on_ = true;
        changed.turned_on = true;
    }
    // Best effort: a lower limit only means more records may be lost, and
    // the report counts them.
    if (can_control && status.backlog_limit < kReportBacklog && status.backlog_limit != 0) {
        try {
            control_.set_backlog_limit(kReportBacklog);
            raised_from_ = status.backlog_limit;
            if (changed.backlog_from == 0) {
                changed.backlog_from = status.backlog_limit;
            }
        } catch (const SysError&) {
            raised_from_ = 0;
        }
    }
    if (decision_.valid()) {
        write_changed(decision_.get(), changed);
    }
}

AuditSwitch::~AuditSwitch() { release(); }

std::string AuditSwitch::release() noexcept {
    if (released_) {
        return "";
    }
    released_ = true;
    try {
        Changed changed;
        std::optional<Decision> decision;
        if (decision_.valid()) {
            decision.emplace(decision_.get());
            // Exclusive on the users file only when no other report is running.
            const bool last = decision->held() && flock(users_.get(), LOCK_EX | LOCK_NB) == 0;
            users_.reset();
            if (!last) {
                return "";  // another report is running: the last one turns things back
            }
            changed = read_changed(decision_.get());
            write_changed(decision_.get(), Changed{});
        } else {
            changed = {turned_on_, raised_from_};  // no coordination: only our own changes
        }
        const AuditStatus status = control_.status();
        if (status.pid != 0 && (changed.turned_on || changed.backlog_from != 0)) {
            return "left the kernel's audit settings as they are: an audit daemon has started";
        }
        std::string done;
        if (changed.backlog_from != 0 && status.backlog_limit == kReportBacklog) {
            control_.set_backlog_limit(changed.backlog_from);
            done = "set the audit backlog limit back to " + std::to_string(changed.backlog_from);
        }
        if (changed.turned_on && status.enabled == 1) {
            control_.set_enabled(false);
            done += std::string(done.empty() ? "" : "; ") + "turned the kernel's audit switch off again";
        }
        return done;
    } catch (const std::exception&) {
        return "could not restore the kernel's audit settings";
    }
}

}  // namespace sandbox

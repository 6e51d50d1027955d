#include "enforce/audit_switch.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "enforce/sys_error.hpp"

namespace sandbox {

namespace {

/// The lock file holds "1" while audit is on because a report turned it on.
bool marked(int fd) {
    char c = 0;
    return pread(fd, &c, 1, 0) == 1 && c == '1';
}

void mark(int fd, bool on) {
    const char c = on ? '1' : '0';
    (void)!pwrite(fd, &c, 1, 0);
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
    if (control_.status().enabled == 0) {
        if (!has_capability(CAP_AUDIT_CONTROL)) {
            throw LaunchError("--report-denials: the kernel's audit switch is off, and turning it "
                              "on needs CAP_AUDIT_CONTROL",
                              {"run as root, or turn audit on first (auditctl -e 1)"});
        }
        control_.set_enabled(true);
        turned_on_ = true;
        if (decision_.valid()) {
            mark(decision_.get(), true);
        }
    }
}

AuditSwitch::~AuditSwitch() { release(); }

std::string AuditSwitch::release() noexcept {
    if (released_) {
        return "";
    }
    released_ = true;
    try {
        if (!decision_.valid()) {
            if (turned_on_ && control_.status().enabled == 1) {
                control_.set_enabled(false);
                return "turned the kernel's audit switch off again";
            }
            return "";
        }
        const Decision decision(decision_.get());
        // Exclusive on the users file only when no other report is running.
        const bool last = decision.held() && flock(users_.get(), LOCK_EX | LOCK_NB) == 0;
        users_.reset();
        if (!last || !marked(decision_.get())) {
            return "";
        }
        mark(decision_.get(), false);
        const AuditStatus status = control_.status();
        if (status.pid != 0) {
            return "left the kernel's audit switch on: an audit daemon has started";
        }
        if (status.enabled == 1) {
            control_.set_enabled(false);
            return "turned the kernel's audit switch off again";
        }
    } catch (const std::exception&) {
        return "could not restore the kernel's audit switch";
    }
    return "";
}

}  // namespace sandbox

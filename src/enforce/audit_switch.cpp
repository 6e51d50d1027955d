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

}  // namespace

AuditSwitch::AuditSwitch(AuditControl& control) : control_(control) {
    lock_.reset(::open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (lock_.valid() && !lock(lock_.get(), LOCK_EX)) {
        lock_.reset();
    }
    const AuditStatus status = control_.status();
    if (status.enabled == 0) {
        if (!has_capability(CAP_AUDIT_CONTROL)) {
            throw LaunchError("--report-denials: the kernel's audit switch is off, and turning it "
                              "on needs CAP_AUDIT_CONTROL",
                              {"run as root, or turn audit on first (auditctl -e 1)"});
        }
        control_.set_enabled(true);
        turned_on_ = true;
    }
    if (lock_.valid()) {
        if (turned_on_) {
            mark(lock_.get(), true);
        }
        lock(lock_.get(), LOCK_SH);  // converts: other reports may start now
    }
}

AuditSwitch::~AuditSwitch() { release(); }

std::string AuditSwitch::release() noexcept {
    if (released_) {
        return "";
    }
    released_ = true;
    try {
        if (!lock_.valid()) {
            // No lock file: only what this report itself did can be undone.
            if (turned_on_ && control_.status().enabled == 1) {
                control_.set_enabled(false);
                return "turned the kernel's audit switch off again";
            }
            return "";
        }
        if (flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
            return "";  // another report is running: the last one decides
        }
        if (!marked(lock_.get())) {
            return "";
        }
        const AuditStatus status = control_.status();
        mark(lock_.get(), false);
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

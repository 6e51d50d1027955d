// The kernel's audit subsystem over netlink (NETLINK_AUDIT), for the denial
// report (PRODUCT §10): the status and the audit switch (AUDIT_GET/SET), a
// userspace message as an ordering barrier (AUDIT_USER), and the read-only
// multicast group every record is copied to (AUDIT_NLGRP_READLOG).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/unique_fd.hpp"

namespace sandbox {

struct AuditStatus {
    std::uint32_t enabled = 0;  ///< 0 off, 1 on, 2 on and locked
    std::uint32_t pid = 0;      ///< the audit daemon, 0 when none
    std::uint32_t lost = 0;     ///< records the kernel dropped since boot
    std::uint32_t rate_limit = 0;
    std::uint32_t backlog_limit = 0;
};

/// Is the capability in this process's effective set? (capget)
bool has_capability(int cap);

/// A unicast socket to the audit subsystem.
class AuditControl {
public:
    /// Throws SysError.
    static AuditControl open();
    /// AUDIT_GET. Throws SysError.
    AuditStatus status();
    /// AUDIT_SET enabled=0/1 (needs CAP_AUDIT_CONTROL). Throws SysError.
    void set_enabled(bool on);
    /// AUDIT_SET backlog_limit (needs CAP_AUDIT_CONTROL). Throws SysError.
    void set_backlog_limit(std::uint32_t limit);
    /// Logs an AUDIT_USER record with `text` (needs CAP_AUDIT_WRITE): records
    /// queued before it reach the multicast group before it. Returns errno, 0
    /// when sent.
    int send_user_message(std::string_view text);

private:
    explicit AuditControl(UniqueFd fd) : fd_(std::move(fd)) {}
    /// Sends a request and waits for its acknowledgement (or the reply of
    /// type `reply_type` into `reply`). Returns errno, 0 on success.
    int request(std::uint16_t type, const void* payload, std::size_t size,
                std::uint16_t reply_type = 0, void* reply = nullptr, std::size_t reply_size = 0);

    UniqueFd fd_;
    std::uint32_t seq_ = 0;
};

/// A subscription to the multicast group of audit records (needs
/// CAP_AUDIT_READ). Non-blocking; close-on-exec.
class AuditLog {
public:
    /// Throws SysError (EPERM without CAP_AUDIT_READ).
    static AuditLog subscribe();
    [[nodiscard]] int fd() const { return fd_.get(); }
    /// Reads every record available now, calling `sink(type, text)` for each.
    /// Returns how many times the socket's buffer had overflowed (records
    /// lost, ENOBUFS) since the last call.
    std::uint64_t drain(const std::function<void(int type, std::string_view text)>& sink);
    void close() { fd_.reset(); }

private:
    explicit AuditLog(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

}  // namespace sandbox

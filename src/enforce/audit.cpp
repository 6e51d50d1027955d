#include "enforce/audit.hpp"

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "base/error.hpp"

namespace sandbox {

bool has_capability(int cap) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (syscall(SYS_capget, &header, data) != 0) {
        return false;
    }
    const auto index = static_cast<std::size_t>(cap) / 32;
    return index < _LINUX_CAPABILITY_U32S_3 &&
           (data[index].effective & (1U << (static_cast<unsigned>(cap) % 32))) != 0;
}

namespace {

/// The largest record the kernel sends (MAX_AUDIT_MESSAGE_LENGTH is 8970).
constexpr std::size_t kMaxRecord = 16384;

/// The payload of a netlink message (NLMSG_DATA without its C cast).
char* payload_of(nlmsghdr* h) { return reinterpret_cast<char*>(h) + NLMSG_HDRLEN; }

UniqueFd audit_socket() {
    const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    if (fd < 0) {
        const int err = errno;
        throw SysError(err, "cannot open the audit netlink socket",
                       {"the kernel may be built without CONFIG_AUDIT"});
    }
    return UniqueFd(fd);
}

}  // namespace

AuditControl AuditControl::open() {
    UniqueFd fd = audit_socket();
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        const int err = errno;
        throw SysError(err, "cannot bind the audit netlink socket");
    }
    return AuditControl(std::move(fd));
}

int AuditControl::request(std::uint16_t type, const void* payload, std::size_t size,
                          std::uint16_t reply_type, void* reply, std::size_t reply_size) {
    std::vector<char> message(NLMSG_SPACE(size));
    auto* header = reinterpret_cast<nlmsghdr*>(message.data());
    header->nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(size));
    header->nlmsg_type = type;
    header->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    header->nlmsg_seq = ++seq_;
    if (size > 0) {
        std::memcpy(payload_of(header), payload, size);
    }
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (sendto(fd_.get(), message.data(), header->nlmsg_len, 0,
               reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
        return errno;
    }
    // The reply (AUDIT_GET) and the acknowledgement, in either order.
    bool got_reply = reply_type == 0;
    bool got_ack = false;
    alignas(nlmsghdr) char buffer[8192];
    while (!got_reply || !got_ack) {
        const ssize_t n = recv(fd_.get(), buffer, sizeof buffer, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        std::size_t offset = 0;
        while (offset + NLMSG_HDRLEN <= static_cast<std::size_t>(n)) {
            auto* h = reinterpret_cast<nlmsghdr*>(buffer + offset);
            if (h->nlmsg_len < NLMSG_HDRLEN || offset + h->nlmsg_len > static_cast<std::size_t>(n)) {
                break;
            }
            offset += NLMSG_ALIGN(h->nlmsg_len);
            if (h->nlmsg_seq != seq_) {
                continue;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                const auto* e = reinterpret_cast<const nlmsgerr*>(payload_of(h));
                if (e->error != 0) {
                    return -e->error;
                }
                got_ack = true;
            } else if (h->nlmsg_type == reply_type && reply != nullptr) {
                const std::size_t have = h->nlmsg_len - NLMSG_HDRLEN;
                std::memcpy(reply, payload_of(h), std::min(have, reply_size));
                got_reply = true;
            }
        }
    }
    return 0;
}

AuditStatus AuditControl::status() {
    audit_status s{};
    if (int err = request(AUDIT_GET, nullptr, 0, AUDIT_GET, &s, sizeof s); err != 0) {
        throw SysError(err, "cannot read the audit status (AUDIT_GET)");
    }
    return {s.enabled, s.pid, s.lost, s.rate_limit, s.backlog_limit};
}

void AuditControl::set_enabled(bool on) {
    audit_status s{};
    s.mask = AUDIT_STATUS_ENABLED;
    s.enabled = on ? 1 : 0;
    if (int err = request(AUDIT_SET, &s, sizeof s); err != 0) {
        throw SysError(err, on ? "cannot turn the kernel's audit switch on (AUDIT_SET)"
                               : "cannot turn the kernel's audit switch off (AUDIT_SET)");
    }
}

void AuditControl::set_backlog_limit(std::uint32_t limit) {
    audit_status s{};
    s.mask = AUDIT_STATUS_BACKLOG_LIMIT;
    s.backlog_limit = limit;
    if (int err = request(AUDIT_SET, &s, sizeof s); err != 0) {
        throw SysError(err, "cannot set the audit backlog limit (AUDIT_SET)");
    }
}

int AuditControl::send_user_message(std::string_view text) {
    std::string payload(text);
    payload.push_back('\0');
    return request(AUDIT_USER, payload.data(), payload.size());
}

AuditLog AuditLog::subscribe() {
    UniqueFd fd = audit_socket();
    sockaddr_nl group{};
    group.nl_family = AF_NETLINK;
    group.nl_groups = 1U << (AUDIT_NLGRP_READLOG - 1);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&group), sizeof group) != 0) {
        const int err = errno;
        throw SysError(err, "cannot subscribe to the kernel's audit records");
    }
    // A larger buffer: a burst of denials must not overflow it (best effort;
    // SO_RCVBUFFORCE needs CAP_NET_ADMIN, which root has).
    const int size = 64 << 20;
    if (setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
        (void)setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    return AuditLog(std::move(fd));
}

std::uint64_t AuditLog::drain(const std::function<void(int, std::string_view)>& sink) {
    // Many records per system call: a burst of denials brings four records
    // each (ACCESS, SYSCALL, PROCTITLE, EOE), and the socket must not overflow.
    constexpr std::size_t kBatch = 64;
    // Not zero-filled: only the pages records are written to are touched (a
    // run without denials reads a record or two).
    static const auto buffers = std::make_unique_for_overwrite<char[]>(kBatch * kMaxRecord);
    std::uint64_t overflows = 0;
    for (;;) {
        iovec iov[kBatch];
        mmsghdr messages[kBatch] = {};
        for (std::size_t i = 0; i < kBatch; ++i) {
            iov[i] = {buffers.get() + i * kMaxRecord, kMaxRecord};
            messages[i].msg_hdr.msg_iov = &iov[i];
            messages[i].msg_hdr.msg_iovlen = 1;
        }
        const int n = recvmmsg(fd_.get(), messages, kBatch, MSG_DONTWAIT, nullptr);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == ENOBUFS) {
                ++overflows;
                continue;
            }
            return overflows;  // EAGAIN: nothing more now
        }
        for (int i = 0; i < n; ++i) {
            // One record per message; its text is not NUL-terminated.
            const std::size_t got = messages[i].msg_len;
            auto* h = reinterpret_cast<nlmsghdr*>(buffers.get() + static_cast<std::size_t>(i) * kMaxRecord);
            if (got < NLMSG_HDRLEN) {
                continue;
            }
            const std::size_t size = std::clamp<std::size_t>(h->nlmsg_len, NLMSG_HDRLEN, got);
            std::string_view view(payload_of(h), size - NLMSG_HDRLEN);
            while (!view.empty() && (view.back() == '\0' || view.back() == '\n')) {
                view.remove_suffix(1);
            }
            sink(h->nlmsg_type, view);
        }
        if (static_cast<std::size_t>(n) < kBatch) {
            return overflows;
        }
    }
}

}  // namespace sandbox

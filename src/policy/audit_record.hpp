// One kernel audit record, as the audit netlink socket delivers it: the
// record type (nlmsg_type) and the text "audit(SECONDS.MS:SERIAL): k=v k=v".
// Pure: no socket here (enforce/audit.hpp reads them).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sandbox {

/// The record types the denial report reads (linux/audit.h).
namespace audit_type {
inline constexpr int user = 1005;             ///< AUDIT_USER: a userspace message
inline constexpr int syscall = 1300;          ///< AUDIT_SYSCALL: pid, comm, exe of the event
inline constexpr int eoe = 1320;              ///< AUDIT_EOE: end of a multi-record event
inline constexpr int landlock_access = 1423;  ///< AUDIT_LANDLOCK_ACCESS: one denial
inline constexpr int landlock_domain = 1424;  ///< AUDIT_LANDLOCK_DOMAIN: allocated/deallocated
}  // namespace audit_type

struct AuditRecord {
    int type = 0;
    std::uint64_t serial = 0;  ///< the event: records with the same serial belong together
    /// Fields in order, values decoded: quotes removed, and the hex form the
    /// kernel uses for untrusted strings (path, comm, exe, ...) turned back
    /// into text.
    std::vector<std::pair<std::string, std::string>> fields;

    /// The value of the first field named `key`, or nullptr.
    [[nodiscard]] const std::string* field(std::string_view key) const;
};

/// Parses the text of one record. nullopt when it does not start with
/// "audit(S.MS:SERIAL):". Values of unknown fields are kept as written. With
/// `only` given, just those fields are kept (a SYSCALL record has ~30; a
/// burst of denials brings hundreds of thousands of them).
std::optional<AuditRecord> parse_audit_record(int type, std::string_view text,
                                              std::span<const std::string_view> only = {});

/// Decodes the kernel's hex form of an untrusted string ("2F746D70" → "/tmp");
/// nullopt when `text` is not an even-length run of hex digits.
std::optional<std::string> decode_audit_hex(std::string_view text);

}  // namespace sandbox

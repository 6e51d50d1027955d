// The ONLY place that defines Landlock constants newer than the system's
// <linux/landlock.h> (Debian 12's linux-libc-dev knows ABI 2 or 3). Where the
// system header defines a constant, a static_assert checks it agrees.
#pragma once

#include <linux/landlock.h>

#include <cstdint>

namespace sandbox::uapi {

// landlock_create_ruleset() flags
inline constexpr std::uint32_t create_ruleset_version = 1U << 0;
inline constexpr std::uint32_t create_ruleset_errata = 1U << 1;

// landlock_restrict_self() flags (ABI 7, TSYNC ABI 8)
inline constexpr std::uint32_t restrict_log_same_exec_off = 1U << 0;
inline constexpr std::uint32_t restrict_log_new_exec_on = 1U << 1;
inline constexpr std::uint32_t restrict_log_subdomains_off = 1U << 2;
inline constexpr std::uint32_t restrict_tsync = 1U << 3;

// rule types
inline constexpr int rule_path_beneath = 1;
inline constexpr int rule_net_port = 2;

// scopes (ABI 6)
inline constexpr std::uint64_t scope_abstract_unix_socket = 1ULL << 0;
inline constexpr std::uint64_t scope_signal = 1ULL << 1;

/// struct landlock_ruleset_attr as of ABI 6 (the kernel accepts shorter
/// sizes from older userspace and this full size from newer).
struct RulesetAttr {
    std::uint64_t handled_access_fs = 0;
    std::uint64_t handled_access_net = 0;
    std::uint64_t scoped = 0;
};

struct __attribute__((packed)) PathBeneathAttr {
    std::uint64_t allowed_access = 0;
    std::int32_t parent_fd = -1;
};

struct NetPortAttr {
    std::uint64_t allowed_access = 0;
    std::uint64_t port = 0;
};

static_assert(sizeof(PathBeneathAttr) == 12);
static_assert(sizeof(NetPortAttr) == 16);
static_assert(sizeof(RulesetAttr) == 24);

#ifdef LANDLOCK_CREATE_RULESET_VERSION
static_assert(LANDLOCK_CREATE_RULESET_VERSION == create_ruleset_version);
#endif
#ifdef LANDLOCK_CREATE_RULESET_ERRATA
static_assert(LANDLOCK_CREATE_RULESET_ERRATA == create_ruleset_errata);
#endif
#ifdef LANDLOCK_RESTRICT_SELF_TSYNC
static_assert(LANDLOCK_RESTRICT_SELF_TSYNC == restrict_tsync);
#endif
#ifdef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
static_assert(LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF == restrict_log_same_exec_off);
static_assert(LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON == restrict_log_new_exec_on);
static_assert(LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF == restrict_log_subdomains_off);
#endif
#ifdef LANDLOCK_SCOPE_SIGNAL
static_assert(LANDLOCK_SCOPE_SIGNAL == scope_signal);
static_assert(LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET == scope_abstract_unix_socket);
#endif
static_assert(LANDLOCK_RULE_PATH_BENEATH == rule_path_beneath);
// The kernel header spells these "(1ULL << N)" too, which clang-tidy reads as
// comparing an expression with itself; the check is the point here.
// NOLINTBEGIN(misc-redundant-expression)
static_assert(LANDLOCK_ACCESS_FS_EXECUTE == 1ULL << 0);
static_assert(LANDLOCK_ACCESS_FS_READ_FILE == 1ULL << 2);
static_assert(LANDLOCK_ACCESS_FS_MAKE_SYM == 1ULL << 12);
#ifdef LANDLOCK_ACCESS_FS_REFER
static_assert(LANDLOCK_ACCESS_FS_REFER == 1ULL << 13);
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
static_assert(LANDLOCK_ACCESS_FS_TRUNCATE == 1ULL << 14);
#endif
#ifdef LANDLOCK_ACCESS_FS_IOCTL_DEV
static_assert(LANDLOCK_ACCESS_FS_IOCTL_DEV == 1ULL << 15);
#endif
#ifdef LANDLOCK_ACCESS_NET_BIND_TCP
static_assert(LANDLOCK_ACCESS_NET_BIND_TCP == 1ULL << 0);
static_assert(LANDLOCK_ACCESS_NET_CONNECT_TCP == 1ULL << 1);
#endif
// NOLINTEND(misc-redundant-expression)

} // namespace sandbox::uapi

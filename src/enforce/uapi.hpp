// The ONLY place that includes <linux/landlock.h> and defines the Landlock
// constants our code uses, including those newer than the system header
// (Debian 12's linux-libc-dev knows ABI 2 or 3). Each of our rights enums
// (policy/access.hpp) is checked against these bits, and these against the
// system header wherever it defines the constant.
#pragma once

#include <linux/landlock.h>

#include <cstdint>

#include "policy/access.hpp"

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
// The kernel's access bits (Landlock UAPI), ABI 1 to 9.
inline constexpr std::uint64_t access_fs_execute = 1ULL << 0;
inline constexpr std::uint64_t access_fs_write_file = 1ULL << 1;
inline constexpr std::uint64_t access_fs_read_file = 1ULL << 2;
inline constexpr std::uint64_t access_fs_read_dir = 1ULL << 3;
inline constexpr std::uint64_t access_fs_remove_dir = 1ULL << 4;
inline constexpr std::uint64_t access_fs_remove_file = 1ULL << 5;
inline constexpr std::uint64_t access_fs_make_char = 1ULL << 6;
inline constexpr std::uint64_t access_fs_make_dir = 1ULL << 7;
inline constexpr std::uint64_t access_fs_make_reg = 1ULL << 8;
inline constexpr std::uint64_t access_fs_make_sock = 1ULL << 9;
inline constexpr std::uint64_t access_fs_make_fifo = 1ULL << 10;
inline constexpr std::uint64_t access_fs_make_block = 1ULL << 11;
inline constexpr std::uint64_t access_fs_make_sym = 1ULL << 12;
inline constexpr std::uint64_t access_fs_refer = 1ULL << 13;
inline constexpr std::uint64_t access_fs_truncate = 1ULL << 14;
inline constexpr std::uint64_t access_fs_ioctl_dev = 1ULL << 15;
inline constexpr std::uint64_t access_fs_resolve_unix = 1ULL << 16;
inline constexpr std::uint64_t access_net_bind_tcp = 1ULL << 0;
inline constexpr std::uint64_t access_net_connect_tcp = 1ULL << 1;

// Our rights enums (policy/access.hpp) are bit indices into these masks:
// one check per enumerator, so a renumbered or inserted right fails to build.
static_assert(FsAccess{AccessFs::Execute}.bits() == access_fs_execute);
static_assert(FsAccess{AccessFs::WriteFile}.bits() == access_fs_write_file);
static_assert(FsAccess{AccessFs::ReadFile}.bits() == access_fs_read_file);
static_assert(FsAccess{AccessFs::ReadDir}.bits() == access_fs_read_dir);
static_assert(FsAccess{AccessFs::RemoveDir}.bits() == access_fs_remove_dir);
static_assert(FsAccess{AccessFs::RemoveFile}.bits() == access_fs_remove_file);
static_assert(FsAccess{AccessFs::MakeChar}.bits() == access_fs_make_char);
static_assert(FsAccess{AccessFs::MakeDir}.bits() == access_fs_make_dir);
static_assert(FsAccess{AccessFs::MakeReg}.bits() == access_fs_make_reg);
static_assert(FsAccess{AccessFs::MakeSock}.bits() == access_fs_make_sock);
static_assert(FsAccess{AccessFs::MakeFifo}.bits() == access_fs_make_fifo);
static_assert(FsAccess{AccessFs::MakeBlock}.bits() == access_fs_make_block);
static_assert(FsAccess{AccessFs::MakeSym}.bits() == access_fs_make_sym);
static_assert(FsAccess{AccessFs::Refer}.bits() == access_fs_refer);
static_assert(FsAccess{AccessFs::Truncate}.bits() == access_fs_truncate);
static_assert(FsAccess{AccessFs::IoctlDev}.bits() == access_fs_ioctl_dev);
static_assert(FsAccess{AccessFs::ResolveUnix}.bits() == access_fs_resolve_unix);
static_assert(NetAccess{AccessNet::BindTcp}.bits() == access_net_bind_tcp);
static_assert(NetAccess{AccessNet::ConnectTcp}.bits() == access_net_connect_tcp);
static_assert(ScopeSet{Scope::AbstractUnixSocket}.bits() == scope_abstract_unix_socket);
static_assert(ScopeSet{Scope::Signal}.bits() == scope_signal);

// Where the system header knows a constant, it agrees with ours.
static_assert(LANDLOCK_RULE_PATH_BENEATH == rule_path_beneath);
#ifdef LANDLOCK_RULE_NET_PORT
static_assert(LANDLOCK_RULE_NET_PORT == rule_net_port);
#endif
#ifdef LANDLOCK_ACCESS_FS_EXECUTE
static_assert(LANDLOCK_ACCESS_FS_EXECUTE == access_fs_execute);
#endif
#ifdef LANDLOCK_ACCESS_FS_WRITE_FILE
static_assert(LANDLOCK_ACCESS_FS_WRITE_FILE == access_fs_write_file);
#endif
#ifdef LANDLOCK_ACCESS_FS_READ_FILE
static_assert(LANDLOCK_ACCESS_FS_READ_FILE == access_fs_read_file);
#endif
#ifdef LANDLOCK_ACCESS_FS_READ_DIR
static_assert(LANDLOCK_ACCESS_FS_READ_DIR == access_fs_read_dir);
#endif
#ifdef LANDLOCK_ACCESS_FS_REMOVE_DIR
static_assert(LANDLOCK_ACCESS_FS_REMOVE_DIR == access_fs_remove_dir);
#endif
#ifdef LANDLOCK_ACCESS_FS_REMOVE_FILE
static_assert(LANDLOCK_ACCESS_FS_REMOVE_FILE == access_fs_remove_file);
#endif
#ifdef LANDLOCK_ACCESS_FS_MAKE_CHAR
static_assert(LANDLOCK_ACCESS_FS_MAKE_CHAR == access_fs_make_char);
#endif
#ifdef LANDLOCK_ACCESS_FS_MAKE_DIR
static_assert(LANDLOCK_ACCESS_FS_MAKE_DIR == access_fs_make_dir);
#endif
#ifdef LANDLOCK_ACCESS_FS_MAKE_REG
static_assert(LANDLOCK_ACCESS_FS_MAKE_REG == access_fs_make_reg);
#endif
#ifdef LANDLOCK_ACCESS_FS_MAKE_SOCK
static_assert(LANDLOCK_ACCESS_FS_MAKE_SOCK == access_fs_make_sock);
#endif
#ifdef LANDLOCK_ACCESS_FS_MAKE_FIFO
static_assert(LANDLOCK_ACCESS_FS_MAKE_FIFO == access_fs_make_fifo);
#endif
#ifdef LANDLOCK_ACCESS_FS_MAKE_BLOCK
static_assert(LANDLOCK_ACCESS_FS_MAKE_BLOCK == access_fs_make_block);
#endif
#ifdef LANDLOCK_ACCESS_FS_MAKE_SYM
static_assert(LANDLOCK_ACCESS_FS_MAKE_SYM == access_fs_make_sym);
#endif
#ifdef LANDLOCK_ACCESS_FS_REFER
static_assert(LANDLOCK_ACCESS_FS_REFER == access_fs_refer);
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
static_assert(LANDLOCK_ACCESS_FS_TRUNCATE == access_fs_truncate);
#endif
#ifdef LANDLOCK_ACCESS_FS_IOCTL_DEV
static_assert(LANDLOCK_ACCESS_FS_IOCTL_DEV == access_fs_ioctl_dev);
#endif
#ifdef LANDLOCK_ACCESS_FS_RESOLVE_UNIX
static_assert(LANDLOCK_ACCESS_FS_RESOLVE_UNIX == access_fs_resolve_unix);
#endif
#ifdef LANDLOCK_ACCESS_NET_BIND_TCP
static_assert(LANDLOCK_ACCESS_NET_BIND_TCP == access_net_bind_tcp);
#endif
#ifdef LANDLOCK_ACCESS_NET_CONNECT_TCP
static_assert(LANDLOCK_ACCESS_NET_CONNECT_TCP == access_net_connect_tcp);
#endif

} // namespace sandbox::uapi

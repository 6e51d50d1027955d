// The policy model: what the user asked for, before any kernel is consulted.
// Flags and JSON files both produce a Policy; several Policies combine by
// union (includes and flags only ever add permissions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/access.hpp"
#include "policy/diagnostics.hpp"

namespace sandbox {

/// How a rule's rights were written, which decides how missing kernel
/// support is handled: a group (`--rw`, `"rw": [...]`) narrows silently to
/// what the ABI supports; explicitly named rights must be enforced or the
/// run fails (unless --best-effort).
enum class RightsOrigin { Group, Explicit };

struct PathRule {
    std::string path;     ///< expanded (not yet resolved)
    std::string written;  ///< as written in a policy file, when ${...} or "~" was expanded
    FsAccess access;   ///< requested rights, newest ABI
    RightsOrigin origin = RightsOrigin::Group;
    std::optional<Group> group;  ///< set when origin == Group
    bool optional = false;       ///< a missing path is skipped, not an error
    SourceLocation source;
};

struct PortRule {
    std::uint16_t port = 0;  ///< 0 only with bind_tcp: any ephemeral port
    AccessNet right = AccessNet::ConnectTcp;
    SourceLocation source;
};

/// An optional policy entry left out because a variable it names is not set
/// (`{"path": "${SSH_AUTH_SOCK}", "optional": true}` without an agent).
struct UnexpandedRule {
    std::string written;
    std::string variable;
    SourceLocation source;
};

struct EnvSetting {
    std::string key;
    std::optional<std::string> value;  ///< nullopt: keep the launcher's value
    SourceLocation source;
};

struct EnvPolicy {
    bool clear = false;               ///< start from an empty environment
    std::vector<EnvSetting> set;      ///< applied after clearing, in order
    std::vector<std::string> unset;   ///< applied last
};

/// A `${...}` or `~/` in a policy file and what it became (for -v -v).
struct Policy {
    std::vector<std::string> descriptions;
    std::vector<PathRule> paths;
    std::vector<UnexpandedRule> unexpanded;  ///< optional entries skipped
    std::vector<PortRule> ports;
    bool unrestricted_filesystem = false;
    bool unrestricted_network = false;
    bool unrestricted_unix = false;  ///< --unrestricted-unix: no UNIX socket guard below ABI 9
    ScopeSet unrestricted_scopes;
    int min_abi = 0;
    EnvPolicy env;
    std::vector<std::string> files;  ///< policy files that contributed, load order

    /// True when a rule asks for resolve_unix: UNIX sockets are wanted.
    bool allows_unix_sockets() const;

    /// Union: adds every permission of `other` to this policy.
    void merge(const Policy& other);
    /// The same, moving the rules (a 1 MB policy has ~20 000 of them).
    void merge(Policy&& other);
};

} // namespace sandbox

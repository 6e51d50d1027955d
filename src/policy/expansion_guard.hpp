// No write access to / or the home directory through an expansion
// (PRODUCT §4, §8). `"rw": ["${PWD}"]` in a profile is meant for a project
// directory; run from $HOME or / it would hand out the whole home or the
// whole system. A rule whose path a ${...} or "~" expansion in a policy file
// produced, and that lands on /, on $HOME or on a directory above $HOME, may
// not carry a right that modifies the file system (an error, exit 125); a
// read-only one there gets a warning. Paths typed on the command line are the
// user's explicit choice and are not checked. Pure: the caller resolves paths.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "policy/access.hpp"
#include "policy/diagnostics.hpp"
#include "policy/policy.hpp"

namespace sandbox {

/// write_file, truncate, make_*, remove_* and refer.
FsAccess modifying_rights();

/// Where a canonical path lies relative to / and the canonical home.
enum class Landing { Root, Home, AboveHome, Elsewhere };
Landing classify_landing(std::string_view canonical, std::string_view home);

/// A path's canonical form (realpath), or nullopt when it cannot be resolved.
using Canonicalize = std::function<std::optional<std::string>(const std::string& path)>;

/// Checks every rule of `policy` that came from an expansion; `home` is the
/// canonical home directory ("" when unknown: then only / is protected).
void check_expanded_rules(const Policy& policy, std::string_view home,
                          const Canonicalize& canonical, Diagnostics& out);

} // namespace sandbox

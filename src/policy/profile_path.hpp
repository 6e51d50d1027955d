// Where profiles live (PRODUCT §4): $SANDBOX_POLICY_PATH, the user's
// config directory, /etc, the installed data directory, and the source
// tree's policies/ when running from a build directory.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/expand.hpp"

namespace sandbox {

enum class BuildTree { No, Yes };

/// The directories searched for `--profile NAME` and `"include": ["NAME"]`,
/// in order. Pure: the environment is passed in.
std::vector<std::string> profile_search_path(const EnvLookup& env, BuildTree build_tree);

/// The running executable's canonical path (/proc/self/exe); nullopt when
/// unknown (no /proc).
std::optional<std::string> executable_path();

/// This build directory (SANDBOX_BUILD_ROOT), canonical; nullopt when it no
/// longer exists.
std::optional<std::string> build_root();

/// Whether the running binary is this build directory's launcher, or a test or
/// benchmark program below it (an installed copy never is).
BuildTree running_from_build_tree();

/// A profile name is a bare word: letters, digits, '-', '_', '.', no '/'.
bool is_profile_name(std::string_view name);

/// The first NAME.json that exists in `search_path`, or nullopt.
std::optional<std::string> find_profile(std::string_view name,
                                        const std::vector<std::string>& search_path);

/// When `file` is a profile shipped with sandbox (in the installed data
/// directory or the source tree's policies/), its name; else nullopt. Pure:
/// compares the path with the two directories.
std::optional<std::string> shipped_profile_name(std::string_view file);

/// For a problem in a shipped profile, what the user can do instead of editing
/// it; nullopt for any other file.
std::optional<std::string> shipped_profile_hint(std::string_view file);

} // namespace sandbox

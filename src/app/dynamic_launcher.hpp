// The static launcher hands --preload over to its dynamically linked twin.
//
// A statically linked sandbox starts fastest (no dynamic loader, nothing to
// relocate but itself), but it cannot dlopen() a library built against the
// system libc: the library would get a second libc of its own. So a static
// sandbox given --preload runs sandbox-dynamic (the same program, linked
// against the shared libc) with the same arguments and environment, before it
// does anything else.
#pragma once

#include <string>
#include <string_view>

namespace sandbox {

/// Where sandbox-dynamic is for the launcher at EXE (a canonical path): in
/// BUILD_ROOT next to it, else, once installed, at EXE's directory joined
/// with FROM_BINDIR (relative to the bin directory, or absolute), with "."
/// and ".." resolved (BUILD_ROOT empty: unknown). NAME is the helper's file
/// name. Pure.
std::string dynamic_launcher_path(std::string_view exe, std::string_view build_root,
                                  std::string_view name, std::string_view from_bindir);

/// Replaces this process with sandbox-dynamic, same argv and environment.
/// Returns only by throwing LaunchError (helper missing, not executable).
[[noreturn]] void exec_dynamic_launcher(std::string_view name, std::string_view from_bindir,
                                        char** argv);

} // namespace sandbox

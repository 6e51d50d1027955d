// The library search path of --ldd: the ABI-dependent values ld.so substitutes
// for $PLATFORM and $LIB and its built-in default directories, the expansion
// of the dynamic string tokens ($ORIGIN, $PLATFORM, $LIB), and the splitting
// of DT_RPATH / DT_RUNPATH / LD_LIBRARY_PATH into directories. Internal to
// the --ldd resolver (src/command/ldd.cpp).
//
// Dynamic string tokens: $ORIGIN is the directory of the path an object was
// found at (not symlink-resolved, as ld.so); for the executable it is the
// directory of its real path (ld.so reads /proc/self/exe). $PLATFORM is the
// AT_PLATFORM value for the executable's machine ("x86_64", "i686",
// "aarch64"). $LIB is what the distribution's ld.so uses: on a multiarch
// system (Debian, Ubuntu) "lib/<triplet>" e.g. "lib/x86_64-linux-gnu" — that
// is Debian's glibc (checked with LD_DEBUG=libs on Debian 12) — elsewhere
// "lib64" for 64-bit and "lib" for 32-bit executables.
#pragma once

#include "command/elf.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sandbox {

/// $PLATFORM, $LIB and the built-in search directories of ld.so for the ABI
/// of the executable.
struct Platform {
    std::optional<std::string> platform;  ///< nullopt: unknown, paths using it are dropped
    std::string lib;
    std::vector<std::string> default_dirs;
};

/// The Platform of a process of `abi`; a non-empty `override_dirs` replaces
/// the default directories (trailing slashes removed).
Platform platform_for(const ElfIdentity& abi, const std::vector<std::string>& override_dirs);

/// The directory of the real path of `path` ($ORIGIN of the executable).
std::string real_parent_directory(const std::string& path);

/// Expands $ORIGIN, $PLATFORM and $LIB (also in braces); an unknown "$X" is
/// kept as it is. nullopt if a known token has no value (ld.so then drops
/// the path).
std::optional<std::string> expand_tokens(std::string_view text, const std::string& origin,
                                         const Platform& platform);

/// Splits DT_RPATH / DT_RUNPATH / LD_LIBRARY_PATH into directories as
/// glibc's fillin_rpath(): an empty element is the current directory
/// (returned as ""), tokens are expanded, elements that expand to nothing
/// are dropped, trailing slashes are removed, duplicates are dropped.
std::vector<std::string> split_search_path(std::string_view value, std::string_view separators,
                                           const std::string& origin, const Platform& platform);

} // namespace sandbox

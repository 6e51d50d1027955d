// What an executable needs in order to start: its ELF interpreter and the
// closure of its DT_NEEDED shared libraries, resolved the way glibc's ld.so
// does (DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH, $ORIGIN/$LIB/$PLATFORM, the
// system's library search path from /etc/ld.so.conf and the default
// directories). Used by --ldd to add those files to the policy.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sandbox {

struct LibraryClosure {
    std::string executable;              ///< absolute path that was analysed
    std::string interpreter;             ///< PT_INTERP, empty for a static binary
    std::vector<std::string> libraries;  ///< absolute paths, dependency order,
                                         ///< no duplicates, interpreter excluded
    std::vector<std::string> missing;    ///< DT_NEEDED names that were not found
    bool is_elf = false;                 ///< false for scripts ("#!"): nothing to resolve
};

struct LddOptions {
    /// The target's LD_LIBRARY_PATH (after --env handling); empty if unset.
    std::string ld_library_path;
    /// The ld.so.conf file to read (its "include" lines are followed; relative
    /// patterns are relative to the including file); tests point it at a
    /// fixture. A missing file means no configured directories.
    std::string ld_so_conf = "/etc/ld.so.conf";
    /// Default directories searched last, in order. Empty = ld.so's built-in
    /// list for the executable's ABI: on a multiarch system (Debian) e.g.
    /// /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, /usr/lib;
    /// elsewhere /lib64, /usr/lib64 (64-bit) or /lib, /usr/lib (32-bit).
    std::vector<std::string> default_dirs;
    /// More libraries than this in the closure is an error (a guard against
    /// absurd or hostile dependency graphs).
    std::size_t max_libraries = 4096;
};

/// Throws SysError when the executable (or a library, or a configuration
/// file) cannot be opened or read for another reason than "not there", and
/// LaunchError when the executable or a library found on the search path is
/// not a valid ELF file (ld.so would fail on it too), or the closure has more
/// than options.max_libraries libraries. Libraries that are not found go to `missing`.
LibraryClosure resolve_library_closure(const std::string& executable,
                                       const LddOptions& options = {});

} // namespace sandbox

// The objects of the link map that --ldd simulates, and how they are opened:
// the executable, its interpreter and every candidate library. The two open
// functions are also how the ld.so.conf reader opens its files. Internal to
// the --ldd resolver (src/command/ldd.cpp).
#pragma once

#include "command/elf.hpp"
#include "base/unique_fd.hpp"

#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace sandbox {

/// No object: the loader of the executable and of the interpreter.
inline constexpr std::size_t no_object = static_cast<std::size_t>(-1);

/// Device and inode: the same file reached under another name is loaded once.
struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    friend auto operator<=>(const FileId&, const FileId&) = default;
};

/// An object in the (simulated) link map.
struct LoadedObject {
    std::string path;                ///< absolute path it was opened at
    std::string origin;              ///< $ORIGIN
    ElfDynamicInfo info;
    std::optional<FileId> id;
    std::size_t loader = no_object;  ///< the object that first needed it
    bool is_library = true;          ///< false: the executable or the interpreter
    std::optional<std::vector<std::string>> rpath_dirs;    ///< decomposed lazily
    std::optional<std::vector<std::string>> runpath_dirs;  ///< decomposed lazily
};

/// Opens `path` for reading, or returns an invalid descriptor with errno set.
UniqueFd open_for_reading(const std::string& path);

/// Like open_for_reading, but an invalid descriptor only if the file is not
/// there (ENOENT, ENOTDIR, EACCES, EPERM, ELOOP, ENAMETOOLONG, ENXIO: ld.so
/// moves on to the next directory after them); throws SysError for other
/// errors.
UniqueFd open_if_present(const std::string& path);

/// Throws SysError if fstat fails and LaunchError if `fd` is not a regular
/// file; stores its device and inode in `*id` unless `id` is null.
void require_regular_file(int fd, const std::string& path, FileId* id);

/// Throws LaunchError unless the file is an executable or a shared object
/// (ET_EXEC, ET_DYN).
void require_loadable(const ElfFile& elf);

/// Opens a candidate library. nullopt if it is not there or is built for
/// another ABI; throws if it is there but not a valid ELF file.
std::optional<LoadedObject> open_candidate(const std::string& path, const ElfIdentity& abi);

} // namespace sandbox

// --learn (PRODUCT §10): what a traced run did, as the Landlock rights each
// operation needs. The tracer (enforce/learn_tracer) fills it; the policy
// writer (learned_policy) generalises it. Pure data and the rights rules of
// the kernel's Landlock hooks; no system calls.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "policy/access.hpp"

namespace sandbox {

/// One file system object the run touched, by its canonical path.
struct PathUse {
    FsAccess access;         ///< rights needed on the object itself (or beneath a directory)
    bool directory = false;  ///< it was a directory when seen
    bool created = false;    ///< the run created it (it did not exist before)
};

struct Observations {
    std::map<std::string, PathUse> paths;  ///< canonical absolute path → use
    std::set<std::uint16_t> bind_tcp;
    std::set<std::uint16_t> connect_tcp;
    ScopeSet outside;  ///< scopes the run crossed: signals or abstract sockets outside it
    std::uint64_t operations = 0;  ///< notifications answered, for the summary

    /// Adds `rights` on `path` (merging with what was seen before).
    void use(const std::string& path, FsAccess rights, bool directory = false);
    /// Marks `path` as created by the run (with `directory` for mkdir).
    void created(const std::string& path, bool directory);
};

/// The kind of file system object, as lstat/stat's S_IFMT says.
enum class FileKind { Regular, Directory, CharDevice, BlockDevice, Fifo, Socket, Symlink };

/// FileKind of an st_mode.
FileKind file_kind(mode_t mode);

/// The right that creating an object of this kind needs on its directory
/// (make_reg, make_dir, make_char, ...).
AccessFs make_right(FileKind kind);

/// The right that removing it needs on its directory (remove_dir or remove_file).
AccessFs remove_right(FileKind kind);

/// What open(2) of an existing object with these flags needs on it:
/// read_dir for a directory opened for reading; read_file/write_file by the
/// access mode; truncate with O_TRUNC on a regular file opened for writing.
/// O_PATH opens are not checked by Landlock: empty.
FsAccess open_rights(int flags, FileKind kind);

/// ioctl(2) commands Landlock never checks (ioctl_dev covers the rest on
/// character and block devices): FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC,
/// FIOQSIZE and the file system ioctls the VFS answers itself.
bool ioctl_always_allowed(unsigned int command);

} // namespace sandbox

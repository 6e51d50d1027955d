// The real file system for the carve step of --deny (policy/carve.hpp):
// realpath() and a directory listing with lstat() of each entry.
#pragma once

#include "base/path.hpp"
#include "policy/carve.hpp"

namespace sandbox {

class SystemDirectoryLister final : public DirectoryLister {
public:
    /// realpath(); nullopt for ENOENT and ENOTDIR, SysError otherwise.
    std::optional<std::string> canonical(const std::string& path) const override;
    /// opendir + readdir, each entry's type from fstatat(AT_SYMLINK_NOFOLLOW)
    /// (a symlink's target from realpath and stat). Throws SysError naming the
    /// directory: the launch fails closed rather than carve from a partial
    /// listing.
    std::vector<DirEntry> entries(const std::string& dir, std::size_t limit) const override;
};

} // namespace sandbox

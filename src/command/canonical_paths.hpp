// --learn: canonical paths (what Landlock rules are on) of the paths a traced
// process names, fast enough to run once per system call. realpath() reads
// every component of every path; here the canonical form of each directory
// is remembered with its device and inode, and reused while the same
// directory is still found under the same name (one stat instead of a
// readlink per component).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <unordered_map>

namespace sandbox {

class CanonicalPaths {
public:
    /// The canonical path of an existing directory (symlinks followed).
    std::optional<std::string> directory(const std::string& path);

    /// The canonical directory of `path` joined with its last component, not
    /// followed (it may not exist yet: what mkdir, unlink and rename name).
    std::optional<std::string> name_in_directory(const std::string& path);

    /// The canonical path of an existing object, a final symlink followed;
    /// with `st`, also its stat.
    std::optional<std::string> follow(const std::string& path, struct stat* st = nullptr);

private:
    struct Known {
        std::string canonical;
        dev_t dev = 0;
        ino_t ino = 0;
    };
    std::unordered_map<std::string, Known> known_;
};

} // namespace sandbox

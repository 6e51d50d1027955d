#include "enforce/dir_lister.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace sandbox {

namespace {

struct DirCloser {
    void operator()(DIR* d) const { closedir(d); }
};

std::string deny_hint() {
    return "--deny lists the directories above the denied path at launch; fix the "
           "permissions, or deny a path the launcher can reach";
}

} // namespace

std::optional<std::string> SystemDirectoryLister::canonical(const std::string& path) const {
    auto out = real_path(path);
    if (!out) {
        const int err = errno;
        if (err == ENOENT || err == ENOTDIR) {
            return std::nullopt;
        }
        throw SysError(err, fmt::format("cannot resolve \"{}\" to carve out a --deny", path),
                       {deny_hint()});
    }
    return out;
}

std::vector<DirEntry> SystemDirectoryLister::entries(const std::string& dir,
                                                     std::size_t limit) const {
    UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd.valid()) {
        const int err = errno;
        throw SysError(err, fmt::format("cannot list \"{}\" to carve out a --deny", dir),
                       {deny_hint()});
    }
    const int dir_fd = fd.get();
    std::unique_ptr<DIR, DirCloser> stream(fdopendir(dir_fd));
    if (!stream) {
        const int err = errno;
        throw SysError(err, fmt::format("cannot list \"{}\" to carve out a --deny", dir),
                       {deny_hint()});
    }
    (void)fd.release();  // the stream owns it now
    std::vector<DirEntry> out;
    for (;;) {
        errno = 0;
        const dirent* e = readdir(stream.get());
        if (e == nullptr) {
            const int err = errno;
            if (err != 0) {
                throw SysError(err, fmt::format("cannot list \"{}\" to carve out a --deny", dir),
                               {deny_hint()});
            }
            return out;
        }
        const std::string name = e->d_name;
        if (name == "." || name == "..") {
            continue;
        }
        struct stat st {};
        if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            const int err = errno;
            if (err == ENOENT) {
                continue;  // removed meanwhile: no rule for it
            }
            throw SysError(err, fmt::format("cannot stat \"{}/{}\" to carve out a --deny", dir,
                                            name),
                           {deny_hint()});
        }
        DirEntry entry;
        entry.name = name;
        if (S_ISDIR(st.st_mode)) {
            entry.kind = DirEntry::Kind::Directory;
        } else if (S_ISREG(st.st_mode)) {
            entry.kind = DirEntry::Kind::File;
        } else if (S_ISLNK(st.st_mode)) {
            entry.kind = DirEntry::Kind::Symlink;
            const std::string path = fmt::format("{}/{}", dir == "/" ? "" : dir, name);
            entry.target = real_path(path);  // nullopt: dangling (or a loop)
            struct stat target {};
            entry.target_is_dir = entry.target && stat(entry.target->c_str(), &target) == 0 &&
                                  S_ISDIR(target.st_mode);
        } else {
            entry.kind = DirEntry::Kind::Other;
        }
        out.push_back(std::move(entry));
        if (out.size() > limit) {
            return out;
        }
    }
}

} // namespace sandbox

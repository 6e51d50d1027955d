#include "policy/observations.hpp"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

namespace sandbox {

void Observations::use(const std::string& path, FsAccess rights, bool directory) {
    PathUse& u = paths[path];
    u.access |= rights;
    u.directory = u.directory || directory;
}

void Observations::created(const std::string& path, bool directory) {
    PathUse& u = paths[path];
    u.created = true;
    u.directory = u.directory || directory;
}

FileKind file_kind(mode_t mode) {
    switch (mode & S_IFMT) {
    case S_IFDIR: return FileKind::Directory;
    case S_IFCHR: return FileKind::CharDevice;
    case S_IFBLK: return FileKind::BlockDevice;
    case S_IFIFO: return FileKind::Fifo;
    case S_IFSOCK: return FileKind::Socket;
    case S_IFLNK: return FileKind::Symlink;
    default: return FileKind::Regular;
    }
}

AccessFs make_right(FileKind kind) {
    switch (kind) {
    case FileKind::Directory: return AccessFs::MakeDir;
    case FileKind::CharDevice: return AccessFs::MakeChar;
    case FileKind::BlockDevice: return AccessFs::MakeBlock;
    case FileKind::Fifo: return AccessFs::MakeFifo;
    case FileKind::Socket: return AccessFs::MakeSock;
    case FileKind::Symlink: return AccessFs::MakeSym;
    case FileKind::Regular: break;
    }
    return AccessFs::MakeReg;
}

AccessFs remove_right(FileKind kind) {
    return kind == FileKind::Directory ? AccessFs::RemoveDir : AccessFs::RemoveFile;
}

FsAccess open_rights(int flags, FileKind kind) {
    if ((flags & O_PATH) != 0) {
        return {};
    }
    const int mode = flags & O_ACCMODE;
    const bool reads = mode == O_RDONLY || mode == O_RDWR;
    const bool writes = mode == O_WRONLY || mode == O_RDWR;
    if (kind == FileKind::Directory) {
        return reads ? FsAccess{AccessFs::ReadDir} : FsAccess{};
    }
    FsAccess rights;
    if (reads) {
        rights = rights.with(AccessFs::ReadFile);
    }
    if (writes) {
        rights = rights.with(AccessFs::WriteFile);
    }
    if (writes && (flags & O_TRUNC) != 0 && kind == FileKind::Regular) {
        rights = rights.with(AccessFs::Truncate);
    }
    return rights;
}

bool ioctl_always_allowed(unsigned int command) {
    switch (command) {
    case FIOCLEX:
    case FIONCLEX:
    case FIONBIO:
    case FIOASYNC:
    case FIOQSIZE:
    case FIFREEZE:
    case FITHAW:
    case FS_IOC_FIEMAP:
    case FIGETBSZ:
    case FICLONE:
    case FICLONERANGE:
    case FIDEDUPERANGE:
        return true;
    default:
        return false;
    }
}

} // namespace sandbox

#include "command/learn_tracer.hpp"

#include <fcntl.h>
#include <linux/kcmp.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/path.hpp"
#include "base/process.hpp"
#include "command/elf.hpp"
#include "command/exec.hpp"

namespace sandbox {

namespace {

constexpr std::size_t kPage = 4096;

// <linux/seccomp.h> of Linux 6.6; Debian 12's headers are older.
constexpr unsigned long kNotifSetFlags = SECCOMP_IOW(4, __u64);  // SECCOMP_IOCTL_NOTIF_SET_FLAGS
constexpr unsigned long kSyncWakeUp = 1;  // SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP

/// A NUL-terminated string of the traced process (at most PATH_MAX bytes),
/// read page by page so that a string ending just before an unmapped page
/// is still read.
std::optional<std::string> read_string(pid_t pid, std::uint64_t addr) {
    if (addr == 0) {
        return std::nullopt;
    }
    std::string out;
    char buf[kPage] = {};
    while (out.size() < PATH_MAX) {
        const std::size_t chunk = kPage - (addr % kPage);
        iovec local{buf, chunk};
        // NOLINTNEXTLINE(performance-no-int-to-ptr): an address in the traced process
        iovec remote{reinterpret_cast<void*>(addr), chunk};
        const ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
        if (n <= 0) {
            return std::nullopt;
        }
        const auto got = static_cast<std::size_t>(n);
        if (const void* nul = std::memchr(buf, 0, got)) {
            out.append(buf, static_cast<std::size_t>(static_cast<const char*>(nul) - buf));
            return out;
        }
        out.append(buf, got);
        addr += got;
    }
    return std::nullopt;
}

bool read_bytes(pid_t pid, std::uint64_t addr, void* out, std::size_t size) {
    iovec local{out, size};
    // NOLINTNEXTLINE(performance-no-int-to-ptr): an address in the traced process
    iovec remote{reinterpret_cast<void*>(addr), size};
    return process_vm_readv(pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(size);
}

int as_int(std::uint64_t arg) { return static_cast<int>(static_cast<std::uint32_t>(arg)); }

/// The path the kernel would walk: absolute as given, or below the caller's
/// working directory or directory descriptor (through /proc).
std::string in_caller(pid_t pid, int dirfd, const std::string& raw) {
    if (raw.starts_with('/')) {
        return raw;
    }
    const std::string base = dirfd == AT_FDCWD ? fmt::format("/proc/{}/cwd", pid)
                                               : fmt::format("/proc/{}/fd/{}", pid, dirfd);
    return raw.empty() ? base : base + "/" + raw;
}

std::optional<struct stat> stat_of(const std::string& path, bool follow_link) {
    struct stat st {};
    const int rc = follow_link ? stat(path.c_str(), &st) : lstat(path.c_str(), &st);
    if (rc != 0) {
        return std::nullopt;
    }
    return st;
}

/// readlink of /proc/PID/fd/N: the object's path, when it has one.
std::optional<std::string> fd_path(pid_t pid, int fd) {
    char buf[PATH_MAX];
    const std::string link = fmt::format("/proc/{}/fd/{}", pid, fd);
    const ssize_t n = readlink(link.c_str(), buf, sizeof buf);
    if (n <= 0 || buf[0] != '/') {
        return std::nullopt;  // pipe:[...], socket:[...], anon_inode:...
    }
    return std::string(buf, static_cast<std::size_t>(n));
}

/// The pid a pidfd of the caller refers to (/proc/PID/fdinfo/N "Pid:").
long pidfd_target(pid_t pid, int fd) {
    std::ifstream info(fmt::format("/proc/{}/fdinfo/{}", pid, fd));
    std::string key;
    long value = 0;
    while (info >> key) {
        if (key == "Pid:" && info >> value) {
            return value;
        }
    }
    return 0;
}

/// SOCK_STREAM TCP? Asks a copy of the caller's descriptor (pidfd_getfd).
bool is_tcp_socket(pid_t pid, int fd) {
    UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd.valid()) {
        return false;
    }
    UniqueFd copy(static_cast<int>(syscall(SYS_pidfd_getfd, pidfd.get(), fd, 0)));
    if (!copy.valid()) {
        return false;
    }
    int type = 0;
    int protocol = 0;
    socklen_t len = sizeof type;
    if (getsockopt(copy.get(), SOL_SOCKET, SO_TYPE, &type, &len) != 0) {
        return false;
    }
    len = sizeof protocol;
    if (getsockopt(copy.get(), SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0) {
        return false;
    }
    return type == SOCK_STREAM && protocol == IPPROTO_TCP;
}

const FsAccess kRunFile{AccessFs::ReadFile, AccessFs::Execute};

/// One notification's work; a small class so that the call handlers share
/// the caller's pid and the tracer's state.
class Recorder {
public:
    Recorder(pid_t pid, pid_t self, CanonicalPaths& paths, Observations& seen,
             std::set<std::string>& opened, std::set<std::string>& abstract_bound)
        : pid_(pid), self_(self), paths_(paths), seen_(seen), opened_(opened),
          abstract_(abstract_bound) {}

    void open(int dirfd, std::uint64_t path_arg, std::uint64_t flags_arg) {
        auto raw = read_string(pid_, path_arg);
        if (!raw) {
            throw SysError(EFAULT, "read path");
        }
        const int flags = static_cast<int>(flags_arg);
        if ((flags & O_PATH) != 0) {
            return;  // Landlock does not check O_PATH opens
        }
        const std::string path = in_caller(pid_, dirfd, *raw);
        const bool exclusive = (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
        struct stat st {};
        if (auto real = paths_.follow(path, &st); real && !exclusive) {
            const FileKind kind = file_kind(st.st_mode);
            if ((flags & O_TMPFILE) == O_TMPFILE) {
                // An unnamed file in the directory: file rights beneath it.
                seen_.use(*real, open_rights(flags & ~O_DIRECTORY, FileKind::Regular), true);
                return;
            }
            seen_.use(*real, open_rights(flags, kind), kind == FileKind::Directory);
            opened_.insert(*real);
            return;
        }
        if ((flags & O_CREAT) == 0) {
            return;  // ENOENT: no rule would change that
        }
        auto name = name_in_directory(path);
        if (!name || stat_of(*name, false)) {
            return;
        }
        seen_.use(parent_directory(*name), {AccessFs::MakeReg}, true);
        seen_.created(*name, false);
        // With O_TRUNC: a second run finds the file and truncates it (the
        // shell's "> file"), so the rule allows that too.
        seen_.use(*name, open_rights(flags, FileKind::Regular));
        opened_.insert(*name);
    }

    void exec(int dirfd, std::uint64_t path_arg, int flags) {
        auto raw = read_string(pid_, path_arg);
        if (!raw) {
            throw SysError(EFAULT, "read path");
        }
        const std::string path = (raw->empty() && (flags & AT_EMPTY_PATH) != 0)
                                     ? fmt::format("/proc/{}/fd/{}", pid_, dirfd)
                                     : in_caller(pid_, dirfd, *raw);
        auto real = follow(path);
        if (!real) {
            return;  // execvp()'s search tries names that do not exist
        }
        executable(*real, 0);
    }

    void make(int dirfd, std::uint64_t path_arg, FileKind kind) {
        auto raw = read_string(pid_, path_arg);
        if (!raw) {
            throw SysError(EFAULT, "read path");
        }
        make_path(in_caller(pid_, dirfd, *raw), kind);
    }

    void remove(int dirfd, std::uint64_t path_arg, bool directory) {
        auto raw = read_string(pid_, path_arg);
        if (!raw) {
            throw SysError(EFAULT, "read path");
        }
        auto name = name_in_directory(in_caller(pid_, dirfd, *raw));
        if (!name) {
            return;
        }
        auto st = stat_of(*name, false);
        if (!st) {
            return;
        }
        const FileKind kind = directory ? FileKind::Directory : file_kind(st->st_mode);
        seen_.use(parent_directory(*name), {remove_right(kind)}, true);
    }

    void rename(int old_dirfd, std::uint64_t old_arg, int new_dirfd, std::uint64_t new_arg,
                unsigned flags) {
        auto old_raw = read_string(pid_, old_arg);
        auto new_raw = read_string(pid_, new_arg);
        if (!old_raw || !new_raw) {
            throw SysError(EFAULT, "read path");
        }
        auto from = name_in_directory(in_caller(pid_, old_dirfd, *old_raw));
        auto to = name_in_directory(in_caller(pid_, new_dirfd, *new_raw));
        if (!from || !to) {
            return;
        }
        auto from_st = stat_of(*from, false);
        if (!from_st) {
            return;
        }
        const FileKind kind = file_kind(from_st->st_mode);
        const std::string from_dir = parent_directory(*from);
        const std::string to_dir = parent_directory(*to);
        seen_.use(from_dir, {remove_right(kind)}, true);
        seen_.use(to_dir, {make_right(kind)}, true);
        if (auto to_st = stat_of(*to, false)) {
            const FileKind replaced = file_kind(to_st->st_mode);
            seen_.use(to_dir, {remove_right(replaced)}, true);
            if ((flags & RENAME_EXCHANGE) != 0) {
                seen_.use(from_dir, {make_right(replaced)}, true);
            }
        } else {
            seen_.created(*to, kind == FileKind::Directory);
        }
        if (from_dir != to_dir) {
            seen_.use(from_dir, {AccessFs::Refer}, true);
            seen_.use(to_dir, {AccessFs::Refer}, true);
        }
    }

    void link(int old_dirfd, std::uint64_t old_arg, int new_dirfd, std::uint64_t new_arg,
              bool follow_old) {
        auto old_raw = read_string(pid_, old_arg);
        auto new_raw = read_string(pid_, new_arg);
        if (!old_raw || !new_raw) {
            throw SysError(EFAULT, "read path");
        }
        const std::string old_path = in_caller(pid_, old_dirfd, *old_raw);
        auto from = follow_old ? follow(old_path) : name_in_directory(old_path);
        auto to = name_in_directory(in_caller(pid_, new_dirfd, *new_raw));
        if (!from || !to || stat_of(*to, false)) {
            return;
        }
        auto st = stat_of(*from, follow_old);
        if (!st) {
            return;
        }
        const std::string to_dir = parent_directory(*to);
        seen_.use(to_dir, {make_right(file_kind(st->st_mode))}, true);
        seen_.created(*to, false);
        if (parent_directory(*from) != to_dir) {
            seen_.use(parent_directory(*from), {AccessFs::Refer}, true);
            seen_.use(to_dir, {AccessFs::Refer}, true);
        }
    }

    void truncate(std::uint64_t path_arg) {
        auto raw = read_string(pid_, path_arg);
        if (!raw) {
            throw SysError(EFAULT, "read path");
        }
        auto real = follow(in_caller(pid_, AT_FDCWD, *raw));
        if (!real) {
            return;
        }
        if (auto st = stat_of(*real, true); st && S_ISREG(st->st_mode)) {
            seen_.use(*real, {AccessFs::Truncate});
        }
    }

    /// ftruncate and ioctl act on a descriptor. Landlock decides at open
    /// time, and a descriptor inherited from outside carries every right:
    /// only objects the run opened itself need the right.
    void on_descriptor(int fd, AccessFs right, const std::vector<int>& inherited) {
        auto path = fd_path(pid_, fd);
        if (!path || opened_.count(*path) == 0) {
            return;
        }
        // The same open file as one the launcher passed on (stdin from
        // /dev/null while the run also opened /dev/null itself)?
        for (int own : inherited) {
            if (syscall(SYS_kcmp, self_, pid_, KCMP_FILE, own, fd) == 0) {
                return;
            }
        }
        auto st = stat_of(fmt::format("/proc/{}/fd/{}", pid_, fd), true);
        if (!st) {
            return;
        }
        const FileKind kind = file_kind(st->st_mode);
        const bool fits = right == AccessFs::IoctlDev
                              ? kind == FileKind::CharDevice || kind == FileKind::BlockDevice
                              : kind == FileKind::Regular;
        if (fits) {
            seen_.use(*path, {right});
        }
    }

    enum class SocketCall { Bind, Connect, SendTo };

    void socket_address(int fd, std::uint64_t addr, std::uint64_t len_arg, SocketCall call) {
        sockaddr_storage sa{};
        const std::size_t len = std::min<std::size_t>(len_arg, sizeof sa);
        if (addr == 0 || len < sizeof(sa_family_t) || !read_bytes(pid_, addr, &sa, len)) {
            return;
        }
        if ((sa.ss_family == AF_INET || sa.ss_family == AF_INET6) && call != SocketCall::SendTo) {
            if (len < sizeof(sockaddr_in) || !is_tcp_socket(pid_, fd)) {
                return;
            }
            // sin_port and sin6_port are at the same offset.
            const auto* in = reinterpret_cast<const sockaddr_in*>(&sa);
            const std::uint16_t port = ntohs(in->sin_port);
            (call == SocketCall::Bind ? seen_.bind_tcp : seen_.connect_tcp).insert(port);
            return;
        }
        if (sa.ss_family != AF_UNIX || len <= offsetof(sockaddr_un, sun_path)) {
            return;  // unnamed: an autobind or a socketpair peer
        }
        const auto* un = reinterpret_cast<const sockaddr_un*>(&sa);
        const std::size_t path_len = len - offsetof(sockaddr_un, sun_path);
        if (un->sun_path[0] == '\0') {
            const std::string name(un->sun_path + 1, path_len - 1);
            if (call == SocketCall::Bind) {
                abstract_.insert(name);
            } else if (abstract_.count(name) == 0) {
                seen_.outside = seen_.outside.with(Scope::AbstractUnixSocket);
            }
            return;
        }
        const std::string raw(un->sun_path, strnlen(un->sun_path, path_len));
        const std::string path = in_caller(pid_, AT_FDCWD, raw);
        if (call == SocketCall::Bind) {
            make_path(path, FileKind::Socket);
        } else if (auto real = follow(path)) {
            seen_.use(*real, {AccessFs::ResolveUnix});
        }
    }

    void signal(long target) {
        if (target <= 0) {
            return;  // a process group: its members are not known here
        }
        if (target == self_ || !descends_from(target, self_)) {
            seen_.outside = seen_.outside.with(Scope::Signal);
        }
    }

    void signal_pidfd(int pidfd) { signal(pidfd_target(pid_, pidfd)); }

private:
    void make_path(const std::string& path, FileKind kind) {
        auto name = name_in_directory(path);
        if (!name || stat_of(*name, false)) {
            return;  // EEXIST (or ENOENT above it): nothing is created
        }
        seen_.use(parent_directory(*name), {make_right(kind)}, true);
        seen_.created(*name, kind == FileKind::Directory);
    }

    /// The program, and the interpreters the kernel opens for it (ELF
    /// PT_INTERP, "#!" lines, up to the kernel's nesting limit).
    void executable(const std::string& path, int depth) {
        seen_.use(path, kRunFile);
        opened_.insert(path);
        if (depth >= 4) {
            return;
        }
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
        if (!fd.valid()) {
            return;
        }
        std::string interpreter;
        try {
            const FileFormat format = sniff_file_format(fd.get(), path);
            if (format == FileFormat::Elf) {
                interpreter = ElfFile(fd.get(), path).read_dynamic_info().interpreter;
            } else if (format == FileFormat::Script) {
                interpreter = script_interpreter(path).value_or("");
            }
        } catch (const Error&) {
            return;  // the exec fails as well (ENOEXEC): nothing more to learn
        }
        if (interpreter.empty()) {
            return;
        }
        if (auto real = follow(interpreter)) {
            executable(*real, depth + 1);
        }
    }

    std::optional<std::string> follow(const std::string& path) { return paths_.follow(path); }
    std::optional<std::string> name_in_directory(const std::string& path) {
        return paths_.name_in_directory(path);
    }

    pid_t pid_;
    pid_t self_;
    CanonicalPaths& paths_;
    Observations& seen_;
    std::set<std::string>& opened_;
    std::set<std::string>& abstract_;
};

} // namespace

LearnTracer::LearnTracer(UniqueFd listener, std::vector<int> inherited)
    : listener_(std::move(listener)), self_(getpid()), inherited_(std::move(inherited)) {
    if (const int rc = seccomp_notify_alloc(&req_, &resp_); rc != 0) {
        throw SysError(-rc, "--learn: seccomp_notify_alloc");
    }
    seccomp_notif_sizes sizes{};
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
        const int err = errno;
        throw SysError(err, "--learn: seccomp(SECCOMP_GET_NOTIF_SIZES)");
    }
    req_size_ = sizes.seccomp_notif;
    // Linux 6.6: each answer wakes the traced thread on this CPU at once,
    // a hand-off instead of a cross-CPU wake-up per system call. Older
    // kernels refuse the flag (EINVAL): the tracer works the same, slower.
    (void)ioctl(listener_.get(), kNotifSetFlags, kSyncWakeUp);
}

LearnTracer::~LearnTracer() { seccomp_notify_free(req_, resp_); }

bool LearnTracer::handle_one() {
    std::memset(req_, 0, req_size_);
    if (const int rc = seccomp_notify_receive(listener_.get(), req_); rc != 0) {
        // ENOENT: the caller died (or was interrupted) between poll and
        // receive; that passes. An error that persists would make the
        // caller's poll loop spin: give up then.
        if (rc != -ENOENT && rc != -EINTR && ++failed_receives_ > 1000) {
            throw SysError(-rc, "--learn: cannot receive the seccomp notifications");
        }
        return false;
    }
    failed_receives_ = 0;
    pids_.insert(static_cast<pid_t>(req_->pid));
    ++seen_.operations;
    try {
        record(*req_);
    } catch (const Error&) {
        ++unreadable_;
    } catch (const std::bad_alloc&) {
        ++unreadable_;
    }
    resp_->id = req_->id;
    resp_->val = 0;
    resp_->error = 0;
    resp_->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    // ENOENT: the caller died (or was interrupted) meanwhile; nothing to answer.
    (void)seccomp_notify_respond(listener_.get(), resp_);
    return true;
}

void LearnTracer::record(const seccomp_notif& n) {
    const TracedCall* call = calls_.find(n.data.nr);
    if (call == nullptr || n.data.arch != seccomp_arch_native()) {
        return;
    }
    const auto pid = static_cast<pid_t>(n.pid);
    const auto* a = n.data.args;
    Recorder r(pid, self_, paths_, seen_, opened_, abstract_bound_);
    using SC = Recorder::SocketCall;
    switch (*call) {
    case TracedCall::Open: r.open(AT_FDCWD, a[0], a[1]); break;
    case TracedCall::OpenAt: r.open(as_int(a[0]), a[1], a[2]); break;
    case TracedCall::OpenAt2: {
        open_how how{};
        if (!read_bytes(pid, a[2], &how.flags, sizeof how.flags)) {
            throw SysError(EFAULT, "read open_how");
        }
        r.open(as_int(a[0]), a[1], how.flags);
        break;
    }
    case TracedCall::Creat: r.open(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC); break;
    case TracedCall::Execve: r.exec(AT_FDCWD, a[0], 0); break;
    case TracedCall::ExecveAt: r.exec(as_int(a[0]), a[1], as_int(a[4])); break;
    case TracedCall::Mkdir: r.make(AT_FDCWD, a[0], FileKind::Directory); break;
    case TracedCall::MkdirAt: r.make(as_int(a[0]), a[1], FileKind::Directory); break;
    case TracedCall::Mknod: r.make(AT_FDCWD, a[0], file_kind(static_cast<mode_t>(a[1]))); break;
    case TracedCall::MknodAt:
        r.make(as_int(a[0]), a[1], file_kind(static_cast<mode_t>(a[2])));
        break;
    case TracedCall::Symlink: r.make(AT_FDCWD, a[1], FileKind::Symlink); break;
    case TracedCall::SymlinkAt: r.make(as_int(a[1]), a[2], FileKind::Symlink); break;
    case TracedCall::Link: r.link(AT_FDCWD, a[0], AT_FDCWD, a[1], false); break;
    case TracedCall::LinkAt:
        r.link(as_int(a[0]), a[1], as_int(a[2]), a[3], (a[4] & AT_SYMLINK_FOLLOW) != 0);
        break;
    case TracedCall::Unlink: r.remove(AT_FDCWD, a[0], false); break;
    case TracedCall::UnlinkAt: r.remove(as_int(a[0]), a[1], (a[2] & AT_REMOVEDIR) != 0); break;
    case TracedCall::Rmdir: r.remove(AT_FDCWD, a[0], true); break;
    case TracedCall::Rename: r.rename(AT_FDCWD, a[0], AT_FDCWD, a[1], 0); break;
    case TracedCall::RenameAt: r.rename(as_int(a[0]), a[1], as_int(a[2]), a[3], 0); break;
    case TracedCall::RenameAt2:
        r.rename(as_int(a[0]), a[1], as_int(a[2]), a[3], static_cast<unsigned>(a[4]));
        break;
    case TracedCall::Truncate: r.truncate(a[0]); break;
    case TracedCall::Ftruncate:
        r.on_descriptor(as_int(a[0]), AccessFs::Truncate, inherited_);
        break;
    case TracedCall::Ioctl:
        if (!ioctl_always_allowed(static_cast<unsigned>(a[1]))) {
            r.on_descriptor(as_int(a[0]), AccessFs::IoctlDev, inherited_);
        }
        break;
    case TracedCall::Bind: r.socket_address(as_int(a[0]), a[1], a[2], SC::Bind); break;
    case TracedCall::Connect: r.socket_address(as_int(a[0]), a[1], a[2], SC::Connect); break;
    case TracedCall::SendTo: r.socket_address(as_int(a[0]), a[4], a[5], SC::SendTo); break;
    case TracedCall::Kill:
    case TracedCall::Tkill:
    case TracedCall::RtSigqueueinfo:
    case TracedCall::Tgkill:
    case TracedCall::RtTgsigqueueinfo: r.signal(as_int(a[0])); break;
    case TracedCall::PidfdSendSignal: r.signal_pidfd(as_int(a[0])); break;
    }
}

} // namespace sandbox

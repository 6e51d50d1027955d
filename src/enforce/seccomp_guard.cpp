#include "enforce/seccomp_guard.hpp"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/error.hpp"

namespace sandbox {

namespace {

#if defined(__x86_64__)
constexpr std::uint32_t native_arch = AUDIT_ARCH_X86_64;
constexpr std::uint32_t compat_arch = AUDIT_ARCH_I386;
constexpr std::uint32_t compat_ioctl = 54;        // i386 __NR_ioctl
constexpr std::uint32_t compat_socket = 359;      // i386 __NR_socket
constexpr std::uint32_t compat_socketcall = 102;  // i386 __NR_socketcall
// x32 system calls arrive as AUDIT_ARCH_X86_64 with this bit set in the number.
constexpr std::uint32_t x32_bit = 0x40000000U;
constexpr std::uint32_t x32_ioctl = x32_bit | 514U;  // x32 __NR_ioctl
#elif defined(__aarch64__)
constexpr std::uint32_t native_arch = AUDIT_ARCH_AARCH64;
constexpr std::uint32_t compat_arch = AUDIT_ARCH_ARM;
constexpr std::uint32_t compat_ioctl = 54;    // arm EABI __NR_ioctl
constexpr std::uint32_t compat_socket = 281;  // arm EABI __NR_socket
#else
#error "seccomp_guard: add this architecture's audit arch and compat system call numbers"
#endif
// New system calls share one number on every architecture since Linux 5.1.
constexpr std::uint32_t io_uring_setup_nr = 425;
constexpr std::uint32_t socketcall_socket = 1;  // SYS_SOCKET in <linux/net.h>

constexpr std::uint32_t tiocsti = TIOCSTI;
constexpr std::uint32_t tioclinux = TIOCLINUX;
static_assert(tiocsti == 0x5412 && tioclinux == 0x541C);
static_assert(AF_UNIX == 1);

constexpr std::uint32_t arch_offset = offsetof(seccomp_data, arch);
constexpr std::uint32_t nr_offset = offsetof(seccomp_data, nr);
/// The low 32 bits of args[i] (the kernel reads int and unsigned int
/// arguments from there).
constexpr std::uint32_t arg_low(std::uint32_t i) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return offsetof(seccomp_data, args) + i * sizeof(std::uint64_t);
#else
    return offsetof(seccomp_data, args) + i * sizeof(std::uint64_t) + 4;
#endif
}

constexpr std::uint32_t allow = SECCOMP_RET_ALLOW;
constexpr std::uint32_t fail_with(int err) {
    return SECCOMP_RET_ERRNO | (static_cast<std::uint32_t>(err) & SECCOMP_RET_DATA);
}

/// A straight-line BPF program with named forward jump targets: "load a
/// word", "if it equals K go to L", "return". Offsets are resolved at the end.
class Bpf {
public:
    using Label = std::size_t;

    Label label() {
        targets_.emplace_back();
        return targets_.size() - 1;
    }
    void bind(Label l) { targets_[l] = code_.size(); }
    void load(std::uint32_t offset) {
        code_.push_back({BPF_LD | BPF_W | BPF_ABS, 0, 0, offset});
    }
    void jump_if(std::uint32_t k, Label target) {
        jumps_.push_back({code_.size(), target});
        code_.push_back({BPF_JMP | BPF_JEQ | BPF_K, 0, 0, k});
    }
    void ret(std::uint32_t action) { code_.push_back({BPF_RET | BPF_K, 0, 0, action}); }

    /// The program; every label must be bound after its jumps (BPF jumps
    /// forward only, at most 255 instructions).
    std::vector<sock_filter> finish() {
        for (const Jump& j : jumps_) {
            const std::optional<std::size_t>& to = targets_[j.target];
            if (!to || *to <= j.at || *to - j.at - 1 > 255) {
                throw LaunchError("internal error: malformed seccomp guard program");
            }
            code_[j.at].jt = static_cast<std::uint8_t>(*to - j.at - 1);
        }
        return code_;
    }

private:
    struct Jump {
        std::size_t at;
        Label target;
    };
    std::vector<sock_filter> code_;
    std::vector<std::optional<std::size_t>> targets_;
    std::vector<Jump> jumps_;
};

} // namespace

std::vector<sock_filter> guard_program(const GuardOptions& options) {
    const bool deny_unix = options.unix_sockets == UnixSocketFilter::Deny;
    Bpf b;
    const auto native = b.label();
    const auto compat = b.label();
    const auto ioctl = b.label();
    const auto socket = b.label();
    const auto eperm = b.label();
    const auto eacces = b.label();

    b.load(arch_offset);
    b.jump_if(native_arch, native);
    b.jump_if(compat_arch, compat);
    b.ret(SECCOMP_RET_KILL_PROCESS);  // unknown architecture

    b.bind(native);
    b.load(nr_offset);
    b.jump_if(__NR_ioctl, ioctl);
#if defined(__x86_64__)
    b.jump_if(x32_ioctl, ioctl);
#endif
    if (deny_unix) {
        b.jump_if(__NR_socket, socket);
        b.jump_if(io_uring_setup_nr, eperm);
#if defined(__x86_64__)
        b.jump_if(x32_bit | __NR_socket, socket);
        b.jump_if(x32_bit | io_uring_setup_nr, eperm);
#endif
    }
    b.ret(allow);

    b.bind(compat);
    b.load(nr_offset);
    b.jump_if(compat_ioctl, ioctl);
#if defined(__x86_64__)
    const auto socketcall = b.label();
#endif
    if (deny_unix) {
        b.jump_if(compat_socket, socket);
        b.jump_if(io_uring_setup_nr, eperm);
#if defined(__x86_64__)
        b.jump_if(compat_socketcall, socketcall);
#endif
    }
    b.ret(allow);

    b.bind(ioctl);  // the low 32 bits of the command
    b.load(arg_low(1));
    b.jump_if(tiocsti, eperm);
    b.jump_if(tioclinux, eperm);
    b.ret(allow);

    b.bind(socket);  // socket(domain, ...)
    b.load(arg_low(0));
    b.jump_if(AF_UNIX, eacces);
    b.ret(allow);

#if defined(__x86_64__)
    b.bind(socketcall);  // socketcall(call, args): only the call is visible
    b.load(arg_low(0));
    b.jump_if(socketcall_socket, eacces);
    b.ret(allow);
#endif

    b.bind(eperm);
    b.ret(fail_with(EPERM));
    b.bind(eacces);
    b.ret(fail_with(EACCES));
    return b.finish();
}

void install_seccomp_guard(const GuardOptions& options) {
    std::vector<sock_filter> program = guard_program(options);
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(program.size());
    prog.filter = program.data();
    const long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
    if (r != 0) {
        const int err = r > 0 ? ESRCH : errno;
        throw SysError(err, "cannot install the seccomp guard (terminal and UNIX socket filter)",
                       {r > 0 ? "a thread of the launcher is in another seccomp state; the "
                                "filter must cover every thread"
                              : "the kernel needs CONFIG_SECCOMP_FILTER; sandbox does not run a "
                                "command without the guard"});
    }
}

const char* tty_guard_summary() {
    return "ioctl TIOCSTI and TIOCLINUX fail with EPERM (seccomp, every thread)";
}

const char* unix_guard_summary() {
    return "socket(AF_UNIX) fails with EACCES, socketpair() works; i386 socketcall(SYS_SOCKET) "
           "fails with EACCES and io_uring_setup with EPERM (seccomp, every thread)";
}

} // namespace sandbox

#include "enforce/tty_guard.hpp"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "enforce/sys_error.hpp"

namespace sandbox {

namespace {

#if defined(__x86_64__)
constexpr std::uint32_t native_arch = AUDIT_ARCH_X86_64;
constexpr std::uint32_t compat_arch = AUDIT_ARCH_I386;
constexpr std::uint32_t compat_ioctl = 54;  // i386 __NR_ioctl
// x32 system calls arrive as AUDIT_ARCH_X86_64 with this bit set in the number.
constexpr std::uint32_t x32_bit = 0x40000000U;
constexpr std::uint32_t x32_ioctl = x32_bit | 514U;  // x32 __NR_ioctl
#elif defined(__aarch64__)
constexpr std::uint32_t native_arch = AUDIT_ARCH_AARCH64;
constexpr std::uint32_t compat_arch = AUDIT_ARCH_ARM;
constexpr std::uint32_t compat_ioctl = 54;  // arm EABI __NR_ioctl
#else
#error "tty_guard: add this architecture's audit arch and compat ioctl number"
#endif

constexpr std::uint32_t tiocsti = TIOCSTI;
constexpr std::uint32_t tioclinux = TIOCLINUX;
static_assert(tiocsti == 0x5412 && tioclinux == 0x541C);

constexpr std::uint32_t arch_offset = offsetof(seccomp_data, arch);
constexpr std::uint32_t nr_offset = offsetof(seccomp_data, nr);
// The low 32 bits of args[1] (the ioctl command).
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr std::uint32_t cmd_offset = offsetof(seccomp_data, args) + sizeof(std::uint64_t);
#else
constexpr std::uint32_t cmd_offset = offsetof(seccomp_data, args) + sizeof(std::uint64_t) + 4;
#endif

constexpr sock_filter stmt(std::uint16_t code, std::uint32_t k) {
    return {code, 0, 0, k};
}
constexpr sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
    return {code, jt, jf, k};
}

constexpr std::uint16_t ld_w = BPF_LD | BPF_W | BPF_ABS;
constexpr std::uint16_t jeq = BPF_JMP | BPF_JEQ | BPF_K;
constexpr std::uint16_t ret = BPF_RET | BPF_K;

// Jump offsets count instructions after the jump; the indices are on the right.
constexpr auto program = std::to_array<sock_filter>({
    stmt(ld_w, arch_offset),                 // 0
    jump(jeq, native_arch, 2, 0),            // 1 -> 4
    jump(jeq, compat_arch, 4, 0),            // 2 -> 7
    stmt(ret, SECCOMP_RET_KILL_PROCESS),     // 3 unknown architecture
    stmt(ld_w, nr_offset),                   // 4 native
#if defined(__x86_64__)
    jump(jeq, __NR_ioctl, 4, 0),             // 5 -> 10
    jump(jeq, x32_ioctl, 3, 6),              // 6 -> 10, else -> 13 allow
#else
    jump(jeq, __NR_ioctl, 4, 7),             // 5 -> 10, else -> 13 allow
    stmt(ret, SECCOMP_RET_ALLOW),            // 6 (unused)
#endif
    stmt(ld_w, nr_offset),                   // 7 compat
    jump(jeq, compat_ioctl, 1, 0),           // 8 -> 10
    stmt(ret, SECCOMP_RET_ALLOW),            // 9
    stmt(ld_w, cmd_offset),                  // 10 low 32 bits of the command
    jump(jeq, tiocsti, 2, 0),                // 11 -> 14
    jump(jeq, tioclinux, 1, 0),              // 12 -> 14
    stmt(ret, SECCOMP_RET_ALLOW),            // 13
    stmt(ret, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),  // 14
});

} // namespace

void install_tty_guard() {
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(program.size());
    prog.filter = const_cast<sock_filter*>(program.data());  // the kernel copies it
    const long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
    if (r != 0) {
        const int err = r > 0 ? ESRCH : errno;
        throw SysError(err, "cannot install the terminal guard (seccomp filter against TIOCSTI)",
                       {r > 0 ? "a thread of the launcher is in another seccomp state; the "
                                "filter must cover every thread"
                              : "the kernel needs CONFIG_SECCOMP_FILTER; sandbox does not run a "
                                "command without the guard"});
    }
}

const char* tty_guard_summary() {
    return "ioctl TIOCSTI and TIOCLINUX fail with EPERM (seccomp, every thread)";
}

} // namespace sandbox

#include "enforce/syscall_trace.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <fmt/format.h>

#include "base/error.hpp"

namespace sandbox::syscall_trace {

namespace {

/// Enough for the plans people trace; more calls are counted, not stored.
constexpr std::size_t kCapacity = 16384;

std::atomic<bool> on{false};
std::atomic<std::size_t> next{0};
std::array<Record, kCapacity> records;  // zero pages until used

std::string result_text(const Record& r) {
    if (r.result < 0) {
        return fmt::format("-1 {}", describe_errno(r.err));
    }
    return fmt::format("{}", r.result);
}

} // namespace

void enable() {
    on.store(true);
}

bool enabled() {
    return on.load(std::memory_order_relaxed);
}

void record(Call call, std::uint64_t a0, std::uint64_t a1, std::uint64_t a2, long result) {
    if (!enabled()) {
        return;
    }
    const int saved = errno;
    const std::size_t slot = next.fetch_add(1);
    if (slot < kCapacity) {
        Record& r = records[slot];
        r.call = call;
        r.tid = static_cast<pid_t>(syscall(SYS_gettid));
        r.args[0] = a0;
        r.args[1] = a1;
        r.args[2] = a2;
        r.result = result;
        r.err = result < 0 ? saved : 0;
    }
    errno = saved;
}

Recorded recorded() {
    Recorded out;
    const std::size_t n = next.load();
    const std::size_t kept = n < kCapacity ? n : kCapacity;
    out.records.assign(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(kept));
    out.dropped = n - kept;
    return out;
}

std::string describe(const Record& r) {
    std::string call;
    switch (r.call) {
    case Call::CreateRuleset:
        call = fmt::format("landlock_create_ruleset({{handled_access_fs={:#x}, "
                           "handled_access_net={:#x}, scoped={:#x}}}, ..., 0)",
                           r.args[0], r.args[1], r.args[2]);
        break;
    case Call::AddPathRule:
        call = fmt::format("landlock_add_rule({}, LANDLOCK_RULE_PATH_BENEATH, "
                           "{{allowed_access={:#x}, parent_fd={}}}, 0)",
                           r.args[0], r.args[1], static_cast<int>(r.args[2]));
        break;
    case Call::AddPortRule:
        call = fmt::format("landlock_add_rule({}, LANDLOCK_RULE_NET_PORT, "
                           "{{allowed_access={:#x}, port={}}}, 0)",
                           r.args[0], r.args[1], r.args[2]);
        break;
    case Call::RestrictSelf:
        call = fmt::format("landlock_restrict_self({}, {:#x})", static_cast<int>(r.args[0]),
                           r.args[1]);
        break;
    case Call::NoNewPrivs:
        call = "prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)";
        break;
    }
    return fmt::format("[tid {}] {} = {}", r.tid, call, result_text(r));
}

} // namespace sandbox::syscall_trace

#include "app/features_report.hpp"

#include <cstdio>
#include <fmt/format.h>

#include "base/error.hpp"
#include "policy/access.hpp"
#include "policy/plan.hpp"

namespace sandbox {

namespace {

const char* probe_name(Probe p) {
    switch (p) {
    case Probe::Yes: return "yes";
    case Probe::No: return "no";
    case Probe::Unknown: return "unknown";
    }
    return "unknown";
}

template <typename E>
std::vector<std::string> supported_names(int abi) {
    return right_names(supported_rights<E>(abi));
}

std::string landlock_lsm(const KernelFeatures& f) {
    if (f.lsm_list) {
        bool listed = (',' + *f.lsm_list + ',').find(",landlock,") != std::string::npos;
        return listed ? "yes (listed in /sys/kernel/security/lsm)"
                      : "no (not listed in /sys/kernel/security/lsm)";
    }
    if (f.abi >= 1) {
        return "yes (the Landlock syscalls answer)";
    }
    return fmt::format("no ({})", describe_errno(f.abi_errno));
}

} // namespace

nlohmann::ordered_json features_json(const KernelFeatures& f) {
    nlohmann::ordered_json j;
    j["kernel"] = f.kernel_release;
    j["landlock_active"] = f.abi >= 1;
    j["landlock_lsm"] = landlock_lsm(f);
    j["abi"] = f.abi;
    if (f.abi < 1) {
        j["unavailable_reason"] = errno_name(f.abi_errno);
    }
    j["errata"] = f.errata ? nlohmann::ordered_json(*f.errata) : nlohmann::ordered_json(nullptr);
    j["tsync"] = probe_name(f.tsync);
    j["tsync_probe"] = f.tsync_errno ? errno_name(f.tsync_errno) : "";
    j["in_domain"] = probe_name(f.in_domain);
    j["in_domain_reason"] = f.in_domain_reason;
    j["filesystem_rights"] = supported_names<AccessFs>(f.abi);
    j["network_rights"] = supported_names<AccessNet>(f.abi);
    j["scopes"] = supported_names<Scope>(f.abi);
    j["audit_flags"] = f.abi >= log_flags_abi;
    j["known_abi"] = max_known_abi;
    return j;
}

void print_features(const KernelFeatures& f, OutputFormat format) {
    if (format == OutputFormat::Json) {
        std::printf("%s\n", features_json(f).dump(2).c_str());
        return;
    }
    std::string out;
    out += fmt::format("kernel:            {}\n", f.kernel_release);
    out += fmt::format("landlock active:   {}\n", landlock_lsm(f));
    if (f.abi >= 1) {
        out += fmt::format("landlock ABI:      {}\n", f.abi);
    } else {
        out += fmt::format("landlock ABI:      none ({})\n", describe_errno(f.abi_errno));
    }
    out += fmt::format("errata:            {}\n",
                       f.errata ? fmt::format("{:#x}", *f.errata) : std::string("not reported"));
    out += fmt::format("TSYNC:             {}{}\n", probe_name(f.tsync),
                       f.tsync_errno ? fmt::format(" (restrict_self(-1, TSYNC) -> {})",
                                                   errno_name(f.tsync_errno))
                                     : "");
    out += fmt::format("in a domain:       {} ({})\n", probe_name(f.in_domain),
                       f.in_domain_reason);
    out += fmt::format("filesystem rights: {}\n", join_right_names(supported_rights<AccessFs>(f.abi)));
    out += fmt::format("network rights:    {}\n", join_right_names(supported_rights<AccessNet>(f.abi)));
    out += fmt::format("scopes:            {}\n", join_right_names(supported_rights<Scope>(f.abi)));
    out += fmt::format("audit flags:       {}\n", f.abi >= log_flags_abi ? "yes" : "no");
    std::fputs(out.c_str(), stdout);
}

} // namespace sandbox

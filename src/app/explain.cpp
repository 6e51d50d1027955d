#include "app/explain.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>

#include "enforce/restrict.hpp"
#include "base/error.hpp"
#include "enforce/seccomp_guard.hpp"

namespace sandbox {

namespace {

using Json = nlohmann::ordered_json;

std::vector<const ResolvedRule*> sorted_rules(const Prepared& p) {
    std::vector<const ResolvedRule*> out;
    for (const auto& r : p.resolved.rules) {
        out.push_back(&r);
    }
    std::stable_sort(out.begin(), out.end(), [&p](const ResolvedRule* a, const ResolvedRule* b) {
        const std::string& path_a = p.plan.path(a->planned).rule.path;
        const std::string& path_b = p.plan.path(b->planned).rule.path;
        if (path_a != path_b) {
            return path_a < path_b;
        }
        return a->effective.bits() < b->effective.bits();
    });
    return out;
}

std::vector<PortRule> sorted_ports(const Prepared& p) {
    std::vector<PortRule> ports = p.plan.ports;
    std::stable_sort(ports.begin(), ports.end(), [](const PortRule& a, const PortRule& b) {
        return std::pair(a.port, a.right) < std::pair(b.port, b.right);
    });
    return ports;
}

std::string rule_kind(const PathRule& r) {
    return r.group ? std::string(group_name(*r.group)) : "rules";
}

std::vector<std::string> flag_names(LogFlags flags) {
    std::vector<std::string> out;
    for (LogFlag f : {LogFlag::SameExecOff, LogFlag::NewExecOn, LogFlag::SubdomainsOff}) {
        if (flags.contains(f)) {
            out.emplace_back(log_flag_name(f));
        }
    }
    return out;
}

Json diagnostics_json(const Diagnostics& d) {
    Json out = Json::array();
    for (const auto& item : d.items()) {
        out.push_back(format_diagnostic(item));
    }
    return out;
}

/// How pathname UNIX sockets are restricted, in one line.
std::string unix_sockets_text(const Prepared& p) {
    switch (p.plan.unix_sockets) {
    case UnixSockets::Landlock:
        return "connect() to a pathname socket needs resolve_unix (Landlock)";
    case UnixSockets::SeccompDeny:
        return fmt::format("{}; Landlock ABI {} cannot restrict connect() to them (needs ABI {})",
                           unix_guard_summary(), p.plan.abi, resolve_unix_abi());
    case UnixSockets::Unrestricted:
        break;
    }
    if (p.policy.unrestricted_filesystem) {
        return "not restricted (the filesystem is unrestricted)";
    }
    if (p.policy.unrestricted_unix) {
        return "not restricted (--unrestricted-unix)";
    }
    return fmt::format("not restricted: {} and Landlock ABI {} cannot tell sockets apart "
                       "(needs ABI {}), so every socket is reachable",
                       p.policy.allows_unix_sockets() ? "a rule allows resolve_unix"
                                                      : "abstract UNIX sockets are unrestricted",
                       p.plan.abi, resolve_unix_abi());
}

const char* unix_sockets_control(UnixSockets u) {
    switch (u) {
    case UnixSockets::Landlock: return "landlock";
    case UnixSockets::SeccompDeny: return "seccomp";
    case UnixSockets::Unrestricted: return "unrestricted";
    }
    return "?";
}

Json env_json(const Policy& policy) {
    Json set = Json::array();
    for (const auto& s : policy.env.set) {
        set.push_back({{"key", s.key},
                       {"value", s.value ? Json(*s.value) : Json(nullptr)}});
    }
    return {{"clear", policy.env.clear}, {"set", set}, {"unset", policy.env.unset}};
}

const char* const kSnapshot =
    "entries created in these directories after launch are not covered (denied)";

Json denied_json(const CarveResult& carved) {
    Json out = Json::array();
    for (const Carving& c : carved.carvings) {
        Json replaced = Json::array();
        for (const auto& r : c.replaced) {
            Json dropped = Json::array();
            for (const auto& d : r.dropped_on) {
                dropped.push_back({{"dir", d.dir}, {"rights", right_names(d.rights)}});
            }
            replaced.push_back({{"path", r.rule.path},
                                {"resolved", r.canonical},
                                {"kind", rule_kind(r.rule)},
                                {"source", r.rule.describe_source()},
                                {"generated", r.generated},
                                {"dropped_on", dropped}});
        }
        Json removed = Json::array();
        for (const auto& r : c.removed) {
            removed.push_back({{"path", r.path}, {"source", r.describe_source()}});
        }
        Json links = Json::array();
        for (const auto& l : c.skipped_symlinks) {
            links.push_back({{"path", l.path}, {"target", l.target}});
        }
        out.push_back({{"path", c.deny.path},
                       {"resolved", c.canonical.empty() ? Json(nullptr) : Json(c.canonical)},
                       {"source", c.deny.source.to_string()},
                       {"replaced", replaced},
                       {"removed", removed},
                       {"skipped_symlinks", links},
                       {"snapshot", c.replaced.empty() ? Json(nullptr) : Json(kSnapshot)}});
    }
    return out;
}

void denied_text(const CarveResult& carved, std::string& out) {
    if (carved.carvings.empty()) {
        return;
    }
    auto line = [&]<typename... A>(fmt::format_string<A...> format, A&&... args) {
        out += fmt::format(format, std::forward<A>(args)...);
        out += '\n';
    };
    line("denied (carved out):");
    for (const Carving& c : carved.carvings) {
        if (c.canonical.empty()) {
            line("  {}: does not exist, nothing denied (from {})", c.deny.path,
                 c.deny.source.to_string());
            continue;
        }
        line("  {} (from {})", c.deny.path, c.deny.source.to_string());
        for (const auto& r : c.replaced) {
            line("    replaced the {} rule on {} (from {}) by {} rule(s) on the other entries",
                 rule_kind(r.rule), r.canonical, r.rule.describe_source(), r.generated);
            for (const auto& d : r.dropped_on) {
                line("      no {} on {} itself (would reach into {})",
                     join_right_names(d.rights), d.dir, c.canonical);
            }
        }
        for (const auto& r : c.removed) {
            line("    removed the {} rule on {} (from {})", rule_kind(r), r.path,
                 r.describe_source());
        }
        for (const auto& l : c.skipped_symlinks) {
            line("    skipped symlink {} -> {} (a rule on it would reach {})", l.path, l.target,
                 c.canonical);
        }
        if (!c.replaced.empty()) {
            line("    snapshot: {}", kSnapshot);
        }
        if (c.replaced.empty() && c.removed.empty()) {
            line("    no rule covers it");
        }
    }
}

} // namespace

Json explain_json(const Prepared& p) {
    Json j;
    j["policy"] = {{"files", p.policy.files}, {"descriptions", p.policy.descriptions}};
    j["kernel"] = {{"release", p.kernel_release}, {"abi", p.plan.abi}};
    j["handled"] = {{"filesystem", right_names(p.plan.handled_fs)},
                    {"network", right_names(p.plan.handled_net)},
                    {"scoped", right_names(p.plan.scoped)}};
    Json rules = Json::array();
    for (const ResolvedRule* r : sorted_rules(p)) {
        const PlannedPath& planned = p.plan.path(r->planned);
        const PathRule& rule = planned.rule;
        rules.push_back({{"path", rule.path},
                         {"resolved", r->resolved},
                         {"type", r->is_dir ? "directory" : "file"},
                         {"kind", rule_kind(rule)},
                         {"requested", right_names(rule.access)},
                         {"granted", right_names(r->effective)},
                         {"masked_on_file", right_names(r->masked)},
                         {"unsupported_by_abi", right_names(planned.dropped)},
                         {"source", rule.describe_source()}});
    }
    j["rules"] = rules;
    j["denied"] = denied_json(p.carved);
    Json skipped = Json::array();
    for (const auto& s : p.resolved.skipped) {
        skipped.push_back({{"path", p.plan.path(s.planned).rule.path},
                           {"reason", s.error ? errno_name(s.error) : "no rights for a file"},
                           {"source", p.plan.path(s.planned).rule.describe_source()}});
    }
    for (const auto& u : p.policy.unexpanded) {
        skipped.push_back({{"path", u.written},
                           {"reason", fmt::format("{} is not set", u.variable)},
                           {"source", u.source.to_string()}});
    }
    j["skipped"] = skipped;
    Json ports = Json::array();
    for (const auto& port : sorted_ports(p)) {
        ports.push_back({{"port", port.port},
                         {"right", info(port.right).name},
                         {"source", port.source.to_string()}});
    }
    j["ports"] = ports;
    Json unenforced = Json::array();
    for (const auto& u : p.plan.unenforced) {
        unenforced.push_back({{"what", u.what}, {"needs_abi", u.needs_abi}});
    }
    j["not_enforced"] = unenforced;
    Json warnings = diagnostics_json(p.carved.diagnostics);
    for (const auto& w : diagnostics_json(p.plan.diagnostics)) {
        warnings.push_back(w);
    }
    for (const auto& w : diagnostics_json(p.resolved.diagnostics)) {
        warnings.push_back(w);
    }
    j["warnings"] = warnings;
    j["restrict_flags"] = flag_names(p.plan.log_flags);
    Json threads = Json::array();
    for (const auto& t : p.enforcement.threads) {
        threads.push_back({{"tid", t.tid}, {"name", t.name}, {"result", "to be restricted"}});
    }
    j["enforcement"] = {{"method", method_name(p.enforcement.method)},
                        {"problem", p.enforcement.problem.empty()
                                        ? Json(nullptr)
                                        : Json(p.enforcement.problem)},
                        {"no_new_privs", true},
                        {"terminal_guard", tty_guard_summary()},
                        {"unix_sockets", {{"control", unix_sockets_control(p.plan.unix_sockets)},
                                          {"description", unix_sockets_text(p)}}},
                        {"threads", threads}};
    if (p.exec) {
        j["exec"] = {{"path", p.exec->path},
                     {"argv", p.exec->argv},
                     {"script_interpreter", p.script_interpreter ? Json(*p.script_interpreter)
                                                                 : Json(nullptr)},
                     {"environment", env_json(p.policy)},
                     {"keep_fds", p.exec->keep_fds}};
    } else {
        j["exec"] = nullptr;
    }
    if (p.would_fail) {
        j["would_fail"] = {{"status", p.would_fail->status},
                           {"message", p.would_fail->message},
                           {"hints", p.would_fail->hints}};
    } else {
        j["would_fail"] = nullptr;
    }
    return j;
}

std::string explain_text(const Prepared& p) {
    std::string out;
    auto line = [&]<typename... A>(fmt::format_string<A...> format, A&&... args) {
        out += fmt::format(format, std::forward<A>(args)...);
        out += '\n';
    };
    line("Landlock ABI {} on kernel {}", p.plan.abi, p.kernel_release);
    if (!p.policy.files.empty()) {
        line("policy files: {}", fmt::join(p.policy.files, ", "));
    }
    for (const auto& d : p.policy.descriptions) {
        line("  {}", d);
    }
    line("handled (denied unless a rule allows):");
    line("  filesystem: {}", join_right_names(p.plan.handled_fs));
    line("  network:    {}", join_right_names(p.plan.handled_net));
    line("  scoped:     {}", join_right_names(p.plan.scoped));
    line("filesystem rules:");
    if (p.resolved.rules.empty()) {
        line("  (none)");
    }
    for (const ResolvedRule* r : sorted_rules(p)) {
        const PlannedPath& planned = p.plan.path(r->planned);
        const PathRule& rule = planned.rule;
        std::string where = rule.path;
        if (!r->resolved.empty() && r->resolved != rule.path) {
            where += " -> " + r->resolved;
        }
        line("  {} ({}, {})", where, r->is_dir ? "directory" : "file", rule_kind(rule));
        line("      allow: {}", join_right_names(r->effective));
        if (!r->masked.empty()) {
            line("      not on a file: {}", join_right_names(r->masked));
        }
        if (!planned.dropped.empty()) {
            line("      unknown to ABI {}: {}", p.plan.abi, join_right_names(planned.dropped));
        }
        line("      from: {}", rule.describe_source());
    }
    for (const auto& s : p.resolved.skipped) {
        line("  skipped {}: {} (from {})", p.plan.path(s.planned).rule.path,
             s.error ? describe_errno(s.error) : "no rights left for a file",
             p.plan.path(s.planned).rule.describe_source());
    }
    for (const auto& u : p.policy.unexpanded) {
        line("  skipped {}: {} is not set (from {})", u.written, u.variable, u.source.to_string());
    }
    denied_text(p.carved, out);
    line("TCP ports:");
    if (p.plan.ports.empty()) {
        line("  (none)");
    }
    for (const auto& port : sorted_ports(p)) {
        line("  {} {} (from {})", info(port.right).name, port.port, port.source.to_string());
    }
    if (!p.plan.unenforced.empty()) {
        line("not enforced by this kernel:");
        for (const auto& u : p.plan.unenforced) {
            line("  {}: needs Landlock ABI {}", u.what, u.needs_abi);
        }
    }
    for (const auto& d : p.carved.diagnostics.items()) {
        out += format_diagnostic(d);
    }
    for (const auto& d : p.plan.diagnostics.items()) {
        out += format_diagnostic(d);
    }
    for (const auto& d : p.resolved.diagnostics.items()) {
        out += format_diagnostic(d);
    }
    auto flags = flag_names(p.plan.log_flags);
    line("restrict flags: {}", flags.empty() ? "(none)" : fmt::format("{}", fmt::join(flags, ",")));
    line("enforcement: {} for {} thread(s), no_new_privs on each",
         method_name(p.enforcement.method), p.enforcement.threads.size());
    for (const auto& t : p.enforcement.threads) {
        line("  thread {} ({})", t.tid, t.name);
    }
    if (!p.enforcement.problem.empty()) {
        line("  would fail: {}", p.enforcement.problem);
    }
    line("terminal guard: {}", tty_guard_summary());
    line("UNIX sockets: {}", unix_sockets_text(p));
    if (p.exec) {
        line("exec: {}", p.exec->path);
        if (p.script_interpreter) {
            line("  script interpreter: {}", *p.script_interpreter);
        }
        std::vector<std::string> quoted;
        for (const auto& a : p.exec->argv) {
            quoted.push_back(nlohmann::json(a).dump());
        }
        line("  argv: [{}]", fmt::join(quoted, ", "));
        const EnvPolicy& env = p.policy.env;
        line("  environment: {}{}{}", env.clear ? "cleared" : "inherited",
             env.set.empty() ? "" : fmt::format(", {} set", env.set.size()),
             env.unset.empty() ? "" : fmt::format(", unset {}", fmt::join(env.unset, ",")));
        std::vector<int> fds{0, 1, 2};
        fds.insert(fds.end(), p.exec->keep_fds.begin(), p.exec->keep_fds.end());
        line("  descriptors kept: {}", fmt::join(fds, ","));
    } else if (!p.would_fail) {
        line("exec: (no command given)");
    }
    if (p.would_fail) {
        // The error line and its hints follow on stderr, as the run prints them.
        line("would fail: exit status {}: {}", p.would_fail->status, p.would_fail->message);
    }
    return out;
}

void print_explain(const Prepared& p, OutputFormat format) {
    if (format == OutputFormat::Json) {
        std::printf("%s\n", explain_json(p).dump(2).c_str());
    } else {
        std::fputs(explain_text(p).c_str(), stdout);
    }
}

} // namespace sandbox

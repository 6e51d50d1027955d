#include "app/report_output.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sandbox {

namespace {

nlohmann::ordered_json policy_fragment(const Suggestion& s) {
    nlohmann::ordered_json policy = nlohmann::ordered_json::object();
    if (!s.rules.empty()) {
        nlohmann::ordered_json rules = nlohmann::ordered_json::array();
        for (const auto& r : s.rules) {
            rules.push_back({{"path", r.path}, {"access", right_names(r.access)}});
        }
        policy["filesystem"] = {{"rules", rules}};
    }
    if (!s.connect_tcp.empty() || !s.bind_tcp.empty()) {
        nlohmann::ordered_json network = nlohmann::ordered_json::object();
        if (!s.connect_tcp.empty()) {
            network["connect_tcp"] = s.connect_tcp;
        }
        if (!s.bind_tcp.empty()) {
            network["bind_tcp"] = s.bind_tcp;
        }
        policy["network"] = network;
    }
    if (!s.unrestricted_scopes.empty()) {
        policy["scopes"] = {{"unrestricted", right_names(s.unrestricted_scopes)}};
    }
    return policy;
}

/// The fragment, one category per line and one rule per line, indented.
std::string compact_policy(const nlohmann::ordered_json& policy) {
    std::string out = "    {\n";
    std::size_t i = 0;
    for (const auto& [key, value] : policy.items()) {
        const std::string comma = ++i < policy.size() ? "," : "";
        if (key == "filesystem") {
            out += "      \"filesystem\": {\"rules\": [\n";
            const auto& rules = value["rules"];
            for (std::size_t k = 0; k < rules.size(); ++k) {
                out += fmt::format("        {}{}\n", rules[k].dump(),
                                   k + 1 < rules.size() ? "," : "");
            }
            out += "      ]}" + comma + "\n";
        } else {
            out += fmt::format("      \"{}\": {}{}\n", key, value.dump(), comma);
        }
    }
    return out + "    }\n";
}

/// Control characters as \\xNN; a leading NUL (an abstract socket name) as '@'.
std::string printable(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (i == 0 && c == 0) {
            out += '@';
        } else if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string object_text(const Denial& d) {
    if (d.port) {
        return d.address.empty() ? fmt::format("port {}", *d.port)
                                 : fmt::format("{} port {}", d.address, *d.port);
    }
    if (d.other_pid || !d.other_comm.empty()) {
        return fmt::format("process {} ({})", d.other_pid.value_or(0), d.other_comm);
    }
    return printable(d.path);
}

std::string command_text(const std::vector<std::string>& command) {
    std::string out;
    for (const auto& word : command) {
        out += (out.empty() ? "" : " ") + shell_quote(word);
    }
    return out;
}

std::string status_text(const RunReport& r) {
    if (r.signal) {
        return fmt::format("killed by signal {}", *r.signal);
    }
    return fmt::format("exit {}", r.exit_status.value_or(0));
}

}  // namespace

std::string shell_quote(const std::string& word) {
    const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("/._-+,:=@%").find(c) != std::string_view::npos;
    });
    if (plain) {
        return word;
    }
    std::string out = "'";
    for (char c : word) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

std::string report_text(const RunReport& r) {
    std::string out = fmt::format("sandbox: denial report for: {}\n", command_text(r.command));
    out += fmt::format("  status: {}\n", status_text(r));
    std::uint64_t total = 0;
    for (const auto& d : r.denials) {
        total += d.count;
    }
    if (r.denials.empty()) {
        out += "  no denials: Landlock refused nothing this command did\n";
    } else {
        out += fmt::format("  denied ({} distinct, {} in all):\n", r.denials.size(), total);
        std::size_t width = 0;
        for (const auto& d : r.denials) {
            width = std::max(width, fmt::format("{}", fmt::join(d.blockers, ",")).size());
        }
        for (const auto& d : r.denials) {
            out += fmt::format("    {:<{}}  {}  ×{}  {} (pid {}, {})\n",
                               fmt::format("{}", fmt::join(d.blockers, ",")), width,
                               object_text(d), d.count, d.comm.empty() ? "?" : d.comm, d.pid,
                               d.exe.empty() ? "?" : d.exe);
        }
    }
    if (!r.suggestion.flags.empty()) {
        std::vector<std::string> quoted;
        for (const auto& f : r.suggestion.flags) {
            quoted.push_back(shell_quote(f));
        }
        out += fmt::format("  to allow them, add these options (before the command):\n    {}\n",
                           fmt::join(quoted, " "));
        out += fmt::format("  or to a policy file (exactly the rights denied):\n{}",
                           compact_policy(policy_fragment(r.suggestion)));
    }
    for (const auto& p : r.suggestion.per_process_paths) {
        out += fmt::format("  note: {} belongs to a process of this run (/proc/PID): no rule "
                           "for it would match the next run (--ro /proc would allow every "
                           "process's files)\n",
                           printable(p));
    }
    for (const auto& b : r.suggestion.unknown_blockers) {
        out += fmt::format("  note: no rule can allow \"{}\" (unknown to this version of sandbox)\n",
                           b);
    }
    if (r.lost > 0) {
        out += fmt::format("  warning: {} denial record(s) were lost: this report is incomplete\n",
                           r.lost);
    }
    for (const auto& n : r.notes) {
        out += fmt::format("  note: {}\n", n);
    }
    return out;
}

std::string report_json(const RunReport& r) {
    nlohmann::ordered_json j;
    j["command"] = r.command;
    if (r.signal) {
        j["status"] = {{"signal", *r.signal}};
    } else {
        j["status"] = {{"exit", r.exit_status.value_or(0)}};
    }
    j["domain"] = r.domains.empty() ? nlohmann::ordered_json(nullptr)
                                    : nlohmann::ordered_json(r.domains.front());
    j["domains"] = r.domains;
    j["lost"] = r.lost;
    j["received"] = r.received;
    j["kernel_denials"] = r.kernel_count ? nlohmann::ordered_json(*r.kernel_count)
                                         : nlohmann::ordered_json(nullptr);
    nlohmann::ordered_json denials = nlohmann::ordered_json::array();
    for (const auto& d : r.denials) {
        nlohmann::ordered_json x;
        x["blockers"] = d.blockers;
        if (!d.path.empty()) {
            x["path"] = d.path;
        }
        if (d.port) {
            x["port"] = *d.port;
            x["address"] = d.address;
        }
        if (d.other_pid) {
            x["opid"] = *d.other_pid;
        }
        if (!d.other_comm.empty()) {
            x["ocomm"] = d.other_comm;
        }
        x["count"] = d.count;
        x["pid"] = d.pid;
        x["comm"] = d.comm;
        x["exe"] = d.exe;
        denials.push_back(std::move(x));
    }
    j["denials"] = denials;
    j["suggestion"] = {{"flags", r.suggestion.flags}, {"policy", policy_fragment(r.suggestion)}};
    if (!r.suggestion.unknown_blockers.empty()) {
        j["suggestion"]["unknown_blockers"] = r.suggestion.unknown_blockers;
    }
    if (!r.suggestion.per_process_paths.empty()) {
        j["suggestion"]["per_process_paths"] = r.suggestion.per_process_paths;
    }
    j["notes"] = r.notes;
    return j.dump(2) + "\n";
}

}  // namespace sandbox

#include "policy/denials.hpp"

#include <charconv>
#include <utility>

namespace sandbox {

namespace {

/// Events waiting for their end record; beyond this many the oldest is
/// processed as it is (its SYSCALL record may then be missing).
constexpr std::size_t kMaxPendingEvents = 4096;

std::optional<long> to_long(const std::string* text) {
    if (text == nullptr) {
        return std::nullopt;
    }
    long value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size()) {
        return std::nullopt;
    }
    return value;
}

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        if (comma > start) {
            out.push_back(text.substr(start, comma - start));
        }
        start = comma + 1;
    }
    return out;
}

std::string value_or_empty(const std::string* text) { return text ? *text : std::string(); }

/// The object of an access record: path, port or other process.
Denial object_of(const AuditRecord& access) {
    Denial d;
    d.blockers = split_commas(value_or_empty(access.field("blockers")));
    d.path = value_or_empty(access.field("path"));
    if (auto port = to_long(access.field("dest"))) {
        d.port = static_cast<int>(*port);
        d.address = value_or_empty(access.field("daddr"));
    } else if (auto src = to_long(access.field("src"))) {
        d.port = static_cast<int>(*src);
        d.address = value_or_empty(access.field("saddr"));
    }
    d.other_pid = to_long(access.field("opid"));
    d.other_comm = value_or_empty(access.field("ocomm"));
    return d;
}

/// Equal denials are counted once: the blockers and the object, not the
/// process (another process of the run blocked the same way is the same
/// finding), nor the other process's pid for scopes (its name is kept).
std::string key_of(const Denial& d) {
    std::string key;
    for (const auto& b : d.blockers) {
        key += b + ",";
    }
    key += '\0' + d.path + '\0' + (d.port ? std::to_string(*d.port) : "") + '\0' + d.address +
           '\0' + d.other_comm;
    return key;
}

}  // namespace

DenialCollector::DenialCollector(DenialFilter filter) : filter_(std::move(filter)) {}

void DenialCollector::add(AuditRecord record) {
    if (record.type == audit_type::user) {
        user_messages_.insert(value_or_empty(record.field("msg")));
        return;
    }
    if (record.type == audit_type::landlock_domain) {
        const std::string* status = record.field("status");
        const std::string* domain = record.field("domain");
        if (status != nullptr && domain != nullptr && *status == "deallocated") {
            // A record of its own, after the last process of the domain is
            // gone. Kept for every domain: the allocation event of one of ours
            // may still be waiting for its end record.
            deallocated_[*domain] =
                static_cast<std::uint64_t>(to_long(record.field("denials")).value_or(0));
            return;
        }
    }
    const std::uint64_t serial = record.serial;
    const bool end = record.type == audit_type::eoe;
    pending_[serial].push_back(std::move(record));
    if (end) {
        auto node = pending_.extract(serial);
        process(node.mapped());
    } else if (pending_.size() > kMaxPendingEvents) {
        auto node = pending_.extract(pending_.begin());
        process(node.mapped());
    }
}

void DenialCollector::finish() {
    while (!pending_.empty()) {
        auto node = pending_.extract(pending_.begin());
        process(node.mapped());
    }
}

void DenialCollector::process(const std::vector<AuditRecord>& event) {
    const AuditRecord* syscall = nullptr;
    for (const auto& r : event) {
        if (r.type == audit_type::syscall) {
            syscall = &r;
        }
        // The allocation record follows the domain's first access record in
        // the same event: take it before the access records.
        if (r.type == audit_type::landlock_domain) {
            const std::string* status = r.field("status");
            const std::string* domain = r.field("domain");
            const auto pid = to_long(r.field("pid"));
            if (status != nullptr && *status == "allocated" && domain != nullptr && pid &&
                !ours_.contains(*domain) && filter_.owns_domain_of &&
                filter_.owns_domain_of(*pid)) {
                ours_.insert(*domain);
                domains_.push_back(*domain);
            }
        }
    }
    for (const auto& r : event) {
        if (r.type == audit_type::landlock_access) {
            take_access(r, syscall);
        }
    }
}

void DenialCollector::take_access(const AuditRecord& access, const AuditRecord* syscall) {
    const std::string* domain = access.field("domain");
    if (domain == nullptr || !ours_.contains(*domain)) {
        return;
    }
    ++received_;
    Denial d = object_of(access);
    if (syscall != nullptr) {
        d.pid = to_long(syscall->field("pid")).value_or(0);
        d.comm = value_or_empty(syscall->field("comm"));
        d.exe = value_or_empty(syscall->field("exe"));
        const long number = to_long(syscall->field("syscall")).value_or(-1);
        if (filter_.set_aside && filter_.set_aside(d.pid, d.exe, number)) {
            ++aside_count_;
            aside_.add(std::move(d), 1);
            return;
        }
    }
    table_.add(std::move(d), 1);
}

void DenialCollector::Table::add(Denial d, std::uint64_t count) {
    const std::string key = key_of(d);
    auto [it, inserted] = index.try_emplace(key, list.size());
    if (inserted) {
        d.count = count;
        list.push_back(std::move(d));
    } else {
        list[it->second].count += count;
    }
}

void DenialCollector::take_aside() {
    for (Denial& d : aside_.list) {
        const std::uint64_t count = d.count;
        table_.add(std::move(d), count);
    }
    aside_ = {};
    aside_count_ = 0;
}

std::optional<std::uint64_t> DenialCollector::kernel_count() const {
    if (domains_.empty() || !all_deallocated()) {
        return std::nullopt;
    }
    std::uint64_t total = 0;
    for (const auto& d : domains_) {
        total += deallocated_.at(d);
    }
    return total;
}

bool DenialCollector::all_deallocated() const {
    for (const auto& d : domains_) {
        if (!deallocated_.contains(d)) {
            return false;
        }
    }
    return true;
}

bool DenialCollector::saw_user_message(std::string_view text) const {
    for (const auto& m : user_messages_) {
        if (m.find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace sandbox

#include "policy/json_loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/path.hpp"
#include "base/unique_fd.hpp"
#include "policy/json.hpp"
#include "policy/profile_path.hpp"

namespace sandbox {

namespace {

/// Reads a regular file of bounded size; reports problems as diagnostics.
std::optional<std::string> read_policy_file(const std::string& path, const SourceLocation& where,
                                            std::size_t max_bytes, Diagnostics& diags) {
    const UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid()) {
        const int err = errno;
        diags.error(where, fmt::format("cannot open policy file \"{}\": {}", path,
                                       describe_errno(err)));
        return std::nullopt;
    }
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) {
        const int err = errno;
        diags.error(where, fmt::format("cannot stat policy file \"{}\": {}", path,
                                       describe_errno(err)));
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        diags.error(where, fmt::format("policy file \"{}\" is not a regular file", path));
        return std::nullopt;
    }
    if (static_cast<std::size_t>(st.st_size) > max_bytes) {
        diags.error(where, fmt::format("policy file \"{}\" is larger than {} bytes", path,
                                       max_bytes));
        return std::nullopt;
    }
    std::string text;
    char buf[65536];
    for (;;) {
        const ssize_t n = read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            const int err = errno;
            if (err == EINTR) {
                continue;
            }
            diags.error(where, fmt::format("cannot read policy file \"{}\": {}", path,
                                           describe_errno(err)));
            return std::nullopt;
        }
        if (n == 0) {
            return text;
        }
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_bytes) {
            diags.error(where, fmt::format("policy file \"{}\" is larger than {} bytes",
                                           path, max_bytes));
            return std::nullopt;
        }
    }
}

class IncludeLoader {
public:
    IncludeLoader(const LoadOptions& options, LoadResult& out) : options_(options), out_(out) {}

    void load(const PolicyRef& ref, const std::string& base_dir) {
        auto path = locate(ref, base_dir);
        if (!path) {
            return;
        }
        const std::string canonical = real_path(*path).value_or(*path);
        if (std::find(stack_.begin(), stack_.end(), canonical) != stack_.end()) {
            std::vector<std::string> chain = stack_names_;
            chain.push_back(*path);
            out_.diagnostics.error(ref.requested_at,
                                   fmt::format("include cycle: {}", fmt::join(chain, " -> ")));
            return;
        }
        if (loaded_.count(canonical) != 0) {
            return;  // already part of the union
        }
        if (static_cast<int>(stack_.size()) > options_.limits.max_include_depth) {
            out_.diagnostics.error(ref.requested_at,
                                   fmt::format("includes nested deeper than {} levels",
                                               options_.limits.max_include_depth));
            return;
        }
        if (loaded_.size() >= options_.limits.max_files) {
            out_.diagnostics.error(ref.requested_at,
                                   fmt::format("more than {} policy files",
                                               options_.limits.max_files));
            return;
        }
        loaded_.insert(canonical);
        auto text = read_policy_file(*path, ref.requested_at, options_.limits.max_file_bytes,
                                     out_.diagnostics);
        if (!text) {
            return;
        }
        ParsedFile parsed = parse_policy_text(*text, *path, options_, out_.diagnostics);
        out_.policy.merge(std::move(parsed.policy));
        stack_.push_back(canonical);
        stack_names_.push_back(*path);
        for (const auto& inc : parsed.includes) {
            bool profile = is_profile_name(inc.name);
            load({inc.name, profile ? PolicyRef::Kind::Profile : PolicyRef::Kind::File,
                  inc.where},
                 parent_directory(*path));
        }
        stack_.pop_back();
        stack_names_.pop_back();
    }

private:
    std::optional<std::string> locate(const PolicyRef& ref, const std::string& base_dir) {
        if (ref.kind == PolicyRef::Kind::File) {
            if (ref.name.starts_with("/") || base_dir.empty()) {
                return ref.name;
            }
            // "./x" is "x": without this, names in messages grow "././././x".
            std::string_view name = ref.name;
            while (name.starts_with("./")) {
                name.remove_prefix(2);
            }
            return join_path(base_dir, name);
        }
        if (!is_profile_name(ref.name)) {
            out_.diagnostics.error(ref.requested_at,
                                   fmt::format("\"{}\" is not a profile name", ref.name),
                                   {"profile names are bare words such as \"curl\"; use "
                                    "--policy for a file"});
            return std::nullopt;
        }
        if (auto found = find_profile(ref.name, options_.search_path)) {
            return found;
        }
        out_.diagnostics.error(
            ref.requested_at, fmt::format("profile \"{}\" not found", ref.name),
            {fmt::format("searched: {}", fmt::join(options_.search_path, ", "))});
        return std::nullopt;
    }

    const LoadOptions& options_;
    LoadResult& out_;
    std::vector<std::string> stack_;
    std::vector<std::string> stack_names_;
    std::set<std::string> loaded_;
};

} // namespace

ParsedFile parse_policy_text(std::string_view text, const std::string& filename,
                             const LoadOptions& options, Diagnostics& diagnostics) {
    auto parsed = json::parse(text, json::Limits{options.limits.max_json_depth});
    if (auto* err = std::get_if<json::ParseError>(&parsed)) {
        diagnostics.error({filename, err->pos.line, err->pos.column, {}}, err->message,
                          {"policies are strict JSON (RFC 8259): no comments, no trailing commas, "
                           "strings in double quotes"});
        return {};
    }
    return parse_policy_document(std::get<json::Value>(parsed), filename, options.env,
                                 diagnostics);
}

LoadResult load_policies(const std::vector<PolicyRef>& refs, const LoadOptions& options) {
    LoadResult out;
    IncludeLoader loader(options, out);
    for (const auto& ref : refs) {
        loader.load(ref, "");
    }
    return out;
}

} // namespace sandbox

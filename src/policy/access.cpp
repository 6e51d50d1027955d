#include "policy/access.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace sandbox {

namespace {

using F = AccessFs;

constexpr std::array<RightInfo<AccessFs>, 17> fs_table{{
    {F::Execute, "execute", 1, true, "execute a file"},
    {F::WriteFile, "write_file", 1, true, "open a file with write access"},
    {F::ReadFile, "read_file", 1, true, "open a file with read access"},
    {F::ReadDir, "read_dir", 1, false, "open a directory or list its content"},
    {F::RemoveDir, "remove_dir", 1, false, "remove an empty directory or rename one"},
    {F::RemoveFile, "remove_file", 1, false, "unlink or rename a file"},
    {F::MakeChar, "make_char", 1, false, "create a character device"},
    {F::MakeDir, "make_dir", 1, false, "create a directory"},
    {F::MakeReg, "make_reg", 1, false, "create a regular file"},
    {F::MakeSock, "make_sock", 1, false, "create a UNIX domain socket"},
    {F::MakeFifo, "make_fifo", 1, false, "create a named pipe"},
    {F::MakeBlock, "make_block", 1, false, "create a block device"},
    {F::MakeSym, "make_sym", 1, false, "create a symbolic link"},
    {F::Refer, "refer", 2, false, "link or rename a file across directories"},
    {F::Truncate, "truncate", 3, true, "truncate a file"},
    {F::IoctlDev, "ioctl_dev", 5, true, "ioctl on character or block devices"},
    {F::ResolveUnix, "resolve_unix", 9, true, "connect to a pathname UNIX socket"},
}};

constexpr std::array<RightInfo<AccessNet>, 2> net_table{{
    {AccessNet::BindTcp, "bind_tcp", 4, true, "bind a TCP socket to a port"},
    {AccessNet::ConnectTcp, "connect_tcp", 4, true, "connect a TCP socket to a port"},
}};

constexpr std::array<RightInfo<Scope>, 2> scope_table{{
    {Scope::AbstractUnixSocket, "abstract_unix_socket", 6, true,
     "connect to abstract UNIX sockets created outside the sandbox"},
    {Scope::Signal, "signal", 6, true, "send signals to processes outside the sandbox"},
}};

template <typename E>
std::span<const RightInfo<E>> table();
template <>
std::span<const RightInfo<AccessFs>> table<AccessFs>() { return fs_table; }
template <>
std::span<const RightInfo<AccessNet>> table<AccessNet>() { return net_table; }
template <>
std::span<const RightInfo<Scope>> table<Scope>() { return scope_table; }

} // namespace

std::span<const RightInfo<AccessFs>> fs_rights() { return fs_table; }
std::span<const RightInfo<AccessNet>> net_rights() { return net_table; }
std::span<const RightInfo<Scope>> scopes() { return scope_table; }

template <typename E>
const RightInfo<E>& info(E right) {
    for (const auto& row : table<E>()) {
        if (row.right == right) {
            return row;
        }
    }
    // Every enumerator has a row; the access test checks it.
    return table<E>().front();
}

template <typename E>
std::optional<E> parse_right(std::string_view name) {
    for (const auto& row : table<E>()) {
        if (row.name == name) {
            return row.right;
        }
    }
    return std::nullopt;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        prev[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

template <typename E>
std::optional<std::string_view> closest_right_name(std::string_view name) {
    std::optional<std::string_view> best;
    std::size_t best_distance = 3;  // suggest only close matches
    for (const auto& row : table<E>()) {
        std::size_t d = edit_distance(name, row.name);
        if (d < best_distance) {
            best_distance = d;
            best = row.name;
        }
    }
    return best;
}

template <typename E>
std::vector<std::string> right_names(AccessSet<E> set) {
    std::vector<std::string> out;
    for (const auto& row : table<E>()) {
        if (set.contains(row.right)) {
            out.emplace_back(row.name);
        }
    }
    return out;
}

template <typename E>
std::string join_right_names(AccessSet<E> set) {
    if (set.empty()) {
        return "(none)";
    }
    return fmt::format("{}", fmt::join(right_names(set), ","));
}

template <typename E>
AccessSet<E> supported_rights(int abi) {
    AccessSet<E> out;
    for (const auto& row : table<E>()) {
        if (row.since_abi <= abi) {
            out = out.with(row.right);
        }
    }
    return out;
}

template <typename E>
int first_abi() {
    int first = max_known_abi;
    for (const auto& row : table<E>()) {
        first = std::min(first, row.since_abi);
    }
    return first;
}

template <typename E>
AccessSet<E> all_rights() {
    return supported_rights<E>(max_known_abi);
}

FsAccess mask_for_file(FsAccess set) {
    FsAccess files;
    for (const auto& row : fs_table) {
        if (row.valid_on_files) {
            files = files.with(row.right);
        }
    }
    return set.intersect(files);
}

std::string_view group_name(Group group) {
    switch (group) {
    case Group::Ro: return "ro";
    case Group::Rox: return "rox";
    case Group::Rw: return "rw";
    case Group::Rwx: return "rwx";
    case Group::Unix: return "unix";
    }
    return "?";
}

std::optional<Group> parse_group(std::string_view name) {
    for (Group g : {Group::Ro, Group::Rox, Group::Rw, Group::Rwx, Group::Unix}) {
        if (group_name(g) == name) {
            return g;
        }
    }
    return std::nullopt;
}

FsAccess group_rights(Group group) {
    const FsAccess ro{F::ReadFile, F::ReadDir};
    const FsAccess rw = ro.with({F::WriteFile, F::Truncate, F::IoctlDev, F::RemoveDir,
                                 F::RemoveFile, F::MakeChar, F::MakeDir, F::MakeReg,
                                 F::MakeSock, F::MakeFifo, F::MakeBlock, F::MakeSym,
                                 F::Refer});
    switch (group) {
    case Group::Ro: return ro;
    case Group::Rox: return ro.with(F::Execute);
    case Group::Rw: return rw;
    case Group::Rwx: return rw.with(F::Execute);
    case Group::Unix: return {F::ResolveUnix};
    }
    return {};
}

namespace {

/// Words people write for a filesystem right, and the rights they mean (the
/// first is the likeliest). Edit distance alone misses them: "read" is 5
/// edits from "read_file".
struct RightAlias {
    std::string_view word;
    std::array<std::string_view, 2> rights;
};

constexpr RightAlias kRightAliases[] = {
    {"read", {"read_file", "read_dir"}},
    {"readdir", {"read_dir", ""}},
    {"list", {"read_dir", ""}},
    {"write", {"write_file", ""}},
    {"exec", {"execute", ""}},
    {"run", {"execute", ""}},
    {"create", {"make_reg", "make_dir"}},
    {"mkdir", {"make_dir", ""}},
    {"delete", {"remove_file", "remove_dir"}},
    {"remove", {"remove_file", "remove_dir"}},
    {"unlink", {"remove_file", ""}},
    {"rmdir", {"remove_dir", ""}},
    {"rename", {"refer", ""}},
    {"link", {"refer", ""}},
    {"symlink", {"make_sym", ""}},
    {"trunc", {"truncate", ""}},
    {"ioctl", {"ioctl_dev", ""}},
};

std::string lower_case(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::string alias_hint(const RightAlias& a) {
    if (a.rights[1].empty()) {
        return fmt::format("did you mean \"{}\"?", a.rights[0]);
    }
    return fmt::format("did you mean \"{}\" (or \"{}\")?", a.rights[0], a.rights[1]);
}

} // namespace

std::optional<std::string> fs_right_suggestion(std::string_view name) {
    // A common word as such, then a near miss of a real name ("raed_file"),
    // then a common word with a suffix ("write-access").
    const std::string word = lower_case(name);
    for (const RightAlias& a : kRightAliases) {
        if (word == a.word) {
            return alias_hint(a);
        }
    }
    if (auto near = closest_right_name<AccessFs>(word)) {
        return fmt::format("did you mean \"{}\"?", *near);
    }
    for (const RightAlias& a : kRightAliases) {
        if (word.size() > a.word.size() && word.starts_with(a.word) &&
            (word[a.word.size()] == '_' || word[a.word.size()] == '-')) {
            return alias_hint(a);
        }
    }
    return std::nullopt;
}

#define SANDBOX_INSTANTIATE(E)                                                      \
    template const RightInfo<E>& info<E>(E);                                        \
    template std::optional<E> parse_right<E>(std::string_view);                     \
    template std::optional<std::string_view> closest_right_name<E>(std::string_view); \
    template std::vector<std::string> right_names<E>(AccessSet<E>);                 \
    template std::string join_right_names<E>(AccessSet<E>);                         \
    template AccessSet<E> supported_rights<E>(int);                                 \
    template int first_abi<E>();                                                    \
    template AccessSet<E> all_rights<E>();

SANDBOX_INSTANTIATE(AccessFs)
SANDBOX_INSTANTIATE(AccessNet)
SANDBOX_INSTANTIATE(Scope)

#undef SANDBOX_INSTANTIATE

} // namespace sandbox

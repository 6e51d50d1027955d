// Landlock access rights: one typed set per kind, driven by one table.
//
// The table (`fs_rights()`, `net_rights()`, `scopes()`) is the single source
// for parsing right names, printing them, filtering by ABI, masking
// directory-only rights on files, and the man page drift test.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sandbox {

/// Filesystem rights; the value is the bit index in the kernel's mask.
enum class AccessFs : std::uint8_t {
    Execute = 0,
    WriteFile = 1,
    ReadFile = 2,
    ReadDir = 3,
    RemoveDir = 4,
    RemoveFile = 5,
    MakeChar = 6,
    MakeDir = 7,
    MakeReg = 8,
    MakeSock = 9,
    MakeFifo = 10,
    MakeBlock = 11,
    MakeSym = 12,
    Refer = 13,
    Truncate = 14,
    IoctlDev = 15,
    ResolveUnix = 16,
};

/// TCP rights (ABI 4).
enum class AccessNet : std::uint8_t {
    BindTcp = 0,
    ConnectTcp = 1,
};

/// IPC scopes (ABI 6).
enum class Scope : std::uint8_t {
    AbstractUnixSocket = 0,
    Signal = 1,
};

/// A set of rights of one kind. There is deliberately no complement
/// operator: flipping all bits would invent rights the kernel does not know.
template <typename E>
class AccessSet {
public:
    constexpr AccessSet() = default;
    constexpr AccessSet(std::initializer_list<E> items) {
        for (E e : items) {
            bits_ |= bit(e);
        }
    }
    static constexpr AccessSet from_bits(std::uint64_t bits) {
        AccessSet s;
        s.bits_ = bits;
        return s;
    }

    constexpr std::uint64_t bits() const { return bits_; }
    constexpr bool empty() const { return bits_ == 0; }
    constexpr bool contains(E e) const { return (bits_ & bit(e)) != 0; }
    constexpr bool contains_all(AccessSet other) const {
        return (bits_ & other.bits_) == other.bits_;
    }
    constexpr AccessSet with(AccessSet other) const { return from_bits(bits_ | other.bits_); }
    constexpr AccessSet with(E e) const { return from_bits(bits_ | bit(e)); }
    constexpr AccessSet without(AccessSet other) const {
        return from_bits(bits_ & ~other.bits_);
    }
    constexpr AccessSet intersect(AccessSet other) const {
        return from_bits(bits_ & other.bits_);
    }
    constexpr AccessSet& operator|=(AccessSet other) {
        bits_ |= other.bits_;
        return *this;
    }
    friend constexpr bool operator==(AccessSet, AccessSet) = default;

private:
    static constexpr std::uint64_t bit(E e) {
        return std::uint64_t{1} << static_cast<unsigned>(e);
    }
    std::uint64_t bits_ = 0;
};

using FsAccess = AccessSet<AccessFs>;
using NetAccess = AccessSet<AccessNet>;
using ScopeSet = AccessSet<Scope>;

/// One row of a rights table.
template <typename E>
struct RightInfo {
    E right;
    std::string_view name;  ///< kernel name, lower case: "read_file"
    int since_abi;          ///< first Landlock ABI that knows it
    bool valid_on_files;    ///< false: directory-only (EINVAL on a file)
    std::string_view description;
};

std::span<const RightInfo<AccessFs>> fs_rights();
std::span<const RightInfo<AccessNet>> net_rights();
std::span<const RightInfo<Scope>> scopes();

/// Highest ABI this program knows about.
inline constexpr int max_known_abi = 9;

template <typename E>
const RightInfo<E>& info(E right);

template <typename E>
std::optional<E> parse_right(std::string_view name);

/// The known right whose name is closest to `name` (for "did you mean").
template <typename E>
std::optional<std::string_view> closest_right_name(std::string_view name);

/// "did you mean ...?" for an unknown filesystem right: common words for a
/// right ("read", "write", "exec", ...: `did you mean "read_file" (or
/// "read_dir")?`), else the closest name; nullopt when nothing is close.
std::optional<std::string> fs_right_suggestion(std::string_view name);

/// Names in table order: ["read_file", "read_dir"].
template <typename E>
std::vector<std::string> right_names(AccessSet<E> set);

/// "read_file,read_dir" or "(none)".
template <typename E>
std::string join_right_names(AccessSet<E> set);

/// Every right of the kind the given ABI supports (all of them for ABI ≥ max).
template <typename E>
AccessSet<E> supported_rights(int abi);

/// The first ABI that knows any right of the kind (network: 4, scopes: 6).
template <typename E>
int first_abi();

/// Every right of the kind, whatever the ABI.
template <typename E>
AccessSet<E> all_rights();

/// The subset of `set` that the kernel accepts on a non-directory.
FsAccess mask_for_file(FsAccess set);

/// The convenience groups of the command line and the policy format.
enum class Group { Ro, Rox, Rw, Rwx, Unix };
std::string_view group_name(Group group);
std::optional<Group> parse_group(std::string_view name);
/// Rights of a group as of the newest ABI; the plan narrows them per ABI.
FsAccess group_rights(Group group);

/// Levenshtein distance, for suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

} // namespace sandbox

// The values of command-line options (PRODUCT §3): comma lists, numbers,
// "~/" and the path lists that a comma must never widen. Internal to
// src/policy: flags.cpp uses them to check RawFlags.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/flag_table.hpp"
#include "policy/flags.hpp"

namespace sandbox::flags_detail {

/// Appends the comma-separated items of `value` to `items`; the error if an
/// item is empty ("a,,b", "a,").
std::optional<std::string> split_list(std::string_view value, std::vector<std::string>& items);

/// `text` as a number in [lo, hi]; a UsageError naming `option` if it is not.
int parse_int(std::string_view text, std::string_view option, long long lo, long long hi);

/// "~" and "~/..." with $HOME; a UsageError if HOME is not set.
std::string expand_tilde(const std::string& path, const EnvLookup& env);

/// The items of a path list option (PRODUCT §3): a value that names an
/// existing path as a whole is one item, whatever commas it contains;
/// otherwise it is split on ',' and every piece must be an absolute path
/// (with Split::Library, or a bare library name), so that a comma can never
/// turn one path into a grant on "..". A lone value without a comma is
/// taken as it is (relative to the working directory). "~/" is expanded.
std::vector<std::string> path_items(const std::vector<std::string>& values,
                                    std::string_view option, Split how, const ParseContext& ctx);

} // namespace sandbox::flags_detail

// Policy files (PRODUCT §4): reading them and following their includes.
// Includes are resolved through the profile search path or relative to the
// including file, with limits on cycles, depth and file count; the result is
// the union of everything loaded. What a file may contain is policy_schema.hpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostics.hpp"
#include "policy/expand.hpp"
#include "policy/policy.hpp"
#include "policy/policy_schema.hpp"

namespace sandbox {

struct LoadLimits {
    int max_include_depth = 16;
    std::size_t max_files = 256;
    std::size_t max_file_bytes = std::size_t{16} << 20;
    int max_json_depth = 32;
};


struct LoadOptions {
    EnvLookup env;
    std::vector<std::string> search_path;  ///< for profile names
    LoadLimits limits;
};

struct LoadResult {
    Policy policy;
    Diagnostics diagnostics;
};

/// A policy to load: a file path, or a profile name looked up in the search
/// path.
struct PolicyRef {
    std::string name;
    enum class Kind { File, Profile } kind = Kind::File;
    SourceLocation requested_at;  ///< the flag or include that named it
};

/// Loads the refs in order, each with its includes (a file once, however
/// often it is named), and returns their union with every diagnostic found.
LoadResult load_policies(const std::vector<PolicyRef>& refs, const LoadOptions& options);

/// Parses one policy text without following includes (their names are
/// returned in `includes`). Exposed for tests.
ParsedFile parse_policy_text(std::string_view text, const std::string& filename,
                             const LoadOptions& options, Diagnostics& diagnostics);

} // namespace sandbox

// Policy files (PRODUCT §4): JSON text → Policy + diagnostics with
// FILE:LINE:COLUMN positions, every error of a file reported in one run.
// Includes are resolved through the profile search path or relative to the
// including file; the result is the union of everything loaded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostics.hpp"
#include "policy/expand.hpp"
#include "policy/policy.hpp"

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

/// Loads the files and profiles in order (an entry is loaded as a profile
/// name when `is_profile[i]` is true) and returns their union.
struct PolicyRef {
    std::string name;
    enum class Kind { File, Profile } kind = Kind::File;
    SourceLocation requested_at;  ///< the flag or include that named it
};

LoadResult load_policies(const std::vector<PolicyRef>& refs, const LoadOptions& options);

/// Parses one policy text without following includes (their names are
/// returned in `includes`). Exposed for tests.
struct ParsedFile {
    Policy policy;
    struct Include {
        std::string name;
        SourceLocation where;
    };
    std::vector<Include> includes;
};
ParsedFile parse_policy_text(std::string_view text, const std::string& filename,
                             const LoadOptions& options, Diagnostics& diagnostics);

} // namespace sandbox

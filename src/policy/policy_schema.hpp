// The policy file format (PRODUCT §4): one parsed JSON document → the Policy
// fields it sets and the names it includes, every error reported with its
// FILE:LINE:COLUMN. Reads no files: json_loader.hpp reads them and follows
// the includes.
#pragma once

#include <string>
#include <vector>

#include "policy/diagnostics.hpp"
#include "policy/expand.hpp"
#include "policy/json.hpp"
#include "policy/policy.hpp"

namespace sandbox {

/// One policy file, its includes not followed (their names are returned in
/// `includes`).
struct ParsedFile {
    Policy policy;
    struct Include {
        std::string name;
        SourceLocation where;
    };
    std::vector<Include> includes;
};

/// Walks `root`, the document of `filename`, expanding ${NAME} in paths with
/// `env`; every problem goes to `diagnostics`.
ParsedFile parse_policy_document(const json::Value& root, const std::string& filename,
                                 const EnvLookup& env, Diagnostics& diagnostics);

} // namespace sandbox

// The policy of a launch: policy files loaded and checked, command-line
// flags merged, --deny carved out; and --validate, which loads the same way.
#pragma once

#include "policy/carve.hpp"
#include "policy/flags.hpp"
#include "policy/policy.hpp"

namespace sandbox {

/// The policy files of `cl` loaded (with ${...} expanded and checked), their
/// warnings printed, and the command-line flags merged in. Throws PolicyError.
Policy load_policy(const CommandLine& cl);

/// --deny: carves the denied paths out of the complete rule set (files,
/// flags, command additions), listing the directories above them now.
/// Throws PolicyError.
CarveResult carve_denies(Policy& policy);

/// `--validate`: returns the exit status.
int validate(const CommandLine& cl);

} // namespace sandbox

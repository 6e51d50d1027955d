// --explain: what would be enforced, for people (text) and scripts (JSON).
#pragma once

#include <nlohmann/json.hpp>

#include "app/launch.hpp"

namespace sandbox {

/// Rules sorted by path, ports by number: the output is deterministic.
nlohmann::ordered_json explain_json(const Prepared& p);
std::string explain_text(const Prepared& p);
void print_explain(const Prepared& p, OutputFormat format);

} // namespace sandbox

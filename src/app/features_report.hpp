// --features: what the running kernel supports, as text or JSON.
#pragma once

#include <nlohmann/json.hpp>

#include "enforce/features.hpp"
#include "policy/flags.hpp"

namespace sandbox {

nlohmann::ordered_json features_json(const KernelFeatures& f);
void print_features(const KernelFeatures& f, OutputFormat format);

} // namespace sandbox

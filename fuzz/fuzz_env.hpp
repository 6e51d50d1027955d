// A fixed, fake environment for the fuzz targets: no getenv, so a run never
// depends on the machine. Names the seeds use resolve; everything else is
// unset, and EMPTY is set to "" (exercises ${EMPTY:-default}).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "policy/expand.hpp"

namespace sandbox::fuzz {

inline EnvLookup fake_environment() {
    return [](std::string_view name) -> std::optional<std::string> {
        if (name == "HOME") return "/home/fuzz";
        if (name == "PWD") return "/work/dir";
        if (name == "USER") return "fuzz";
        if (name == "XDG_RUNTIME_DIR") return "/run/user/1000";
        if (name == "EMPTY") return "";
        return std::nullopt;
    };
}

} // namespace sandbox::fuzz

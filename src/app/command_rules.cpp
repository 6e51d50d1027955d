#include "app/command_rules.hpp"

#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "command/exec.hpp"
#include "command/ldd.hpp"
#include "command/preload.hpp"

namespace sandbox {

namespace {

PathRule command_rule(const std::string& path, Group group, std::string origin) {
    return PathRule::of_group(path, group, {"", 0, 0, std::move(origin)});
}

} // namespace

void add_command_rules(const CommandLine& cl, Prepared& p) {
    const ExecPlan& exec = *p.exec;
    p.script_interpreter = script_interpreter(exec.path);
    if (!cl.add_exec) {
        return;
    }
    p.policy.paths.push_back(command_rule(exec.path, Group::Rox, "--add-exec"));
    std::vector<std::string> binaries{exec.path};
    if (p.script_interpreter) {
        p.policy.paths.push_back(command_rule(*p.script_interpreter, Group::Rox, "--add-exec"));
        binaries.push_back(*p.script_interpreter);
    }
    if (!cl.ldd) {
        return;
    }
    LddOptions options;
    options.ld_library_path = env_value(exec.envp, "LD_LIBRARY_PATH").value_or("");
    for (const auto& binary : binaries) {
        LibraryClosure c = resolve_library_closure(binary, options);
        if (!c.is_elf) {
            continue;
        }
        if (!c.interpreter.empty()) {
            p.policy.paths.push_back(command_rule(c.interpreter, Group::Rox, "--ldd"));
        }
        for (const auto& lib : c.libraries) {
            p.policy.paths.push_back(command_rule(lib, Group::Ro, "--ldd"));
        }
        for (const auto& name : c.missing) {
            spdlog::warn("--ldd: library {} needed by {} was not found", name, binary);
        }
    }
}

void preload_libraries(const CommandLine& cl, Prepared& p) {
    for (const auto& lib : cl.preload) {
        std::string path = preload_library(lib);
        p.policy.paths.push_back(command_rule(path, Group::Ro, "--preload " + lib));
        if (cl.ldd) {
            LibraryClosure c = resolve_library_closure(path);
            for (const auto& dep : c.libraries) {
                p.policy.paths.push_back(command_rule(dep, Group::Ro, "--preload " + lib));
            }
        }
        p.preloaded.push_back(std::move(path));
    }
}

std::vector<std::string> with_preload(std::vector<std::string> env,
                                      const std::vector<std::string>& libs) {
    if (libs.empty()) {
        return env;
    }
    std::string value = fmt::format("{}", fmt::join(libs, ":"));
    if (auto old = env_value(env, "LD_PRELOAD"); old && !old->empty()) {
        value += ":" + *old;
    }
    std::erase_if(env, [](const std::string& e) { return e.starts_with("LD_PRELOAD="); });
    env.push_back("LD_PRELOAD=" + value);
    return env;
}

} // namespace sandbox

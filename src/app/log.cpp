#include "app/log.hpp"

#include <cstdio>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace sandbox {

void setup_logging(const std::string& level) {
    auto logger = spdlog::stderr_logger_st("sandbox");
    logger->set_pattern("sandbox: %l: %v");
    logger->set_level(spdlog::level::from_str(level == "warning" ? "warn" : level));
    spdlog::set_default_logger(logger);
}

void print_error(const std::string& message, const std::vector<std::string>& hints) {
    std::fprintf(stderr, "sandbox: error: %s\n", message.c_str());
    for (const auto& h : hints) {
        std::fprintf(stderr, "  hint: %s\n", h.c_str());
    }
}

void print_diagnostics(const Diagnostics& diagnostics) {
    std::fputs(diagnostics.format().c_str(), stderr);
}

} // namespace sandbox

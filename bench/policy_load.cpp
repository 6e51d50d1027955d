// Policy loading alone, in process: load_policies() (read, parse, expand,
// follow includes, merge) on the given policy files, timed with
// CLOCK_MONOTONIC around the call, once per round. No process start-up, no
// plan, no path opening.
//
//   bench_policy_load [--rounds N] FILE...
// prints: median_us min_us max_us files rules bytes
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "policy/expand.hpp"
#include "policy/json_loader.hpp"

using namespace sandbox;

int main(int argc, char** argv) {
    int rounds = 21;
    std::vector<PolicyRef> refs;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = std::max(1, std::atoi(argv[++i]));
        } else {
            refs.push_back({argv[i], PolicyRef::Kind::File, {}});
        }
    }
    if (refs.empty()) {
        std::fprintf(stderr, "usage: bench_policy_load [--rounds N] FILE...\n");
        return 2;
    }
    LoadOptions options;
    options.env = process_environment();
    std::vector<double> us;
    std::size_t rules = 0;
    std::size_t files = 0;
    for (int r = 0; r < rounds; ++r) {
        const auto start = std::chrono::steady_clock::now();
        LoadResult loaded = load_policies(refs, options);
        const auto end = std::chrono::steady_clock::now();
        if (loaded.diagnostics.has_errors()) {
            std::fputs(loaded.diagnostics.format().c_str(), stderr);
            return 1;
        }
        rules = loaded.policy.paths.size();
        files = loaded.policy.files.size();
        us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    }
    std::size_t bytes = 0;
    for (const auto& f : refs) {
        struct stat st {};
        if (stat(f.name.c_str(), &st) == 0) {
            bytes += static_cast<std::size_t>(st.st_size);
        }
    }
    std::sort(us.begin(), us.end());
    std::printf("%.1f %.1f %.1f %zu %zu %zu\n", us[us.size() / 2], us.front(), us.back(), files,
                rules, bytes);
    return 0;
}

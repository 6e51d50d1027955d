// Shipped-policy tests: run a real program under `sandbox --profile NAME` in a fixed
// environment and check that its job works and that what the policy forbids fails
// with EACCES.
//
// Environment (set by tests/programs/meson.build): SANDBOX_BIN, SANDBOX_SOURCE_ROOT
// and SANDBOX_POLICY_PATH (the source tree's policies/, so an installed
// /etc/sandbox/policies can never shadow the policies under test).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "tcp.hpp"

namespace sandbox_programs {

using sandbox_it::Args;
using sandbox_it::BackgroundProcess;
using sandbox_it::free_port;
using sandbox_it::RunResult;

// The absolute path of an installed program (looked up in /usr/bin, /bin and
// /usr/local/bin, never via the test's PATH), or "" when it is missing.
std::string find_program(const std::string& name);

// Fails the current test (not a skip: CI must install every program) and returns
// from it when `name` is not installed.
#define NEED_PROGRAM(var, name)                                                      \
    const std::string var = ::sandbox_programs::find_program(name);                 \
    if (var.empty()) {                                                               \
        FAIL() << (name) << " is not installed: run scripts/deps.sh programs (as root)"; \
    }

// A TCP listener of the test process on 127.0.0.1, kernel-picked port, served by a
// thread: it counts accepted connections and answers each one with `reply` (an
// HTTP response, or an SSH-style garbage banner), then closes it.
class LoopbackServer {
public:
    explicit LoopbackServer(std::string reply);
    ~LoopbackServer();
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] std::string port_text() const { return std::to_string(port_); }
    [[nodiscard]] int connections() const { return connections_.load(); }

    // A minimal HTTP/1.0 200 response with `body`.
    static std::string http_ok(const std::string& body);

private:
    void serve();

    sandbox_it::TcpSocket socket_{sandbox_it::TcpSocket::Listen::Yes};
    int port_ = 0;
    std::string reply_;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::thread thread_;
};

// Whether something accepts TCP connections on 127.0.0.1:port.
bool port_accepts(int port);
// Whether the test process can bind 127.0.0.1:port right now.
bool port_free(int port);

// Sends "GET path HTTP/1.0" to 127.0.0.1:port and returns the whole response
// ("" when the connection fails).
std::string http_get(int port, const std::string& path);

// Fixture: HOME (with a fake ~/.ssh/id_rsa), a work directory that is ${PWD} for the
// sandboxed program, and a private TMPDIR, all in a fresh directory.
//
// With SANDBOX_TEST_REPORT_DENIALS=1 (meson suite 'programs-report') every
// sandboxed run also writes a --report-denials JSON report, and TearDown checks
// each denial against tests/programs/intended_denials.json: a denial the test
// does not list there, with its reason, fails the test (fix the profile).
class ProgramTest : public sandbox_it::SandboxTest {
protected:
    void SetUp() override;
    void TearDown() override;

    // The fixed environment of the sandboxed program: PATH, HOME, PWD=cwd, LANG,
    // USER, SANDBOX_POLICY_PATH, plus `extra`.
    [[nodiscard]] std::vector<std::string> program_env(const std::string& cwd,
                                                       const std::vector<std::string>& extra) const;
    // `env -C cwd sandbox --profile PROFILE FLAGS... -- COMMAND...` in program_env().
    [[nodiscard]] Args sandboxed(const std::string& profile, const Args& flags,
                                 const Args& command, const std::string& cwd) const;
    RunResult run_profile(const std::string& profile, const Args& command,
                          const Args& flags = {}, const std::vector<std::string>& extra_env = {});
    RunResult run_profile_in(const std::string& cwd, const std::string& profile,
                             const Args& command, const Args& flags = {},
                             const std::vector<std::string>& extra_env = {});
    // For a test whose runs cannot be reported (as another user: no CAP_AUDIT_READ).
    void skip_denial_report() { reports_.clear(); }
    // The same command without any sandbox, for setting up fixtures (e.g. a repository).
    RunResult run_plain(const std::string& cwd, const Args& command,
                        const std::vector<std::string>& extra_env = {});

    std::string home_;
    std::string work_;
    std::string reports_;  // with SANDBOX_TEST_REPORT_DENIALS=1: one JSON report per run
    mutable int report_count_ = 0;
    std::string tmp_;
    std::string secret_;  // ${HOME}/.ssh/id_rsa
};

// Whether `text` contains `needle`, with both in the failure message.
::testing::AssertionResult contains(const std::string& text, const std::string& needle);

}  // namespace sandbox_programs

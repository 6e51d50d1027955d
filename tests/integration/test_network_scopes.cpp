// TCP rules on loopback and the two IPC scopes (signal, abstract unix socket).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "harness.hpp"
#include "processes.hpp"
#include "tcp.hpp"

namespace sandbox_it {
namespace {

// free_port() as text.
std::string free_port_text() { return std::to_string(free_port()); }

// Two distinct ports that were free a moment ago (both held at once, then released).
std::pair<std::string, std::string> two_free_ports() {
    TcpSocket first(TcpSocket::Listen::No);
    TcpSocket second(TcpSocket::Listen::No);
    return {first.port_text(), second.port_text()};
}

// A listening abstract unix socket of the test process, with a name unique to
// this process and test.
class AbstractListener {
public:
    AbstractListener() {
        static std::atomic<int> counter{0};
        name_ = "sandbox-it-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
        fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) {
            fail_sys("socket(AF_UNIX)");
        }
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path + 1, name_.data(), name_.size());
        const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name_.size());
        if (bind(fd_, reinterpret_cast<sockaddr*>(&a), size) != 0) {
            fail_sys("bind @" + name_);
        }
        if (listen(fd_, 16) != 0) {
            fail_sys("listen @" + name_);
        }
    }
    ~AbstractListener() { close(fd_); }
    AbstractListener(const AbstractListener&) = delete;
    AbstractListener& operator=(const AbstractListener&) = delete;

    [[nodiscard]] const std::string& name() const { return name_; }

private:
    int fd_ = -1;
    std::string name_;
};

class NetworkTest : public SandboxTest {};

// ---------------------------------------------------------------------------
// TCP connect.

TEST_F(NetworkTest, ConnectToListedPort) {
    SANDBOX_REQUIRE_ABI(4);
    TcpSocket listener(TcpSocket::Listen::Yes);
    EXPECT_EQ("OK", probe({"--connect-tcp", listener.port_text()}, {"connect", listener.port_text()}));
}

TEST_F(NetworkTest, ConnectToOtherPortDenied) {
    SANDBOX_REQUIRE_ABI(4);
    TcpSocket allowed(TcpSocket::Listen::Yes);
    TcpSocket other(TcpSocket::Listen::Yes);
    EXPECT_EQ("EACCES", probe({"--connect-tcp", allowed.port_text()}, {"connect", other.port_text()}));
}

TEST_F(NetworkTest, ConnectDeniedWithoutAnyRule) {
    SANDBOX_REQUIRE_ABI(4);
    TcpSocket listener(TcpSocket::Listen::Yes);
    EXPECT_EQ("EACCES", probe({}, {"connect", listener.port_text()}));
}

TEST_F(NetworkTest, ConnectPortsAsCommaList) {
    SANDBOX_REQUIRE_ABI(4);
    TcpSocket first(TcpSocket::Listen::Yes);
    TcpSocket second(TcpSocket::Listen::Yes);
    TcpSocket third(TcpSocket::Listen::Yes);
    const Args flags = {"--connect-tcp", first.port_text() + "," + second.port_text()};
    EXPECT_EQ("OK", probe(flags, {"connect", first.port_text()}));
    EXPECT_EQ("OK", probe(flags, {"connect", second.port_text()}));
    EXPECT_EQ("EACCES", probe(flags, {"connect", third.port_text()}));
}

TEST_F(NetworkTest, ConnectAllowedButNobodyListens) {
    SANDBOX_REQUIRE_ABI(4);
    // Setup check: past Landlock, a closed port answers ECONNREFUSED.
    const std::string port = free_port_text();
    EXPECT_EQ("ECONNREFUSED", probe({"--connect-tcp", port}, {"connect", port}));
}

TEST_F(NetworkTest, BindRuleDoesNotAllowConnect) {
    SANDBOX_REQUIRE_ABI(4);
    TcpSocket listener(TcpSocket::Listen::Yes);
    EXPECT_EQ("EACCES", probe({"--bind-tcp", listener.port_text()}, {"connect", listener.port_text()}));
}

// ---------------------------------------------------------------------------
// TCP bind.

TEST_F(NetworkTest, BindListedPort) {
    SANDBOX_REQUIRE_ABI(4);
    const std::string port = free_port_text();
    EXPECT_EQ("OK", probe({"--bind-tcp", port}, {"bind", port}));
}

TEST_F(NetworkTest, BindOtherPortDenied) {
    SANDBOX_REQUIRE_ABI(4);
    const auto [allowed, other] = two_free_ports();
    EXPECT_EQ("EACCES", probe({"--bind-tcp", allowed}, {"bind", other}));
}

TEST_F(NetworkTest, ConnectRuleDoesNotAllowBind) {
    SANDBOX_REQUIRE_ABI(4);
    const std::string port = free_port_text();
    EXPECT_EQ("EACCES", probe({"--connect-tcp", port}, {"bind", port}));
}

TEST_F(NetworkTest, BindPortZeroMeansAnyEphemeralPort) {
    SANDBOX_REQUIRE_ABI(4);
    EXPECT_EQ("OK", probe({"--bind-tcp", "0"}, {"bind", "0"}));
    EXPECT_EQ("EACCES", probe({}, {"bind", "0"}));
}

// ---------------------------------------------------------------------------
// Unrestricted categories stay independent of each other.

TEST_F(NetworkTest, UnrestrictedNetworkConnectsAnywhere) {
    SANDBOX_REQUIRE_ABI(4);
    TcpSocket listener(TcpSocket::Listen::Yes);
    EXPECT_EQ("OK", probe({"--unrestricted-network"}, {"connect", listener.port_text()}));
    const std::string closed = free_port_text();
    EXPECT_EQ("ECONNREFUSED", probe({"--unrestricted-network"}, {"connect", closed}));
    EXPECT_EQ("OK", probe({"--unrestricted-network"}, {"bind", free_port_text()}));
}

TEST_F(NetworkTest, UnrestrictedNetworkStillRestrictsFilesystem) {
    const std::string file = make_file("f", "x");
    EXPECT_EQ("EACCES", probe({"--unrestricted-network"}, {"read", file}));
    EXPECT_EQ("OK", probe({"--unrestricted-network", "--ro", file}, {"read", file}));
}

TEST_F(NetworkTest, UnrestrictedFilesystemStillRestrictsTcp) {
    SANDBOX_REQUIRE_ABI(4);
    TcpSocket listener(TcpSocket::Listen::Yes);
    const std::string file = make_file("f", "x");
    RunResult r = run_sandbox({"--unrestricted-filesystem", "--", probe_bin(), "read", file});
    EXPECT_EQ("OK\n", r.out) << r.describe();
    r = run_sandbox(
        {"--unrestricted-filesystem", "--", probe_bin(), "connect", listener.port_text()});
    EXPECT_EQ("EACCES\n", r.out) << r.describe();
    r = run_sandbox({"--unrestricted-filesystem", "--", probe_bin(), "bind", free_port_text()});
    EXPECT_EQ("EACCES\n", r.out) << r.describe();
}

// ---------------------------------------------------------------------------
// Signal scope: the target may not signal processes outside its domain.

class ScopeTest : public SandboxTest {};

TEST_F(ScopeTest, SignalOutsideDomainDenied) {
    SANDBOX_REQUIRE_ABI(6);
    IdleChild outside;
    EXPECT_EQ("EPERM", probe({}, {"kill", std::to_string(outside.pid())}));
}

TEST_F(ScopeTest, SignalAllowedWithUnrestrictedScopeSignal) {
    SANDBOX_REQUIRE_ABI(6);
    IdleChild outside;
    EXPECT_EQ("OK",
              probe({"--unrestricted-scope", "signal"}, {"kill", std::to_string(outside.pid())}));
}

TEST_F(ScopeTest, SignalAllowedWithUnrestrictedScoped) {
    SANDBOX_REQUIRE_ABI(6);
    IdleChild outside;
    EXPECT_EQ("OK", probe({"--unrestricted-scoped"}, {"kill", std::to_string(outside.pid())}));
}

TEST_F(ScopeTest, UnrestrictingAbstractSocketsKeepsSignalsScoped) {
    SANDBOX_REQUIRE_ABI(6);
    IdleChild outside;
    EXPECT_EQ("EPERM", probe({"--unrestricted-scope", "abstract_unix_socket"},
                             {"kill", std::to_string(outside.pid())}));
}

TEST_F(ScopeTest, SignalsInsideTheDomainAllowed) {
    SANDBOX_REQUIRE_ABI(6);
    // The shell signals itself: same domain.
    RunResult r = run_sandbox(concat({exec_flags(), {"--", "/bin/sh", "-c", "kill -0 $$ && echo alive"}}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("alive\n", r.out);
}

// ---------------------------------------------------------------------------
// Abstract unix socket scope: no connecting to sockets bound outside the domain.
// Below ABI 9 the UNIX socket guard refuses socket(AF_UNIX) before the scope
// is reached (test_unix_sockets); --unrestricted-unix lets these tests see the
// scope itself.

const Args kNoUnixGuard = {"--unrestricted-unix"};

TEST_F(ScopeTest, AbstractSocketOutsideDomainDenied) {
    SANDBOX_REQUIRE_ABI(6);
    AbstractListener listener;
    EXPECT_EQ("EPERM", probe(kNoUnixGuard, {"abstract-connect", listener.name()}));
}

TEST_F(ScopeTest, AbstractSocketAllowedWithUnrestrictedScope) {
    SANDBOX_REQUIRE_ABI(6);
    AbstractListener listener;
    EXPECT_EQ("OK", probe({"--unrestricted-scope", "abstract_unix_socket"},
                          {"abstract-connect", listener.name()}));
}

TEST_F(ScopeTest, AbstractSocketAllowedWithUnrestrictedScoped) {
    SANDBOX_REQUIRE_ABI(6);
    AbstractListener listener;
    EXPECT_EQ("OK", probe({"--unrestricted-scoped"}, {"abstract-connect", listener.name()}));
}

TEST_F(ScopeTest, UnrestrictingSignalsKeepsAbstractSocketsScoped) {
    SANDBOX_REQUIRE_ABI(6);
    AbstractListener listener;
    EXPECT_EQ("EPERM", probe(concat({kNoUnixGuard, {"--unrestricted-scope", "signal"}}),
                             {"abstract-connect", listener.name()}));
}

TEST_F(ScopeTest, BothScopesAsRepeatedFlag) {
    SANDBOX_REQUIRE_ABI(6);
    AbstractListener listener;
    IdleChild outside;
    const Args flags = {"--unrestricted-scope", "signal", "--unrestricted-scope",
                        "abstract_unix_socket"};
    EXPECT_EQ("OK", probe(flags, {"abstract-connect", listener.name()}));
    EXPECT_EQ("OK", probe(flags, {"kill", std::to_string(outside.pid())}));
}

TEST_F(ScopeTest, AbstractBindInsideAllowedAndMissingNameRefused) {
    SANDBOX_REQUIRE_ABI(6);
    const std::string name = "sandbox-it-free-" + std::to_string(getpid());
    // The scope restricts connecting out of the domain, not binding.
    EXPECT_EQ("OK", probe(kNoUnixGuard, {"abstract-bind", name}));
    // Setup check: a name nobody listens on is ECONNREFUSED, not EPERM.
    EXPECT_EQ("ECONNREFUSED", probe(kNoUnixGuard, {"abstract-connect", name + "-nobody"}));
}

// ---------------------------------------------------------------------------
// The same through policy files.

TEST_F(NetworkTest, JsonPortRules) {
    SANDBOX_REQUIRE_ABI(4);
    TcpSocket listener(TcpSocket::Listen::Yes);
    TcpSocket other(TcpSocket::Listen::Yes);
    const std::string bind_port = free_port_text();
    const std::string policy = write_policy(
        "net.json", {{"network",
                      {{"connect_tcp", {listener.port()}}, {"bind_tcp", {std::stoi(bind_port)}}}}});
    EXPECT_EQ("OK", probe({"--policy", policy}, {"connect", listener.port_text()}));
    EXPECT_EQ("EACCES", probe({"--policy", policy}, {"connect", other.port_text()}));
    EXPECT_EQ("OK", probe({"--policy", policy}, {"bind", bind_port}));
    EXPECT_EQ("EACCES", probe({"--policy", policy}, {"bind", std::to_string(other.port())}));
}

TEST_F(ScopeTest, JsonScopesUnrestrictedTrue) {
    SANDBOX_REQUIRE_ABI(6);
    AbstractListener listener;
    IdleChild outside;
    const std::string policy = write_policy("s.json", {{"scopes", {{"unrestricted", true}}}});
    EXPECT_EQ("OK", probe({"--policy", policy}, {"abstract-connect", listener.name()}));
    EXPECT_EQ("OK", probe({"--policy", policy}, {"kill", std::to_string(outside.pid())}));
}

TEST_F(ScopeTest, JsonScopesUnrestrictedList) {
    SANDBOX_REQUIRE_ABI(6);
    AbstractListener listener;
    IdleChild outside;
    const std::string policy =
        write_policy("s.json", {{"scopes", {{"unrestricted", {"abstract_unix_socket"}}}}});
    EXPECT_EQ("OK", probe({"--policy", policy}, {"abstract-connect", listener.name()}));
    EXPECT_EQ("EPERM", probe({"--policy", policy}, {"kill", std::to_string(outside.pid())}));
}

}  // namespace
}  // namespace sandbox_it

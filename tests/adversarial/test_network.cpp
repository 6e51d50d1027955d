// Network: TCP bind/connect are Landlock rights (port 0 = any ephemeral
// port for bind); UDP is not covered by Landlock at all, which SECURITY.md
// documents: this suite shows it so the documentation cannot go stale.
#include "harness.hpp"
#include "tcp.hpp"

namespace sandbox_it {
namespace {

class Network : public ::testing::Test {
protected:
    void SetUp() override { SANDBOX_REQUIRE_ABI(4); }
};

TEST_F(Network, BindPortZeroAllowedByBindTcp0) {
    EXPECT_EQ("OK", probe({"--bind-tcp", "0"}, {"bind", "0"}));
}

TEST_F(Network, BindPortZeroDeniedWithoutARule) {
    EXPECT_EQ("EACCES", probe({}, {"bind", "0"}));
}

// --bind-tcp 0 is "any ephemeral port", not "any port".
TEST_F(Network, BindTcp0DoesNotAllowAFixedPort) {
    EXPECT_EQ("EACCES", probe({"--bind-tcp", "0"}, {"bind", std::to_string(free_port())}));
}

TEST_F(Network, ConnectDeniedWithoutARule) {
    EXPECT_EQ("EACCES", probe({}, {"connect", std::to_string(free_port())}));
}

// Allowed: the connect reaches the kernel's TCP stack (nobody listens).
TEST_F(Network, ConnectAllowedReachesTheNetwork) {
    const std::string port = std::to_string(free_port());
    EXPECT_EQ("ECONNREFUSED", probe({"--connect-tcp", port}, {"connect", port}));
}

// The highest port is accepted and enforced like any other.
TEST_F(Network, Port65535) {
    EXPECT_EQ("EACCES", probe({"--connect-tcp", "65534"}, {"connect", "65535"}));
}

// NOT covered by Landlock (documented in SECURITY.md): UDP works inside the
// sandbox even with the network category fully handled and no port allowed.
TEST_F(Network, UdpIsNotCoveredByLandlock) {
    EXPECT_EQ("OK", probe({}, {"udp-sendto", std::to_string(free_port())}));
}

}  // namespace
}  // namespace sandbox_it

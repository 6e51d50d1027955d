#include "tcp.hpp"
#include "processes.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace sandbox_it {

namespace {

}  // namespace

TcpSocket::TcpSocket(Listen listen_mode) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        fail_sys("socket");
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = 0;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        fail_sys("bind 127.0.0.1:0");
    }
    if (listen_mode == Listen::Yes && listen(fd_, 16) != 0) {
        fail_sys("listen");
    }
    socklen_t len = sizeof a;
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        fail_sys("getsockname");
    }
    port_ = ntohs(a.sin_port);
}

void TcpSocket::close_now() {
    if (fd_ >= 0) {
        close(fd_);
        fd_ = -1;
    }
}

int free_port() { return TcpSocket(TcpSocket::Listen::No).port(); }

}  // namespace sandbox_it

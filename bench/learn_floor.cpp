// The floor of --learn's design: the command runs under the very same seccomp
// filter (install_learn_filter(), every call Landlock controls raises a user
// notification), and every notification is answered CONTINUE at once:
// nothing is read from the traced process, nothing recorded, no policy
// written. What a run costs here over the untraced run is the kernel's round
// trip (the caller stops, the supervisor wakes, receives, answers, the caller
// resumes); what sandbox --learn costs beyond it is the launcher's own work
// per notification. bench/run.sh's --learn section runs it as a case.
//
//   bench_learn_floor COMMAND [ARG...]
//
// Exits with the command's status (128 + N when killed by signal N), 125
// when the supervisor fails (never loops on an error). Prints
// "notifications: N" on stderr. No subreaper, no signal forwarding: a
// benchmark tool, not a launcher.
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <vector>

#include "base/error.hpp"
#include "command/learn_filter.hpp"

namespace {

void send_fd(int socket, int fd) {
    char byte = 'F';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(socket, &msg, MSG_NOSIGNAL) != 1) {
        std::perror("bench_learn_floor: sendmsg");
        _exit(125);
    }
}

int receive_fd(int socket) {
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = 0;
    do {
        n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    const cmsghdr* c = n == 1 ? CMSG_FIRSTHDR(&msg) : nullptr;
    if (c == nullptr || c->cmsg_type != SCM_RIGHTS) {
        return -1;
    }
    int fd = -1;
    std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

int exit_code(int wstatus) {
    return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_learn_floor COMMAND [ARG...]\n");
        return 2;
    }
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        std::perror("bench_learn_floor: socketpair");
        return 125;
    }
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        std::perror("bench_learn_floor: fork");
        return 125;
    }
    if (pid == 0) {
        close(pair[0]);
        // Without its supervisor the command's traced calls would fail.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(125);
        }
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            std::perror("bench_learn_floor: prctl(PR_SET_NO_NEW_PRIVS)");
            _exit(125);
        }
        try {
            sandbox::UniqueFd listener = sandbox::install_learn_filter();
            send_fd(pair[1], listener.get());
        } catch (const sandbox::Error& e) {
            std::fprintf(stderr, "bench_learn_floor: %s\n", e.what());
            _exit(125);
        }
        close(pair[1]);
        execvp(argv[1], argv + 1);
        std::perror("bench_learn_floor: execvp");
        _exit(127);
    }
    close(pair[1]);
    const int listener = receive_fd(pair[0]);
    close(pair[0]);
    unsigned long long count = 0;
    if (listener >= 0) {
        // RECV wants a zeroed buffer at least as large as the kernel's
        // structure (EINVAL otherwise), which may be larger than the header's.
        seccomp_notif_sizes sizes{};
        if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
            std::perror("bench_learn_floor: SECCOMP_GET_NOTIF_SIZES");
            kill(pid, SIGKILL);
            return 125;
        }
        std::vector<char> req_buf(std::max<std::size_t>(sizes.seccomp_notif, sizeof(seccomp_notif)));
        std::vector<char> resp_buf(
            std::max<std::size_t>(sizes.seccomp_notif_resp, sizeof(seccomp_notif_resp)));
        auto* req = reinterpret_cast<seccomp_notif*>(req_buf.data());
        auto* resp = reinterpret_cast<seccomp_notif_resp*>(resp_buf.data());
        for (;;) {
            pollfd fd{listener, POLLIN, 0};
            if (poll(&fd, 1, -1) < 0) {
                if (errno == EINTR) {
                    continue;
                }
                std::perror("bench_learn_floor: poll");
                kill(pid, SIGKILL);
                return 125;
            }
            if ((fd.revents & POLLIN) != 0) {
                std::fill(req_buf.begin(), req_buf.end(), 0);
                if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
                    if (errno == ENOENT || errno == EINTR) {
                        continue;  // the caller died (or was interrupted) meanwhile
                    }
                    std::perror("bench_learn_floor: SECCOMP_IOCTL_NOTIF_RECV");
                    kill(pid, SIGKILL);
                    return 125;
                }
                ++count;
                std::fill(resp_buf.begin(), resp_buf.end(), 0);
                resp->id = req->id;
                resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
                // ENOENT: the caller died meanwhile; nothing to answer.
                (void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
            } else if ((fd.revents & (POLLHUP | POLLERR)) != 0) {
                break;  // no traced process is left
            }
        }
        close(listener);
    }
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0) {
        if (errno != EINTR) {
            std::perror("bench_learn_floor: waitpid");
            return 125;
        }
    }
    std::fprintf(stderr, "notifications: %llu\n", count);
    return exit_code(wstatus);
}

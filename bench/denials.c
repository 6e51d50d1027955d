/* The target of the --report-denials benchmark (bench/run.sh, section
 * report-denials): makes N Landlock denials, as fast as it can.
 *
 *   bench_denials N PATH   open(PATH, O_RDONLY) N times; PATH must exist and
 *                          be outside the policy, so that every open is
 *                          refused by Landlock (EACCES) and audited. Exit 0
 *                          when all N were refused with EACCES, 1 otherwise
 *                          (a policy that allows PATH, or a missing PATH,
 *                          would make no denial at all: that is a failed run,
 *                          not a fast one).
 *   bench_denials --audit-status
 *                          prints the kernel's audit status (AUDIT_GET on the
 *                          audit netlink socket; root): "enabled=E pid=P
 *                          lost=L backlog_limit=B rate_limit=R". run.sh reads
 *                          it before and after the section to check that the
 *                          launcher left the audit switch as it found it,
 *                          without auditctl.
 *
 * Linked statically, like bench_true: no dynamic loader, so no read of
 * /etc/ld.so.cache or of libraries that the policy would have to allow. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int audit_status(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    if (fd < 0) {
        perror("bench_denials: audit netlink socket");
        return 2;
    }
    struct {
        struct nlmsghdr h;
        char pad[16];
    } req;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = NLMSG_LENGTH(0);
    req.h.nlmsg_type = AUDIT_GET;
    req.h.nlmsg_flags = NLM_F_REQUEST;
    req.h.nlmsg_seq = 1;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr*)&kernel, sizeof kernel) < 0) {
        perror("bench_denials: AUDIT_GET");
        return 2;
    }
    for (;;) {
        union {
            struct nlmsghdr h;
            char bytes[8192];
        } buf;
        const ssize_t got = recv(fd, &buf, sizeof buf, 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < (ssize_t)NLMSG_HDRLEN) {
            perror("bench_denials: AUDIT_GET reply");
            return 2;
        }
        unsigned int left = (unsigned int)got;
        for (struct nlmsghdr* h = &buf.h; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr* e = NLMSG_DATA(h);
                if (e->error != 0) {
                    fprintf(stderr, "bench_denials: AUDIT_GET: %s\n", strerror(-e->error));
                    return 2;
                }
            } else if (h->nlmsg_type == AUDIT_GET) {
                struct audit_status s;
                memset(&s, 0, sizeof s);
                size_t have = h->nlmsg_len - NLMSG_HDRLEN;
                memcpy(&s, NLMSG_DATA(h), have < sizeof s ? have : sizeof s);
                printf("enabled=%u pid=%u lost=%u backlog_limit=%u rate_limit=%u\n", s.enabled,
                       s.pid, s.lost, s.backlog_limit, s.rate_limit);
                close(fd);
                return 0;
            }
        }
    }
}

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "--audit-status") == 0) {
        return audit_status();
    }
    if (argc != 3) {
        fprintf(stderr, "usage: bench_denials N PATH | bench_denials --audit-status\n");
        return 2;
    }
    const long n = atol(argv[1]);
    const char* path = argv[2];
    long refused = 0;
    for (long i = 0; i < n; ++i) {
        const int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            close(fd);
        } else if (errno == EACCES) {
            ++refused;
        } else {
            fprintf(stderr, "bench_denials: open %s: %s (expected a Landlock denial)\n", path,
                    strerror(errno));
            return 1;
        }
    }
    if (refused != n) {
        fprintf(stderr, "bench_denials: %ld of %ld opens of %s were refused; the policy allows it\n",
                refused, n, path);
        return 1;
    }
    return 0;
}

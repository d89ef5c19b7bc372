/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fd-util.h"
#include "log.h"
#include "netns.h"
#include "nft.h"
#include "path-util.h"
#include "prepare-ports.h"
#include "string-util.h"

#define SOCKET_PROXYD "/lib/systemd/systemd-socket-proxyd"
#define PROXY_WAIT_USEC (60ULL * 1000000ULL)

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Nothing else on the host holds the port: bind() it, as the owner of the port would. */
static int host_port_is_free(const PortMapping *p) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(p->host_port) };
        _cleanup_close_ int fd = -EBADF;
        int one = 1;

        if (p->host_ip[0] && inet_pton(AF_INET, p->host_ip, &sa.sin_addr) != 1)
                return -EINVAL;
        fd = socket(AF_INET, (p->protocol == PORT_PROTOCOL_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC,
                    p->protocol == PORT_PROTOCOL_SCTP ? IPPROTO_SCTP : 0);
        if (fd < 0)
                return p->protocol == PORT_PROTOCOL_SCTP ? 0 : -errno;   /* no SCTP here: nothing can hold it */
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        return 0;
}

int prepare_ports_start(const PrepareConfig *c) {
        _cleanup_free_ char *reason = NULL;
        const PrepareNetwork *n;
        int r;

        if (c->n_ports == 0)
                return 0;
        if (c->n_networks == 0 || !c->networks[0].address)
                return log_error_errno(EINVAL, "Published ports need a bridge network, and this container has none.");
        n = &c->networks[0];

        for (size_t i = 0; i < c->n_ports; i++) {
                const PortMapping *p = &c->ports[i];

                r = host_port_is_free(p);
                if (r == -EADDRINUSE)
                        return log_error_errno(r, "Host port %s%s%u/%s is in use by another program: "
                                               "free it, or publish on another port.",
                                               p->host_ip, p->host_ip[0] ? ":" : "", p->host_port,
                                               port_protocol_to_string(p->protocol));
                if (r < 0)
                        return log_error_errno(r, "Cannot check host port %u: %m", p->host_port);
        }

        /* The network's own rules (net-core sets them up too; this is cheap when they are there). */
        r = nft_network_setup(n->bridge, n->subnet, n->internal, &reason);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the firewall rules of bridge %s: %s", n->bridge,
                                       reason ?: strerror(-r));
        r = nft_ports_add(c->id, n->address, c->ports, c->n_ports, &reason);
        if (r < 0)
                return log_error_errno(r, "Cannot publish the container's ports: %s", reason ?: strerror(-r));
        return 0;
}

void prepare_ports_stop(const PrepareConfig *c) {
        _cleanup_free_ char *reason = NULL;
        int r;

        if (c->n_ports == 0)
                return;
        r = nft_ports_remove(c->id, &reason);
        if (r < 0)
                log_warning_errno(r, "Cannot remove the container's port rules: %s", reason ?: strerror(-r));
}

/* The payload's PID, from crun's state: its network namespace is the container's. */
static int payload_pid(const PrepareConfig *c, pid_t *ret) {
        _cleanup_free_ char *path = strjoin("/run/crun/", c->id, "/status");
        json_object *o, *v;
        int64_t pid = 0;

        if (!path)
                return -ENOMEM;
        o = json_object_from_file(path);
        if (!o)
                return -ENOENT;
        if (json_object_object_get_ex(o, "pid", &v))
                pid = json_object_get_int64(v);
        json_object_put(o);
        if (pid <= 1)
                return -ENOENT;
        *ret = (pid_t) pid;
        return 0;
}

static int open_container_netns(const PrepareConfig *c) {
        _cleanup_free_ char *proc = NULL;
        pid_t pid;
        int fd, r;

        /* net-core's persistent file, once the container has started on it */
        if (c->netns && netns_is_mounted(c->netns)) {
                fd = open(c->netns, O_RDONLY | O_CLOEXEC);
                if (fd >= 0)
                        return fd;
        }
        r = payload_pid(c, &pid);
        if (r < 0)
                return r;
        if (asprintf(&proc, "/proc/%d/ns/net", (int) pid) < 0)
                return -ENOMEM;
        fd = open(proc, O_RDONLY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int try_connect(uint16_t port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        return 0;
}

int prepare_proxy(const PrepareConfig *c, const char *port, const char *idle) {
        _cleanup_free_ char *target = NULL, *idle_arg = NULL;
        uint64_t deadline = now_usec() + PROXY_WAIT_USEC;
        unsigned long p;
        char *end;
        int fd = -EBADF, r;

        errno = 0;
        p = strtoul(port, &end, 10);
        if (errno != 0 || *end || p == 0 || p > 65535)
                return log_error_errno(EINVAL, "Invalid container port '%s'.", port);
        if (idle && (isempty(idle) || strspn(idle, "0123456789") != strlen(idle)))
                return log_error_errno(EINVAL, "Invalid idle time '%s': expected seconds.", idle);

        /* The container unit was started before us (After=), but crun may not have made the
         * container's namespaces yet. */
        for (;;) {
                fd = open_container_netns(c);
                if (fd >= 0)
                        break;
                if (now_usec() > deadline)
                        return log_error_errno(fd, "The container's network namespace did not appear: %m");
                (void) usleep(10 * 1000);
        }
        r = setns(fd, CLONE_NEWNET);
        safe_close(fd);
        if (r < 0)
                return log_error_errno(errno, "Cannot join the container's network namespace: %m");

        /* The first connection must not race the server: wait until it accepts. */
        for (;;) {
                r = try_connect((uint16_t) p);
                if (r >= 0)
                        break;
                if (now_usec() > deadline)
                        return log_error_errno(r, "Port %lu in the container did not accept connections within "
                                               "%llus: %m", p, PROXY_WAIT_USEC / 1000000ULL);
                (void) usleep(10 * 1000);
        }

        if (asprintf(&target, "127.0.0.1:%lu", p) < 0)
                return log_oom();
        if (idle && asprintf(&idle_arg, "--exit-idle-time=%ss", idle) < 0)
                return log_oom();
        char *argv[] = { (char *) "systemd-socket-proxyd", target, idle_arg, NULL };
        if (idle_arg) {
                argv[1] = idle_arg;
                argv[2] = target;
        }
        execv(SOCKET_PROXYD, argv);
        return log_error_errno(errno, "Cannot run %s: %m", SOCKET_PROXYD);
}

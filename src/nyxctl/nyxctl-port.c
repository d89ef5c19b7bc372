/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nyxctl port CONTAINER [PRIVATE_PORT[/PROTO]]: the container's published ports, as docker prints them. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl.h"
#include "port-mapping.h"
#include "string-util.h"

int verb_port(int argc, char *argv[], void *userdata) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL, *want_proto = NULL;
        const char *host_ip, *proto, *filter = NULL;
        uint16_t host_port, container_port, want_port = 0;
        unsigned found = 0;
        int r;

        r = parse_help_only("port", argc, argv,
                            "nyxctl port CONTAINER [PRIVATE_PORT[/PROTO]]\n\n"
                            "List the container's published ports (-p, -P, --listen), or where one goes.\n",
                            1, 2);
        if (r <= 0)
                return r;
        if (optind + 1 < argc) {
                _cleanup_free_ PortMapping *l = NULL;
                _cleanup_free_ char *reason = NULL;
                size_t n = 0;

                filter = argv[optind + 1];
                if (strchr(filter, ':') || parse_port_flag(filter, &l, &n, &reason) < 0 || n != 1) {
                        log_error("port: invalid port '%s': expected PORT or PORT/PROTO (tcp, udp, sctp)", filter);
                        return -EINVAL;
                }
                want_port = l[0].container_port;
                want_proto = strdup(port_protocol_to_string(l[0].protocol));
                if (!want_proto)
                        return log_oom();
        }

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = container_lookup(bus, argv[optind], &path);
        if (r < 0)
                return r;
        r = sd_bus_get_property(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_CONTAINER, "Ports", &error, &reply,
                                "a(sqqs)");
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_enter_container(reply, 'a', "(sqqs)");
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        while ((r = sd_bus_message_read(reply, "(sqqs)", &host_ip, &host_port, &container_port, &proto)) > 0) {
                if (filter) {
                        if (container_port != want_port || !streq(proto, want_proto))
                                continue;
                        printf("%s:%u\n", host_ip, host_port);
                } else
                        printf("%u/%s -> %s:%u\n", container_port, proto, host_ip, host_port);
                found++;
        }
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        if (filter && found == 0) {
                log_error("port: no public port '%u/%s' published for %s", want_port, want_proto, argv[optind]);
                return -ENOENT;
        }
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Published ports: docker's `-p [ip:][hostPort[-end]:]containerPort[-end][/tcp|udp|sctp]` and `--listen
 * [ip:]hostPort:containerPort`. Pure: no I/O, no logging. Parsers return -EINVAL with a malloc'ed sentence
 * in *ret_reason (may be NULL) naming the flag and the bad value; other out-parameters are only written on
 * success.
 *
 * One PortMapping publishes one container port. A `-p` with ranges ("8080-8081:80-81") expands into one
 * mapping per port, as docker's nat.ParsePortSpec() does. A host port of 0 means "pick a free one when
 * the container is created"; a host range with a single container port ("8000-8010:80") means "pick a free
 * one in that range". The canonical string form (port_mapping_to_string()) parses back to the same
 * mapping and is what records and prepare.json store. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef enum PortProtocol {
        PORT_PROTOCOL_TCP,
        PORT_PROTOCOL_UDP,
        PORT_PROTOCOL_SCTP,
        _PORT_PROTOCOL_MAX,
} PortProtocol;

typedef struct PortMapping {
        char host_ip[16];               /* dotted IPv4, "" = every address of the host */
        uint16_t host_port;             /* 0 = a free one, picked at create */
        uint16_t host_port_end;         /* > host_port: pick a free one in [host_port, host_port_end] */
        uint16_t container_port;        /* 1 ... 65535 */
        PortProtocol protocol;
} PortMapping;

const char *port_protocol_to_string(PortProtocol p);
int port_protocol_from_string(const char *s);

/* -p: appends the mappings s stands for to *mappings (realloc'ed, *n_mappings updated). Nothing is
 * appended on error. */
int parse_port_flag(const char *s, PortMapping **mappings, size_t *n_mappings, char **ret_reason);
/* --listen [ip:]hostPort:containerPort: exactly one TCP port each side, no ranges, no random port. */
int parse_listen_flag(const char *s, PortMapping *ret, char **ret_reason);

/* "ip:hostPort[-end]:containerPort/proto" ("hostPort" 0 when not picked yet; no "ip:" for every address). */
int port_mapping_to_string(const PortMapping *p, char **ret);
/* docker's `port` line: "80/tcp -> 0.0.0.0:8080". */
int port_mapping_to_docker_line(const PortMapping *p, char **ret);

/* Whether a and b want the same host port (same protocol, overlapping addresses and ports). */
bool port_mapping_conflicts(const PortMapping *a, const PortMapping *b);
/* Whether the host side is decided (a single port, not 0). */
bool port_mapping_is_resolved(const PortMapping *p);

/* -P: an image's ExposedPorts key ("80/tcp", "53/udp", "8080", "7000-7001/tcp") appended to *mappings as
 * mappings whose host port is still to be picked. */
int port_mappings_add_exposed(const char *key, PortMapping **mappings, size_t *n_mappings, char **ret_reason);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "container-spec.h"
#include "output.h"
#include "port-mapping.h"
#include "string-util.h"
#include "tests.h"

static void check_refused(const char *value, const char *fragment) {
        PortMapping *l = NULL;
        size_t n = 0;
        char *reason = NULL;
        int r;

        r = parse_port_flag(value, &l, &n, &reason);
        if (r != -EINVAL)
                test_fail("-p '%s': expected -EINVAL, got %d", value, r);
        if (n != 0 || l)
                test_fail("-p '%s': expected nothing appended, got %zu mappings", value, n);
        if (!reason || !strstr(reason, fragment))
                test_fail("-p '%s': expected a reason containing \"%s\", got \"%s\"", value, fragment,
                          reason ? reason : "(null)");
        free(reason);
}

static char *fmt(const PortMapping *p) {
        char *s = NULL;

        if (port_mapping_to_string(p, &s) < 0)
                abort();
        return s;
}

TEST(port_flag_parses_host_and_container_port) {
        _cleanup_free_ PortMapping *l = NULL;
        _cleanup_free_ char *s = NULL;
        size_t n = 0;

        ASSERT_OK(parse_port_flag("8080:80", &l, &n, NULL));
        ASSERT_EQ(n, 1);
        ASSERT_EQ(l[0].host_port, 8080);
        ASSERT_EQ(l[0].container_port, 80);
        ASSERT_EQ(l[0].protocol, PORT_PROTOCOL_TCP);
        ASSERT_STREQ(l[0].host_ip, "");
        ASSERT_TRUE(port_mapping_is_resolved(&l[0]));
        s = fmt(&l[0]);
        ASSERT_STREQ(s, "8080:80/tcp");
}

TEST(port_flag_parses_address_and_protocol) {
        _cleanup_free_ PortMapping *l = NULL;
        _cleanup_free_ char *s = NULL, *line = NULL;
        size_t n = 0;

        ASSERT_OK(parse_port_flag("127.0.0.1:5353:53/UDP", &l, &n, NULL));
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(l[0].host_ip, "127.0.0.1");
        ASSERT_EQ(l[0].protocol, PORT_PROTOCOL_UDP);
        s = fmt(&l[0]);
        ASSERT_STREQ(s, "127.0.0.1:5353:53/udp");
        ASSERT_OK(port_mapping_to_docker_line(&l[0], &line));
        ASSERT_STREQ(line, "53/udp -> 127.0.0.1:5353");
}

TEST(port_flag_zero_address_means_every_address) {
        _cleanup_free_ PortMapping *l = NULL;
        size_t n = 0;

        ASSERT_OK(parse_port_flag("0.0.0.0:80:80/sctp", &l, &n, NULL));
        ASSERT_STREQ(l[0].host_ip, "");
        ASSERT_EQ(l[0].protocol, PORT_PROTOCOL_SCTP);
}

TEST(port_flag_without_host_port_picks_one_later) {
        _cleanup_free_ PortMapping *l = NULL;
        size_t n = 0;

        ASSERT_OK(parse_port_flag("80", &l, &n, NULL));
        ASSERT_OK(parse_port_flag("10.1.2.3::81", &l, &n, NULL));
        ASSERT_EQ(n, 2);
        ASSERT_EQ(l[0].host_port, 0);
        ASSERT_FALSE(port_mapping_is_resolved(&l[0]));
        ASSERT_EQ(l[1].host_port, 0);
        ASSERT_STREQ(l[1].host_ip, "10.1.2.3");
        ASSERT_EQ(l[1].container_port, 81);
}

TEST(port_flag_expands_equal_ranges) {
        _cleanup_free_ PortMapping *l = NULL;
        size_t n = 0;

        ASSERT_OK(parse_port_flag("8080-8082:80-82/udp", &l, &n, NULL));
        ASSERT_EQ(n, 3);
        for (size_t i = 0; i < 3; i++) {
                ASSERT_EQ(l[i].host_port, 8080 + i);
                ASSERT_EQ(l[i].host_port_end, 8080 + i);
                ASSERT_EQ(l[i].container_port, 80 + i);
                ASSERT_EQ(l[i].protocol, PORT_PROTOCOL_UDP);
        }
}

TEST(port_flag_host_range_for_one_port_is_a_range_to_pick_from) {
        _cleanup_free_ PortMapping *l = NULL;
        _cleanup_free_ char *s = NULL;
        PortMapping *again = NULL;
        size_t n = 0, m = 0;

        /* docker takes "80-81:90" too: one container port, a host port from the range */
        ASSERT_OK(parse_port_flag("8000-8010:80", &l, &n, NULL));
        ASSERT_EQ(n, 1);
        ASSERT_EQ(l[0].host_port, 8000);
        ASSERT_EQ(l[0].host_port_end, 8010);
        ASSERT_FALSE(port_mapping_is_resolved(&l[0]));
        s = fmt(&l[0]);
        ASSERT_STREQ(s, "8000-8010:80/tcp");
        ASSERT_OK(parse_port_flag(s, &again, &m, NULL));
        ASSERT_EQ(m, 1);
        ASSERT_TRUE(memcmp(&again[0], &l[0], sizeof(PortMapping)) == 0);
        free(again);
}

TEST(port_flag_refuses_hostile_input) {
        check_refused("99999:80", "ports are 1-65535");
        check_refused("8080:99999", "ports are 1-65535");
        check_refused("8080:0", "ports are 1-65535");
        check_refused("80:90-91", "differ in length");
        check_refused("80-82:90-91", "differ in length");
        check_refused("a:b", "invalid container port 'b'");
        check_refused("a:80", "invalid host port 'a'");
        check_refused("", "no port specified");
        check_refused(":", "no container port specified");
        check_refused("8080:", "no container port specified");
        check_refused("8080:/tcp", "no container port specified");
        check_refused("8080:80/icmp", "invalid protocol 'icmp'");
        check_refused("8080:80/tcp/udp", "invalid protocol");
        check_refused("1.2.3:8080:80", "invalid IP address '1.2.3'");
        check_refused("[::1]:8080:80", "IPv6");
        check_refused("90-80:90-80", "below the start");
        check_refused("+80:80", "invalid host port");
        check_refused(" 80:80", "invalid host port");
        check_refused("80:-80", "invalid container port");
        check_refused("80:80-", "invalid container port");
        check_refused("0-5:80", "ports are 1-65535");
        check_refused("000000080:80", "invalid host port");
}

TEST(listen_flag_takes_one_tcp_port_each_side) {
        PortMapping p;
        char *reason = NULL;

        ASSERT_OK(parse_listen_flag("8080:80", &p, NULL));
        ASSERT_EQ(p.host_port, 8080);
        ASSERT_EQ(p.container_port, 80);
        ASSERT_OK(parse_listen_flag("127.0.0.1:8080:80/tcp", &p, NULL));
        ASSERT_STREQ(p.host_ip, "127.0.0.1");

        ASSERT_ERROR(parse_listen_flag("80", &p, &reason), EINVAL);
        ASSERT_TRUE(reason && strstr(reason, "host port is missing"));
        reason = mfree(reason);
        ASSERT_ERROR(parse_listen_flag("8080:80/udp", &p, &reason), EINVAL);
        ASSERT_TRUE(reason && strstr(reason, "only tcp"));
        reason = mfree(reason);
        ASSERT_ERROR(parse_listen_flag("8080-8081:80-81", &p, &reason), EINVAL);
        ASSERT_TRUE(reason && strstr(reason, "no ranges"));
        reason = mfree(reason);
        ASSERT_ERROR(parse_listen_flag("99999:80", &p, &reason), EINVAL);
        ASSERT_TRUE(reason && startswith(reason, "--listen '99999:80'"));
        reason = mfree(reason);
}

TEST(conflicts_need_the_same_protocol_address_and_port) {
        PortMapping a = { .host_port = 8080, .container_port = 80 };
        PortMapping b = a, c = a, d = a, e = a;

        b.protocol = PORT_PROTOCOL_UDP;
        strcpy(c.host_ip, "127.0.0.1");
        strcpy(d.host_ip, "127.0.0.2");
        e.host_port = 8000;
        e.host_port_end = 8080;
        ASSERT_TRUE(port_mapping_conflicts(&a, &a));
        ASSERT_FALSE(port_mapping_conflicts(&a, &b));
        ASSERT_TRUE(port_mapping_conflicts(&a, &c));
        ASSERT_FALSE(port_mapping_conflicts(&c, &d));
        ASSERT_TRUE(port_mapping_conflicts(&e, &a));
        e.host_port_end = 8079;
        ASSERT_FALSE(port_mapping_conflicts(&e, &a));
}

TEST(exposed_ports_become_mappings_to_pick) {
        _cleanup_free_ PortMapping *l = NULL;
        char *reason = NULL;
        size_t n = 0;

        ASSERT_OK(port_mappings_add_exposed("80/tcp", &l, &n, NULL));
        ASSERT_OK(port_mappings_add_exposed("53/udp", &l, &n, NULL));
        ASSERT_OK(port_mappings_add_exposed("7000-7001", &l, &n, NULL));
        ASSERT_EQ(n, 4);
        ASSERT_EQ(l[0].host_port, 0);
        ASSERT_EQ(l[1].protocol, PORT_PROTOCOL_UDP);
        ASSERT_EQ(l[3].container_port, 7001);
        ASSERT_EQ(l[3].host_port, 0);
        ASSERT_ERROR(port_mappings_add_exposed("1:80", &l, &n, &reason), EINVAL);
        ASSERT_EQ(n, 4);
        free(reason);
}

TEST(container_spec_keeps_ports_through_json) {
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL, *t = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *out = NULL;
        char *reason = NULL;

        o = json_tokener_parse("{\"network\":\"bridge\",\"ports\":[\"8080:80\",\"127.0.0.1:0:53/udp\"],"
                               "\"publishAll\":true,\"listen\":\"9090:90\",\"idleTimeoutUSec\":60000000}");
        ASSERT_TRUE(o);
        ASSERT_OK(container_spec_from_json(o, &s, NULL));
        ASSERT_EQ(s->n_ports, 2);
        ASSERT_TRUE(s->publish_all);
        ASSERT_TRUE(s->listen);
        ASSERT_EQ(s->listen->host_port, 9090);
        ASSERT_OK(container_spec_to_json(s, &out));
        ASSERT_OK(container_spec_from_json(out, &t, NULL));
        json_object_put(out);
        ASSERT_EQ(t->n_ports, 2);
        ASSERT_EQ(t->ports[1].protocol, PORT_PROTOCOL_UDP);
        ASSERT_STREQ(t->ports[1].host_ip, "127.0.0.1");
        ASSERT_EQ(t->idle_timeout_usec, 60000000);
        ASSERT_EQ(t->listen->container_port, 90);

        json_object_put(o);
        o = json_tokener_parse("{\"network\":\"none\",\"ports\":[\"8080:80\"]}");
        ASSERT_ERROR(container_spec_from_json(o, &t, &reason), EINVAL);
        ASSERT_TRUE(reason && strstr(reason, "need a bridge network"));
        reason = mfree(reason);
        json_object_put(o);
        o = json_tokener_parse("{\"ports\":[\"8080:80\",\"8080:81\"]}");
        ASSERT_ERROR(container_spec_from_json(o, &t, &reason), EINVAL);
        ASSERT_TRUE(reason && strstr(reason, "published twice"));
        reason = mfree(reason);
        json_object_put(o);
        o = json_tokener_parse("{\"idleTimeoutUSec\":5}");
        ASSERT_ERROR(container_spec_from_json(o, &t, &reason), EINVAL);
        ASSERT_TRUE(reason && strstr(reason, "needs --listen"));
        reason = mfree(reason);
        json_object_put(o);
        o = json_tokener_parse("{\"ports\":[\"99999:80\"]}");
        ASSERT_ERROR(container_spec_from_json(o, &t, &reason), EINVAL);
        ASSERT_TRUE(reason && strstr(reason, "ports are 1-65535"));
        free(reason);
}

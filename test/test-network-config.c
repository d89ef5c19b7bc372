/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container-spec.h"
#include "hosts.h"
#include "ipam.h"
#include "network-config.h"
#include "output.h"
#include "prepare-config.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

#define STRV_MAKE(...) ((char *[]) { __VA_ARGS__, NULL })
#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *fmt(struct in_addr a) {
        static char buf[INET_ADDRSTRLEN];
        return ipv4_format(a, buf);
}

TEST(cidr_parses_canonical_subnets) {
        _cleanup_free_ char *s = NULL;
        Cidr c;

        ASSERT_OK(cidr_parse("10.90.0.0/24", &c, NULL));
        ASSERT_EQ(c.prefix, 24);
        ASSERT_STREQ(fmt(c.address), "10.90.0.0");
        ASSERT_OK(cidr_format(&c, &s));
        ASSERT_STREQ(s, "10.90.0.0/24");
        ASSERT_STREQ(fmt(cidr_broadcast(&c)), "10.90.0.255");
        ASSERT_STREQ(fmt(cidr_nth(&c, 1)), "10.90.0.1");
        ASSERT_OK(cidr_parse("10.0.0.0/8", &c, NULL));
        ASSERT_OK(cidr_parse("192.168.7.4/30", &c, NULL));
}

TEST(cidr_refuses_hostile_input) {
        static const char *const bad[] = {
                "", "10.0.0.0", "10.0.0.0/", "/24", "10.0.0.0/33", "10.0.0.0/7", "10.0.0.0/31", "10.0.0.0/-1",
                "10.0.0.0/24x", "10.0.0.0/ 24", "10.0.0/24", "10.0.0.0.0/24", "256.0.0.0/24", "10.0.0.0/024",
                "10.0.0.0/24/24", "0x0a.0.0.0/8", "10.0.0.0/+8", "10.0.0.0/99999999999999999999",
                "::1/64", "a.b.c.d/24", "10.0.0.0/\n24", " 10.0.0.0/24",
        };
        Cidr c;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *why = NULL;
                if (cidr_parse(bad[i], &c, &why) != -EINVAL)
                        test_fail("'%s' was accepted", bad[i]);
                ASSERT_NOT_NULL(why);
        }
        ASSERT_ERROR(cidr_parse(NULL, &c, NULL), EINVAL);
}

TEST(cidr_with_host_bits_suggests_the_network) {
        _cleanup_free_ char *why = NULL;
        Cidr c;

        ASSERT_ERROR(cidr_parse("10.90.0.5/24", &c, &why), EINVAL);
        ASSERT_NOT_NULL(strstr(why, "10.90.0.0/24"));
}

TEST(cidr_overlap_and_contains) {
        Cidr a, b, c;
        struct in_addr x;

        ASSERT_OK(cidr_parse("10.90.0.0/16", &a, NULL));
        ASSERT_OK(cidr_parse("10.90.5.0/24", &b, NULL));
        ASSERT_OK(cidr_parse("10.91.0.0/24", &c, NULL));
        ASSERT_TRUE(cidr_overlaps(&a, &b));
        ASSERT_TRUE(cidr_overlaps(&b, &a));
        ASSERT_FALSE(cidr_overlaps(&a, &c));
        ASSERT_OK(ipv4_parse("10.90.5.7", &x));
        ASSERT_TRUE(cidr_contains(&b, x));
        ASSERT_FALSE(cidr_contains(&c, x));
        ASSERT_ERROR(ipv4_parse("10.90.5", &x), EINVAL);
        ASSERT_ERROR(ipv4_parse("10.90.5.7 ", &x), EINVAL);
        ASSERT_ERROR(ipv4_parse("010.90.5.7", &x), EINVAL);
}

TEST(network_names) {
        _cleanup_free_ char *why = NULL;
        char long_name[100];

        ASSERT_OK(network_name_validate("net1", NULL));
        ASSERT_OK(network_name_validate("my_net.2-x", NULL));
        ASSERT_ERROR(network_name_validate("", NULL), EINVAL);
        ASSERT_ERROR(network_name_validate("-x", NULL), EINVAL);
        ASSERT_ERROR(network_name_validate("a/b", &why), EINVAL);
        ASSERT_NOT_NULL(strstr(why, "a/b"));
        ASSERT_ERROR(network_name_validate("a b", NULL), EINVAL);
        ASSERT_ERROR(network_name_validate("container:x", NULL), EINVAL);
        ASSERT_ERROR(network_name_validate("..", NULL), EINVAL);
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = 0;
        ASSERT_ERROR(network_name_validate(long_name, NULL), EINVAL);
}

TEST(network_config_new_picks_subnet_gateway_and_bridge) {
        _cleanup_(network_config_freep) NetworkConfig *a = NULL, *b = NULL, *d = NULL;
        _cleanup_free_ char *s = NULL, *why = NULL;

        ASSERT_OK(network_config_new("bridge", ID_A, NETWORK_DEFAULT_SUBNET, NULL, false, NULL, NULL, 0, &d, NULL));
        ASSERT_STREQ(d->bridge, "nyx0");
        ASSERT_STREQ(fmt(d->gateway), "10.89.0.1");

        ASSERT_OK(network_config_new("net1", ID_B, NULL, NULL, false, NULL, &d, 1, &a, NULL));
        ASSERT_STREQ(a->bridge, "nyx-0123456789");
        ASSERT_TRUE(strlen(a->bridge) < 16);
        ASSERT_OK(cidr_format(&a->subnet, &s));
        ASSERT_STREQ(s, "10.90.0.0/24");
        ASSERT_STREQ(fmt(a->gateway), "10.90.0.1");

        /* the next one without --subnet skips what is taken */
        NetworkConfig *both[] = { d, a };
        s = mfree(s);
        ASSERT_OK(network_config_new("net2", ID_B, NULL, NULL, true, STRV_MAKE("k=v"), both, 2, &b, NULL));
        ASSERT_OK(cidr_format(&b->subnet, &s));
        ASSERT_STREQ(s, "10.90.1.0/24");
        ASSERT_TRUE(b->internal);
        ASSERT_STREQ(b->labels[0], "k=v");
        network_config_free(b);
        b = NULL;

        /* an overlapping subnet names the other network */
        ASSERT_ERROR(network_config_new("net3", ID_B, "10.90.0.0/16", NULL, false, NULL, both, 2, &b, &why), EINVAL);
        ASSERT_NOT_NULL(strstr(why, "net1"));
        why = mfree(why);
        ASSERT_ERROR(network_config_new("net1", ID_B, "10.95.0.0/24", NULL, false, NULL, both, 2, &b, &why), EINVAL);
        why = mfree(why);
        ASSERT_ERROR(network_config_new("net3", ID_B, "10.95.0.0/24", "10.96.0.1", false, NULL, both, 2, &b, &why),
                     EINVAL);
        ASSERT_NOT_NULL(strstr(why, "10.96.0.1"));
        why = mfree(why);
        ASSERT_ERROR(network_config_new("net3", ID_B, "10.95.0.0/24", "10.95.0.255", false, NULL, both, 2, &b, NULL),
                     EINVAL);
        ASSERT_ERROR(network_config_new("net3", ID_B, "10.95.0.0/24", "10.95.0.0", false, NULL, both, 2, &b, NULL),
                     EINVAL);
        ASSERT_ERROR(network_config_new("net3", ID_B, NULL, "10.95.0.1", false, NULL, both, 2, &b, NULL), EINVAL);
        ASSERT_ERROR(network_config_new("net3", ID_B, "10.95.0.0/24", "x", false, NULL, both, 2, &b, NULL), EINVAL);
        ASSERT_ERROR(network_config_new("net3", ID_B, NULL, NULL, false, STRV_MAKE("novalue"), both, 2, &b, NULL),
                     EINVAL);
        ASSERT_ERROR(network_config_new("net3", "short", NULL, NULL, false, NULL, both, 2, &b, NULL), EINVAL);
        ASSERT_OK(network_config_new("net3", ID_B, "10.95.0.0/24", "10.95.0.254", false, NULL, both, 2, &b, NULL));
        ASSERT_STREQ(fmt(b->gateway), "10.95.0.254");
}

TEST(network_config_json_round_trips_and_refuses_garbage) {
        _cleanup_(network_config_freep) NetworkConfig *a = NULL, *b = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        static const char *const bad[] = {
                "[]", "{}", "{\"Name\":\"x\"}",
                "{\"Name\":\"n\",\"Id\":\"i\",\"Bridge\":\"nyx0\",\"Subnet\":\"10.0.0.0/8\",\"Gateway\":\"11.0.0.1\"}",
                "{\"Name\":\"n/..\",\"Id\":\"i\",\"Bridge\":\"nyx0\",\"Subnet\":\"10.0.0.0/8\",\"Gateway\":\"10.0.0.1\"}",
                "{\"Name\":\"n\",\"Id\":\"i\",\"Bridge\":\"a-bridge-name-too-long\",\"Subnet\":\"10.0.0.0/8\",\"Gateway\":\"10.0.0.1\"}",
                "{\"Name\":\"n\",\"Id\":\"i\",\"Bridge\":\"x/y\",\"Subnet\":\"10.0.0.0/8\",\"Gateway\":\"10.0.0.1\"}",
                "{\"Name\":\"n\",\"Id\":\"i\",\"Bridge\":\"nyx0\",\"Subnet\":\"10.0.0.0/8\",\"Gateway\":\"10.0.0.1\",\"Mtu\":1}",
                "{\"Name\":1,\"Id\":\"i\",\"Bridge\":\"nyx0\",\"Subnet\":\"10.0.0.0/8\",\"Gateway\":\"10.0.0.1\"}",
        };

        ASSERT_OK(network_config_new("net1", ID_B, "10.95.0.0/24", NULL, true, STRV_MAKE("a=b", "c=d=e"), NULL, 0, &a,
                                     NULL));
        ASSERT_OK(network_config_to_json(a, &o));
        ASSERT_OK(network_config_from_json(o, &b));
        ASSERT_STREQ(b->name, "net1");
        ASSERT_STREQ(b->bridge, a->bridge);
        ASSERT_EQ(b->subnet.address.s_addr, a->subnet.address.s_addr);
        ASSERT_EQ(b->gateway.s_addr, a->gateway.s_addr);
        ASSERT_TRUE(b->internal);
        ASSERT_TRUE(strv_contains(b->labels, "c=d=e"));

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(json_object_putp) json_object *j = json_tokener_parse(bad[i]);
                NetworkConfig *c = NULL;

                ASSERT_NOT_NULL(j);
                if (network_config_from_json(j, &c) >= 0) {
                        network_config_free(c);
                        test_fail("accepted: %s", bad[i]);
                }
        }
}

static NetworkConfig *small_network(void) {
        NetworkConfig *c = NULL;
        if (network_config_new("small", ID_B, "10.95.0.0/29", NULL, false, NULL, NULL, 0, &c, NULL) < 0)
                return NULL;
        return c;
}

TEST(ipam_picks_lowest_free_skipping_reserved) {
        _cleanup_(network_config_freep) NetworkConfig *c = small_network();
        Lease leases[8] = {};
        Leases l = { leases, 0 };
        struct in_addr a;

        ASSERT_NOT_NULL(c);
        /* /29: .0 network, .1 gateway, .2-.6 hosts, .7 broadcast */
        for (unsigned i = 2; i <= 6; i++) {
                ASSERT_OK(ipam_pick(&l, c, &a));
                ASSERT_EQ(ntohl(a.s_addr) & 0xff, i);
                leases[l.n++].address = a;
        }
        ASSERT_ERROR(ipam_pick(&l, c, &a), ENOSPC);
        /* a released one is handed out again */
        leases[1] = leases[--l.n];
        ASSERT_OK(ipam_pick(&l, c, &a));
        ASSERT_STREQ(fmt(a), "10.95.0.3");
}

TEST(ipam_checks_requests) {
        _cleanup_(network_config_freep) NetworkConfig *c = small_network();
        Lease leases[1] = { { .id = (char *) "x", .name = (char *) "web" } };
        Leases l = { leases, 1 };
        struct in_addr a;
        static const char *const bad[] = { "10.95.0.0", "10.95.0.1", "10.95.0.7", "10.95.0.8", "10.96.0.2", "x", "",
                                           "10.95.0.2/29", "10.95.0.300" };

        ASSERT_NOT_NULL(c);
        ASSERT_OK(ipv4_parse("10.95.0.4", &leases[0].address));
        ASSERT_OK(ipam_check_request(&l, c, "10.95.0.5", &a, NULL));
        ASSERT_STREQ(fmt(a), "10.95.0.5");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *why = NULL;
                if (ipam_check_request(&l, c, bad[i], &a, &why) != -EINVAL)
                        test_fail("accepted --ip %s", bad[i]);
                ASSERT_NOT_NULL(why);
        }
        {
                _cleanup_free_ char *why = NULL;
                ASSERT_ERROR(ipam_check_request(&l, c, "10.95.0.4", &a, &why), EINVAL);
                ASSERT_NOT_NULL(strstr(why, "web"));
        }
}

TEST(leases_json_round_trips_and_refuses_garbage) {
        _cleanup_(leases_done) Leases l = {}, m = {};
        _cleanup_free_ char *text = NULL;
        static const char *const bad[] = {
                "", "[]", "{\"Leases\":{}}", "{\"Leases\":[1]}", "{\"Leases\":[{\"Id\":\"a\"}]}",
                "{\"Leases\":[{\"Id\":\"a\",\"Name\":\"n\",\"Dir\":\"rel\",\"Address\":\"10.0.0.2\"}]}",
                "{\"Leases\":[{\"Id\":\"a\",\"Name\":\"n\",\"Dir\":\"/d\",\"Address\":\"10.0.0\"}]}",
                "{\"Leases\":[{\"Id\":\"a\",\"Name\":\"n\",\"Dir\":\"/d\",\"Address\":\"10.0.0.2\"}, 7]}",
        };

        ASSERT_OK(leases_from_json("{\"Leases\":[{\"Id\":\"a\",\"Name\":\"n\",\"Dir\":\"/d\",\"Address\":\"10.0.0.2\","
                                   "\"Aliases\":[\"x\",\"y\"],\"Running\":true}]}", &l));
        ASSERT_EQ(l.n, 1);
        ASSERT_TRUE(l.leases[0].running);
        ASSERT_STREQ(l.leases[0].aliases[1], "y");
        ASSERT_OK(leases_to_json(&l, &text));
        ASSERT_OK(leases_from_json(text, &m));
        ASSERT_EQ(m.n, 1);
        ASSERT_STREQ(m.leases[0].name, "n");
        ASSERT_EQ(m.leases[0].address.s_addr, l.leases[0].address.s_addr);
        ASSERT_NOT_NULL(leases_find(&m, "a"));
        ASSERT_NULL(leases_find(&m, "b"));

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                Leases x = {};
                if (leases_from_json(bad[i], &x) >= 0) {
                        leases_done(&x);
                        test_fail("accepted: %s", bad[i]);
                }
        }
}

TEST(hosts_blocks_are_replaced_and_removed) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
        const char *base = "127.0.0.1\tlocalhost\n10.0.0.2\tme\n";

        ASSERT_OK(hosts_replace_block(base, "net1", "10.0.0.3\tweb\n", &a));
        ASSERT_STREQ(a, "127.0.0.1\tlocalhost\n10.0.0.2\tme\n# nyx network net1\n10.0.0.3\tweb\n# end nyx network net1\n");
        ASSERT_OK(hosts_replace_block(a, "net1", "10.0.0.4\tdb", &b));
        ASSERT_STREQ(b, "127.0.0.1\tlocalhost\n10.0.0.2\tme\n# nyx network net1\n10.0.0.4\tdb\n# end nyx network net1\n");
        ASSERT_OK(hosts_replace_block(b, "net2", "10.1.0.4\tx\n", &c));
        ASSERT_NOT_NULL(strstr(c, "# nyx network net1\n10.0.0.4\tdb\n"));
        ASSERT_NOT_NULL(strstr(c, "# nyx network net2\n10.1.0.4\tx\n# end nyx network net2\n"));
        ASSERT_OK(hosts_replace_block(c, "net1", NULL, &d));
        ASSERT_STREQ(d, "127.0.0.1\tlocalhost\n10.0.0.2\tme\n# nyx network net2\n10.1.0.4\tx\n# end nyx network net2\n");
        /* a network named like the start of another's marker is not confused with it */
        free(a);
        a = NULL;
        ASSERT_OK(hosts_replace_block("x # nyx network net1\n", "net1", "", &a));
        ASSERT_STREQ(a, "x # nyx network net1\n");
}

TEST(prepare_config_network_section_round_trips) {
        _cleanup_(prepare_config_freep) PrepareConfig *loaded = NULL;
        char dir[] = "/tmp/test-network-config-XXXXXX";
        _cleanup_free_ char *path = NULL;
        PrepareNetwork net = {
                .name = (char *) "net1", .dir = (char *) "/var/lib/nyx/networks/net1", .bridge = (char *) "nyx-0123456789",
                .subnet = (char *) "10.90.0.0/24", .address = (char *) "10.90.0.2", .prefix = 24,
                .gateway = (char *) "10.90.0.1", .mtu = 1400, .internal = true, .dns = true, .interface = (char *) "eth0",
                .host_veth = (char *) "vnyx01234567800", .aliases = STRV_MAKE("web"),
        };
        char *lower[] = { (char *) "/l", NULL };
        PrepareConfig pc = {
                .id = (char *) "id", .dir = (char *) "/d", .rootfs = (char *) "/r", .bundle = (char *) "/b",
                .upper = (char *) "/u", .work = (char *) "/w", .lower = lower, .n_lower = 1, .runtime = (char *) "crun",
                .network_mode = (char *) "network", .netns = (char *) "/run/nyx/netns/id", .networks = &net,
                .n_networks = 1,
        };

        ASSERT_NOT_NULL(mkdtemp(dir));
        path = strjoin(dir, "/prepare.json");
        ASSERT_OK(prepare_config_save(&pc, path));
        ASSERT_OK(prepare_config_load(path, &loaded));
        ASSERT_STREQ(loaded->network_mode, "network");
        ASSERT_STREQ(loaded->netns, "/run/nyx/netns/id");
        ASSERT_EQ(loaded->n_networks, 1);
        ASSERT_STREQ(loaded->networks[0].host_veth, "vnyx01234567800");
        ASSERT_EQ(loaded->networks[0].mtu, 1400);
        ASSERT_EQ(loaded->networks[0].prefix, 24);
        ASSERT_TRUE(loaded->networks[0].internal);
        ASSERT_TRUE(loaded->networks[0].dns);
        ASSERT_STREQ(loaded->networks[0].aliases[0], "web");
        (void) unlink(path);
        (void) rmdir(dir);
}

TEST(run_flags_ip_dns_add_host_alias) {
        static const char *const bad_hosts[] = { "db", "db:", ":1.2.3.4", "db:1.2.3", "d b:1.2.3.4", "-db:1.2.3.4",
                                                 "db:1.2.3.4:5" };
        _cleanup_free_ char *why = NULL;

        ASSERT_OK(parse_ip_flag("10.90.0.5", NULL));
        ASSERT_ERROR(parse_ip_flag("10.90.0", &why), EINVAL);
        ASSERT_NOT_NULL(strstr(why, "--ip"));
        ASSERT_ERROR(parse_ip_flag("::1", NULL), EINVAL);
        ASSERT_OK(parse_dns_flag("1.1.1.1", NULL));
        ASSERT_OK(parse_dns_flag("2001:db8::1", NULL));
        ASSERT_ERROR(parse_dns_flag("dns.example", NULL), EINVAL);
        ASSERT_OK(parse_add_host_flag("db:10.1.2.3", NULL));
        ASSERT_OK(parse_add_host_flag("db.local:2001:db8::1", NULL));
        for (size_t i = 0; i < ELEMENTSOF(bad_hosts); i++)
                if (parse_add_host_flag(bad_hosts[i], NULL) != -EINVAL)
                        test_fail("accepted --add-host %s", bad_hosts[i]);
        ASSERT_OK(parse_network_alias_flag("web", NULL));
        ASSERT_ERROR(parse_network_alias_flag("we b", NULL), EINVAL);
        ASSERT_ERROR(parse_network_alias_flag("", NULL), EINVAL);
}

TEST(container_spec_network_keys_round_trip_and_validate) {
        static const char *const bad[] = {
                "{\"image\":\"i\",\"ip\":\"10.0.0\"}",
                "{\"image\":\"i\",\"ip\":\"10.0.0.5\",\"network\":\"none\"}",
                "{\"image\":\"i\",\"networkAliases\":[\"web\"]}",
                "{\"image\":\"i\",\"network\":\"n\",\"networkAliases\":[\"we b\"]}",
                "{\"image\":\"i\",\"dns\":[\"x\"]}",
                "{\"image\":\"i\",\"extraHosts\":[\"db\"]}",
                "{\"image\":\"i\",\"dns\":\"1.1.1.1\"}",
                "{\"image\":\"i\",\"network\":\"container:x\",\"dns\":[\"1.1.1.1\"]}",
        };
        _cleanup_(json_object_putp) json_object *in = NULL, *out = NULL;
        _cleanup_(container_spec_freep) ContainerSpec *s = NULL, *t = NULL;

        in = json_tokener_parse("{\"image\":\"i\",\"network\":\"net1\",\"ip\":\"10.90.0.7\",\"dns\":[\"1.1.1.1\"],"
                                "\"extraHosts\":[\"db:10.1.2.3\"],\"networkAliases\":[\"web\",\"www\"]}");
        ASSERT_NOT_NULL(in);
        ASSERT_OK(container_spec_from_json(in, &s, NULL));
        ASSERT_STREQ(s->ip, "10.90.0.7");
        ASSERT_STREQ(s->dns[0], "1.1.1.1");
        ASSERT_STREQ(s->extra_hosts[0], "db:10.1.2.3");
        ASSERT_STREQ(s->network_aliases[1], "www");
        ASSERT_OK(container_spec_to_json(s, &out));
        ASSERT_OK(container_spec_from_json(out, &t, NULL));
        ASSERT_STREQ(t->ip, "10.90.0.7");
        ASSERT_STREQ(t->network_aliases[0], "web");
        ASSERT_EQ(t->network.type, NETWORK_MODE_NETWORK);

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(json_object_putp) json_object *j = json_tokener_parse(bad[i]);
                _cleanup_free_ char *why = NULL;
                ContainerSpec *x = NULL;

                ASSERT_NOT_NULL(j);
                if (container_spec_from_json(j, &x, &why) >= 0) {
                        container_spec_free(x);
                        test_fail("accepted: %s", bad[i]);
                }
                ASSERT_NOT_NULL(why);
        }
}

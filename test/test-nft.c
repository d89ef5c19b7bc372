/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nft.c against the real kernel, in a private network namespace of this test process (skipped where
 * that cannot be made: not root, no nftables). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fileio.h"
#include "nft.h"
#include "string-util.h"
#include "tests.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

__attribute__((constructor(200))) static void enter_private_netns(void) {
        if (geteuid() != 0) {
                printf("skip: needs root (a private network namespace)\n");
                exit(77);
        }
        if (unshare(CLONE_NEWNET) < 0) {
                printf("skip: cannot make a private network namespace: %s\n", strerror(errno));
                exit(77);
        }
        if (access("/usr/sbin/nft", X_OK) < 0 || system("ip link add nyxtest0 type bridge") != 0 ||
            system("nft add table ip other") != 0 ||
            system("nft add chain ip other keep '{ type nat hook postrouting priority 50; }'") != 0 ||
            system("nft add rule ip other keep counter comment '\"nyx-c-" ID_A "\"'") != 0) {
                printf("skip: no ip/nft to set up the namespace\n");
                exit(77);
        }
}

/* noinline: gcc -O3 sees a dangling pointer in the inlined getdelim() buffer that is not there. */
__attribute__((noinline)) static char *ruleset(void) {
        char *out = NULL;
        FILE *p = popen("nft list ruleset", "r");
        size_t n = 0;

        if (!p)
                abort();
        if (getdelim(&out, &n, 0, p) < 0)
                out = strdup("");
        pclose(p);
        return out;
}

TEST(ports_are_added_in_one_go_and_removed_exactly) {
        PortMapping p[2] = {
                { .host_port = 8080, .host_port_end = 8080, .container_port = 80, .protocol = PORT_PROTOCOL_TCP },
                { .host_ip = "127.0.0.1", .host_port = 5353, .host_port_end = 5353, .container_port = 53,
                  .protocol = PORT_PROTOCOL_UDP },
        };
        _cleanup_free_ char *reason = NULL, *rs = NULL, *after = NULL;

        ASSERT_OK(nft_ports_add(ID_A, "10.89.0.2", p, 2, &reason));
        ASSERT_EQ(nft_ports_count(ID_A, NULL), 4);
        ASSERT_OK(nft_ports_add(ID_B, "10.89.0.3", p, 1, &reason));
        ASSERT_EQ(nft_ports_count(ID_B, NULL), 2);
        rs = ruleset();
        ASSERT_TRUE(strstr(rs, "tcp dport 8080 dnat to 10.89.0.2:80"));
        ASSERT_TRUE(strstr(rs, "ip daddr 127.0.0.1 fib daddr type local udp dport 5353 dnat to 10.89.0.2:53"));

        /* again (a crash left the rules): replaced, not doubled */
        ASSERT_OK(nft_ports_add(ID_A, "10.89.0.2", p, 2, &reason));
        ASSERT_EQ(nft_ports_count(ID_A, NULL), 4);

        ASSERT_OK(nft_ports_remove(ID_A, &reason));
        ASSERT_EQ(nft_ports_count(ID_A, NULL), 0);
        ASSERT_EQ(nft_ports_count(ID_B, NULL), 2);
        ASSERT_OK(nft_ports_remove(ID_A, &reason));     /* idempotent */
        ASSERT_OK(nft_ports_remove(ID_B, &reason));
        after = ruleset();
        ASSERT_FALSE(strstr(after, "dnat to"));
        /* someone else's table, with a rule that looks like ours, is untouched */
        ASSERT_TRUE(strstr(after, "table ip other"));
        ASSERT_TRUE(strstr(after, "comment \"nyx-c-" ID_A "\""));
}

TEST(a_bad_transaction_adds_nothing) {
        PortMapping p[2] = {
                { .host_port = 8081, .host_port_end = 8081, .container_port = 80 },
                { .host_port = 8082, .host_port_end = 8082, .container_port = 0 },
        };
        char *reason = NULL;

        ASSERT_ERROR(nft_ports_add(ID_A, "10.89.0.2", p, 2, &reason), EINVAL);
        ASSERT_ERROR(nft_ports_add(ID_A, "10.89.0.300", p, 1, &reason), EINVAL);
        ASSERT_ERROR(nft_ports_add("not-an-id", "10.89.0.2", p, 1, &reason), EINVAL);
        ASSERT_EQ(nft_ports_count(ID_A, NULL), 0);
        free(reason);
}

TEST(network_setup_is_idempotent_and_teardown_removes_it) {
        _cleanup_free_ char *reason = NULL, *rs = NULL, *localnet = NULL;

        ASSERT_OK(nft_network_setup("nyxtest0", "10.89.0.0/16", false, &reason));
        ASSERT_OK(nft_network_setup("nyxtest0", "10.89.0.0/16", false, &reason));
        rs = ruleset();
        ASSERT_TRUE(strstr(rs, "ip saddr 10.89.0.0/16 oifname != \"nyxtest0\" masquerade"));
        {
                const char *p = strstr(rs, "oifname != \"nyxtest0\" masquerade");
                ASSERT_TRUE(p && !strstr(p + 1, "oifname != \"nyxtest0\" masquerade"));   /* once */
        }
        ASSERT_OK(read_full_file("/proc/sys/net/ipv4/conf/nyxtest0/route_localnet", 16, &localnet, NULL));
        ASSERT_TRUE(startswith(localnet, "1"));

        /* internal now: no masquerade out, drops instead */
        ASSERT_OK(nft_network_setup("nyxtest0", "10.89.0.0/16", true, &reason));
        rs = mfree(rs);
        rs = ruleset();
        ASSERT_FALSE(strstr(rs, "oifname != \"nyxtest0\" masquerade"));
        ASSERT_TRUE(strstr(rs, "drop"));

        ASSERT_OK(nft_network_teardown("nyxtest0", &reason));
        rs = mfree(rs);
        rs = ruleset();
        ASSERT_FALSE(strstr(rs, "nyx-n-nyxtest0"));
        ASSERT_OK(nft_network_teardown("nyxtest0", &reason));
        ASSERT_ERROR(nft_network_setup("bad name\"", "10.89.0.0/16", false, &reason), EINVAL);
        ASSERT_ERROR(nft_network_setup("nyxtest0", "10.89.0.0/33", false, &reason), EINVAL);
}

TEST(networks_are_isolated_from_each_other) {
        _cleanup_free_ char *reason = NULL, *rs = NULL;

        ASSERT_OK(nft_network_setup("nyxtest0", "10.89.0.0/16", false, &reason));
        rs = ruleset();
        ASSERT_TRUE(strstr(rs, "chain isolation"));
        ASSERT_TRUE(strstr(rs, "iifname \"nyxtest0\" oifname \"nyx*\" oifname != \"nyxtest0\" ct status ! dnat drop"));
        ASSERT_OK(nft_network_teardown("nyxtest0", &reason));
}

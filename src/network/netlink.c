/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "macro.h"
#include "netlink.h"
#include "string-util.h"
#include "strv.h"

static void mnl_socket_closep(struct mnl_socket **s) {
        if (*s)
                mnl_socket_close(*s);
}

/* Send one request and read until its ACK (or, for a dump, NLMSG_DONE); cb sees data messages. */
static int nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data) {
        _cleanup_(mnl_socket_closep) struct mnl_socket *nl = NULL;
        char buf[32768];
        unsigned portid, seq;
        int r;

        nl = mnl_socket_open(NETLINK_ROUTE);
        if (!nl)
                return -errno;
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
                return -errno;
        portid = mnl_socket_get_portid(nl);
        seq = nlh->nlmsg_seq = (unsigned) time(NULL);

        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
                return -errno;
        for (;;) {
                ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                r = mnl_cb_run(buf, n, seq, portid, cb, data);
                if (r < 0)
                        return -errno;
                if (r == MNL_CB_STOP)
                        return 0;
        }
}

static struct nlmsghdr *new_msg(char *buf, uint16_t type, uint16_t flags) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | flags;
        return nlh;
}

static bool ifname_valid(const char *name) {
        return name && *name && strlen(name) < IFNAMSIZ && !strpbrk(name, "/ \t\n:");
}

int nl_link_index(const char *name) {
        unsigned i;

        if (!ifname_valid(name))
                return -EINVAL;
        i = if_nametoindex(name);
        if (i == 0)
                return errno == ENXIO || errno == ENODEV ? -ENODEV : -errno;
        return (int) i;
}

int nl_bridge_create(const char *name, uint32_t mtu, const uint8_t mac[6]) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifm;
        struct nlattr *linkinfo;
        int r;

        if (!ifname_valid(name))
                return -EINVAL;
        nlh = new_msg(buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
        ifm->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        if (mtu > 0)
                mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        if (mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
        linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
        mnl_attr_nest_end(nlh, linkinfo);

        r = nl_talk(nlh, NULL, NULL);
        if (r == -EEXIST)
                return 0;
        return r < 0 ? r : 1;
}

void nl_mac_from_ipv4(struct in_addr a, uint8_t ret[6]) {
        ret[0] = 0x02;
        ret[1] = 0x6e;
        memcpy(ret + 2, &a.s_addr, 4);
}

int nl_veth_create(const char *host_name, const char *peer_name, int peer_netns_fd, uint32_t mtu,
                   const uint8_t peer_mac[6]) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifm, *peer_ifm;
        struct nlattr *linkinfo, *data, *peer;

        if (!ifname_valid(host_name) || !ifname_valid(peer_name) || peer_netns_fd < 0)
                return -EINVAL;
        nlh = new_msg(buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
        ifm->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, host_name);
        if (mtu > 0)
                mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        /* The peer's attributes follow an ifinfomsg of its own. */
        peer_ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*peer_ifm));
        peer_ifm->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
        if (mtu > 0)
                mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        if (peer_mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t) peer_netns_fd);
        mnl_attr_nest_end(nlh, peer);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, linkinfo);

        return nl_talk(nlh, NULL, NULL);
}

int nl_link_up(int ifindex, int master_ifindex) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifm;

        nlh = new_msg(buf, RTM_NEWLINK, NLM_F_ACK);
        ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
        ifm->ifi_family = AF_UNSPEC;
        ifm->ifi_index = ifindex;
        ifm->ifi_change = IFF_UP;
        ifm->ifi_flags = IFF_UP;
        if (master_ifindex > 0)
                mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t) master_ifindex);
        return nl_talk(nlh, NULL, NULL);
}

int nl_addr_add(int ifindex, struct in_addr address, unsigned prefix) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh;
        struct ifaddrmsg *ifa;
        struct in_addr brd;
        int r;

        if (prefix > 32)
                return -EINVAL;
        nlh = new_msg(buf, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = AF_INET;
        ifa->ifa_prefixlen = prefix;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_index = ifindex;
        mnl_attr_put(nlh, IFA_LOCAL, sizeof(address), &address);
        mnl_attr_put(nlh, IFA_ADDRESS, sizeof(address), &address);
        if (prefix < 31) {
                brd.s_addr = htonl(ntohl(address.s_addr) | (prefix == 0 ? UINT32_MAX : ~(UINT32_MAX << (32 - prefix))));
                mnl_attr_put(nlh, IFA_BROADCAST, sizeof(brd), &brd);
        }
        r = nl_talk(nlh, NULL, NULL);
        return r == -EEXIST ? 0 : r;
}

int nl_route_add_default(struct in_addr gateway) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh;
        struct rtmsg *rtm;

        nlh = new_msg(buf, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
        rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
        rtm->rtm_family = AF_INET;
        rtm->rtm_dst_len = 0;
        rtm->rtm_table = RT_TABLE_MAIN;
        rtm->rtm_protocol = RTPROT_BOOT;
        rtm->rtm_scope = RT_SCOPE_UNIVERSE;
        rtm->rtm_type = RTN_UNICAST;
        mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gateway), &gateway);
        return nl_talk(nlh, NULL, NULL);
}

int nl_link_delete(const char *name) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifm;

        if (!ifname_valid(name))
                return -EINVAL;
        nlh = new_msg(buf, RTM_DELLINK, NLM_F_ACK);
        ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
        ifm->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        return nl_talk(nlh, NULL, NULL);
}

typedef struct LinkList {
        const char *prefix;
        char **names;
        int error;
} LinkList;

static int link_attr_cb(const struct nlattr *attr, void *data) {
        LinkList *l = data;
        const char *name;

        if (mnl_attr_get_type(attr) != IFLA_IFNAME || mnl_attr_validate(attr, MNL_TYPE_STRING) < 0)
                return MNL_CB_OK;
        name = mnl_attr_get_str(attr);
        if (startswith(name, l->prefix) && strv_extend(&l->names, name) < 0)
                l->error = -ENOMEM;
        return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data) {
        mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb, data);
        return MNL_CB_OK;
}

int nl_link_list(const char *prefix, char ***ret) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh;
        struct rtgenmsg *rt;
        LinkList l = { .prefix = prefix };
        int r;

        nlh = new_msg(buf, RTM_GETLINK, NLM_F_DUMP);
        rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
        rt->rtgen_family = AF_PACKET;
        r = nl_talk(nlh, link_cb, &l);
        if (r >= 0 && l.error < 0)
                r = l.error;
        if (r < 0) {
                strv_free(l.names);
                return r;
        }
        *ret = l.names;
        return 0;
}

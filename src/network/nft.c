/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fd-util.h"
#include "fileio.h"
#include "nft-dl.h"
#include "nft.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

#define T NFT_TABLE_FAMILY " " NFT_TABLE_NAME

/* The table and its base chains: `add` leaves them as they are when they exist. */
static const char base_ruleset[] =
        "add table " T "\n"
        "add chain " T " prerouting { type nat hook prerouting priority -100; policy accept; }\n"
        "add chain " T " output { type nat hook output priority -100; policy accept; }\n"
        "add chain " T " postrouting { type nat hook postrouting priority 100; policy accept; }\n"
        "add chain " T " forward { type filter hook forward priority 0; policy accept; }\n"
        /* before forward's accepts: traffic between two nyx networks goes nowhere */
        "add chain " T " isolation { type filter hook forward priority -1; policy accept; }\n";

static void nft_ctx_freep(struct nft_ctx **c) {
        if (*c)
                sym_nft_ctx_free(*c);
}

static void set_reason(char **ret_reason, const char *text) {
        char *s;
        size_t n;

        if (!ret_reason)
                return;
        s = strdup(isempty(text) ? "nft refused the command" : text);
        if (!s)
                return;
        /* nft's error text: "Error: ...\nthe command\n   ^^^\n"; keep it whole but trim the end. */
        n = strlen(s);
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
                s[--n] = 0;
        free(*ret_reason);
        *ret_reason = s;
}

/* Run cmds as one transaction. With ret_json, the output (JSON, with handles) is returned. */
static int nft_run(const char *cmds, char **ret_json, char **ret_reason) {
        _cleanup_(nft_ctx_freep) struct nft_ctx *ctx = NULL;
        const char *dl_error = NULL;
        int r;

        r = dlopen_libnftables(&dl_error);
        if (r < 0) {
                set_reason(ret_reason, dl_error ?: "cannot load libnftables");
                return r;
        }
        ctx = sym_nft_ctx_new(NFT_CTX_DEFAULT);
        if (!ctx)
                return -ENOMEM;
        if (ret_json)
                sym_nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
        if (sym_nft_ctx_buffer_output(ctx) < 0 || sym_nft_ctx_buffer_error(ctx) < 0)
                return -ENOMEM;

        r = sym_nft_run_cmd_from_buffer(ctx, cmds);
        if (r != 0) {
                const char *e = sym_nft_ctx_get_error_buffer(ctx);

                set_reason(ret_reason, e);
                if (e && strstr(e, "No such file or directory"))
                        return -ENOENT;
                if (e && strstr(e, "Operation not permitted"))
                        return -EPERM;
                return -EPROTO;
        }
        if (ret_json) {
                char *s = strdup(strempty(sym_nft_ctx_get_output_buffer(ctx)));
                if (!s)
                        return -ENOMEM;
                *ret_json = s;
        }
        return 0;
}

static int lock_take(void) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = mkdir_p("/run/nyx", 0755);
        if (r < 0)
                return r;
        fd = open(NFT_LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return -errno;
        return TAKE_FD(fd);
}

/* The rules whose comment is tag (exact) or starts with tag (prefix): "delete rule ..." lines appended to
 * f, their number returned. *ret_comment gets the first one's comment (may be NULL); with ret_comments,
 * every distinct comment is added to it. */
static int find_rules_full(const char *tag, bool prefix, FILE *f, char **ret_comment, char ***ret_comments,
                           char **ret_reason) {
        _cleanup_free_ char *out = NULL;
        json_object *o, *a;
        int r, n = 0;

        r = nft_run("list table " T "\n", &out, ret_reason);
        if (r == -ENOENT) {
                if (ret_reason)
                        *ret_reason = mfree(*ret_reason);
                return 0;       /* no table, no rules */
        }
        if (r < 0)
                return r;

        o = json_tokener_parse(out);
        if (!o)
                return -EBADMSG;
        if (!json_object_object_get_ex(o, "nftables", &a) || !json_object_is_type(a, json_type_array)) {
                json_object_put(o);
                return -EBADMSG;
        }
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i), *rule, *v;
                const char *comment, *chain;
                int64_t handle;

                if (!json_object_object_get_ex(e, "rule", &rule))
                        continue;
                if (!json_object_object_get_ex(rule, "comment", &v) || !json_object_is_type(v, json_type_string))
                        continue;
                comment = json_object_get_string(v);
                if (prefix ? !startswith(comment, tag) : !streq(comment, tag))
                        continue;
                if (!json_object_object_get_ex(rule, "chain", &v) || !json_object_is_type(v, json_type_string))
                        continue;
                chain = json_object_get_string(v);
                if (!json_object_object_get_ex(rule, "handle", &v) || !json_object_is_type(v, json_type_int))
                        continue;
                handle = json_object_get_int64(v);
                if (ret_comment && n == 0 && !(*ret_comment = strdup(comment))) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                if (f)
                        fprintf(f, "delete rule " T " %s handle %" PRIi64 "\n", chain, handle);
                if (ret_comments && !strv_contains(*ret_comments, comment) && strv_extend(ret_comments, comment) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                n++;
        }
        json_object_put(o);
        return n;
}

static int find_rules(const char *tag, bool prefix, FILE *f, char **ret_comment, char **ret_reason) {
        return find_rules_full(tag, prefix, f, ret_comment, NULL, ret_reason);
}

static bool name_is_safe(const char *s) {
        if (isempty(s) || strlen(s) > 15)
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("-_.", *p)))
                        return false;
        return true;
}

static bool ipv4_is_valid(const char *s) {
        struct in_addr a;

        return s && inet_pton(AF_INET, s, &a) == 1;
}

static bool cidr_is_valid(const char *s) {
        _cleanup_free_ char *ip = NULL;
        const char *slash = s ? strchr(s, '/') : NULL;
        char *end;
        long p;

        if (!slash)
                return false;
        ip = strndup(s, (size_t) (slash - s));
        if (!ip || !ipv4_is_valid(ip))
                return false;
        errno = 0;
        p = strtol(slash + 1, &end, 10);
        return errno == 0 && *end == 0 && end != slash + 1 && p >= 0 && p <= 32;
}

static int set_route_localnet(const char *bridge) {
        _cleanup_free_ char *path = strjoin("/proc/sys/net/ipv4/conf/", bridge, "/route_localnet");
        _cleanup_close_ int fd = -EBADF;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, "1\n", 2) != 2)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

static int network_rules(FILE *f, const char *bridge, const char *subnet, bool internal, const char *comment) {
        /* isolation from the other nyx networks (their bridges are nyx0 and nyx-*; host veths are vnyx*,
         * bridge ports that are never routed to); a published port of a container on another network
         * is public, though: DNATed traffic passes */
        fprintf(f, "add rule " T " isolation iifname \"%s\" oifname \"nyx*\" oifname != \"%s\" "
                "ct status and dnat == 0 drop comment \"%s\"\n", bridge, bridge, comment);
        /* replies of a container to a published port reached from 127.0.0.1 cannot go back to
         * 127.0.0.1: give them the bridge's address */
        fprintf(f, "add rule " T " postrouting oifname \"%s\" ip saddr 127.0.0.0/8 masquerade comment \"%s\"\n",
                bridge, comment);
        /* hairpin: a container reaching another (or itself) through a host port */
        fprintf(f, "add rule " T " postrouting oifname \"%s\" ip saddr %s ct status dnat masquerade comment \"%s\"\n",
                bridge, subnet, comment);
        if (!internal) {
                fprintf(f, "add rule " T " postrouting ip saddr %s oifname != \"%s\" masquerade comment \"%s\"\n",
                        subnet, bridge, comment);
                fprintf(f, "add rule " T " forward iifname \"%s\" accept comment \"%s\"\n", bridge, comment);
                fprintf(f, "add rule " T " forward oifname \"%s\" accept comment \"%s\"\n", bridge, comment);
                return 6;
        }
        fprintf(f, "add rule " T " forward iifname \"%s\" oifname != \"%s\" drop comment \"%s\"\n",
                bridge, bridge, comment);
        fprintf(f, "add rule " T " forward oifname \"%s\" iifname != \"%s\" drop comment \"%s\"\n",
                bridge, bridge, comment);
        return 5;
}

/* The networks this process set up: "BRIDGE" -> their comment. */
static char **setup_cache = NULL;

static bool setup_cache_has(const char *bridge, const char *comment) {
        for (size_t i = 0; setup_cache && setup_cache[i] && setup_cache[i + 1]; i += 2)
                if (streq(setup_cache[i], bridge))
                        return streq(setup_cache[i + 1], comment);
        return false;
}

static void setup_cache_forget(const char *bridge) {
        size_t n = strv_length(setup_cache);

        for (size_t i = 0; i + 1 < n; i += 2)
                if (streq(setup_cache[i], bridge)) {
                        free(setup_cache[i]);
                        free(setup_cache[i + 1]);
                        memmove(setup_cache + i, setup_cache + i + 2, (n - i - 1) * sizeof(char *));
                        return;
                }
}

static int setup_cache_set(const char *bridge, const char *comment) {
        setup_cache_forget(bridge);
        return strv_extend(&setup_cache, bridge) < 0 ? -ENOMEM : strv_extend(&setup_cache, comment);
}

int nft_network_setup(const char *bridge, const char *subnet_cidr, bool internal, char **ret_reason) {
        _cleanup_free_ char *buf = NULL, *tag = NULL, *comment = NULL, *found_comment = NULL;
        _cleanup_strv_free_ char **found_comments = NULL;
        _cleanup_close_ int lock = -EBADF;
        size_t size = 0;
        FILE *f;
        int r, n_found, n_want;

        if (!name_is_safe(bridge) || !cidr_is_valid(subnet_cidr))
                return -EINVAL;

        tag = strjoin("nyx-n-", bridge, " ");
        comment = strjoin("nyx-n-", bridge, " ", subnet_cidr, internal ? " internal" : "");
        if (!tag || !comment)
                return -ENOMEM;
        if (setup_cache_has(bridge, comment))
                return 0;       /* this process did it already (a unit's start asks once per step) */

        r = set_route_localnet(bridge);
        if (r < 0)
                return r;

        lock = lock_take();
        if (lock < 0)
                return lock;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fputs(base_ruleset, f);
        n_found = find_rules_full(tag, true, f, &found_comment, &found_comments, ret_reason);
        if (n_found < 0) {
                fclose(f);
                return n_found;
        }
        n_want = network_rules(f, bridge, subnet_cidr, internal, comment);
        if (fclose(f) != 0)
                return -ENOMEM;

        /* In place already (all of them, of the same subnet and kind): nothing to do. */
        if (n_found != n_want || strv_length(found_comments) != 1 || !streq_ptr(found_comment, comment)) {
                r = nft_run(buf, NULL, ret_reason);
                if (r < 0)
                        return r;
        }
        (void) setup_cache_set(bridge, comment);
        return 0;
}

int nft_network_teardown(const char *bridge, char **ret_reason) {
        _cleanup_free_ char *buf = NULL, *tag = NULL;
        _cleanup_close_ int lock = -EBADF;
        size_t size = 0;
        FILE *f;
        int n;

        if (!name_is_safe(bridge))
                return -EINVAL;
        tag = strjoin("nyx-n-", bridge, " ");
        if (!tag)
                return -ENOMEM;
        setup_cache_forget(bridge);
        lock = lock_take();
        if (lock < 0)
                return lock;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        n = find_rules(tag, true, f, NULL, ret_reason);
        if (fclose(f) != 0)
                return -ENOMEM;
        if (n <= 0)
                return n;
        return nft_run(buf, NULL, ret_reason);
}

static int container_tag(const char *container_id, char **ret) {
        if (isempty(container_id) || strlen(container_id) > 64 ||
            strspn(container_id, "0123456789abcdef") != strlen(container_id))
                return -EINVAL;
        *ret = strjoin("nyx-c-", container_id);
        return *ret ? 0 : -ENOMEM;
}

static const char *l4_keyword(PortProtocol p) {
        return p == PORT_PROTOCOL_UDP ? "udp" : p == PORT_PROTOCOL_SCTP ? "sctp" : "tcp";
}

int nft_ports_add(const char *container_id, const char *container_ip, const PortMapping *ports, size_t n_ports,
                  char **ret_reason) {
        _cleanup_free_ char *buf = NULL, *tag = NULL;
        _cleanup_close_ int lock = -EBADF;
        size_t size = 0;
        FILE *f;
        int r;

        r = container_tag(container_id, &tag);
        if (r < 0)
                return r;
        if (!ipv4_is_valid(container_ip))
                return -EINVAL;
        for (size_t i = 0; i < n_ports; i++)
                if (!port_mapping_is_resolved(&ports[i]) || ports[i].container_port == 0 ||
                    (ports[i].host_ip[0] && !ipv4_is_valid(ports[i].host_ip)))
                        return -EINVAL;

        lock = lock_take();
        if (lock < 0)
                return lock;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        r = find_rules(tag, false, f, NULL, ret_reason);       /* a crashed run's, replaced */
        if (r < 0) {
                fclose(f);
                return r;
        }
        fputs(base_ruleset, f);
        for (size_t i = 0; i < n_ports; i++) {
                const PortMapping *p = &ports[i];
                char daddr[40] = "";

                if (p->host_ip[0])
                        snprintf(daddr, sizeof(daddr), "ip daddr %s ", p->host_ip);
                for (size_t k = 0; k < 2; k++)
                        fprintf(f, "add rule " T " %s %sfib daddr type local %s dport %u dnat to %s:%u comment \"%s\"\n",
                                k == 0 ? "prerouting" : "output", daddr, l4_keyword(p->protocol), p->host_port, container_ip,
                                p->container_port, tag);
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        return nft_run(buf, NULL, ret_reason);
}

int nft_ports_remove(const char *container_id, char **ret_reason) {
        _cleanup_free_ char *buf = NULL, *tag = NULL;
        _cleanup_close_ int lock = -EBADF;
        size_t size = 0;
        FILE *f;
        int r, n;

        r = container_tag(container_id, &tag);
        if (r < 0)
                return r;
        lock = lock_take();
        if (lock < 0)
                return lock;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        n = find_rules(tag, false, f, NULL, ret_reason);
        if (fclose(f) != 0)
                return -ENOMEM;
        if (n <= 0)
                return n;
        return nft_run(buf, NULL, ret_reason);
}

int nft_ports_list_containers(char ***ret_ids, char **ret_reason) {
        _cleanup_strv_free_ char **comments = NULL, **ids = NULL;
        int r;

        r = find_rules_full("nyx-c-", true, NULL, NULL, &comments, ret_reason);
        if (r < 0)
                return r;
        STRV_FOREACH(c, comments) {
                r = strv_extend(&ids, *c + strlen("nyx-c-"));
                if (r < 0)
                        return r;
        }
        if (!ids && !(ids = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret_ids = TAKE_PTR(ids);
        return 0;
}

int nft_ports_count(const char *container_id, char **ret_reason) {
        _cleanup_free_ char *tag = NULL;
        int r;

        r = container_tag(container_id, &tag);
        if (r < 0)
                return r;
        return find_rules(tag, false, NULL, NULL, ret_reason);
}

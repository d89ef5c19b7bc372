/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fileio.h"
#include "output.h"
#include "prepare-config.h"
#include "string-util.h"
#include "strv.h"

PrepareConfig *prepare_config_free(PrepareConfig *c) {
        if (!c)
                return NULL;
        free(c->id);
        free(c->dir);
        free(c->rootfs);
        free(c->bundle);
        free(c->upper);
        free(c->work);
        strv_free(c->lower);
        free(c->runtime);
        for (size_t i = 0; i < c->n_volumes; i++) {
                free(c->volumes[i].name);
                free(c->volumes[i].dir);
                free(c->volumes[i].destination);
        }
        free(c->volumes);
        free(c->network_mode);
        free(c->netns);
        for (size_t i = 0; i < c->n_networks; i++) {
                PrepareNetwork *n = &c->networks[i];
                free(n->name);
                free(n->dir);
                free(n->bridge);
                free(n->subnet);
                free(n->address);
                free(n->gateway);
                free(n->interface);
                free(n->host_veth);
                strv_free(n->aliases);
        }
        free(c->networks);
        free(c->ports);
        return mfree(c);
}

static int get_string(json_object *o, const char *key, bool required, char **ret) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
                if (required)
                        return -EBADMSG;
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        *ret = strdup(json_object_get_string(v));
        return *ret ? 0 : -ENOMEM;
}

static int load_volumes(json_object *o, PrepareConfig *c) {
        json_object *a;
        size_t n;
        int r;

        if (!json_object_object_get_ex(o, "Volumes", &a) || json_object_is_type(a, json_type_null))
                return 0;
        if (!json_object_is_type(a, json_type_array))
                return -EBADMSG;
        n = json_object_array_length(a);
        if (n == 0)
                return 0;
        c->volumes = calloc(n, sizeof(PrepareVolume));
        if (!c->volumes)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i), *b;
                PrepareVolume *v = &c->volumes[i];

                if (!json_object_is_type(e, json_type_object))
                        return -EBADMSG;
                c->n_volumes = i + 1;
                if ((r = get_string(e, "Name", true, &v->name)) < 0 ||
                    (r = get_string(e, "Dir", true, &v->dir)) < 0 ||
                    (r = get_string(e, "Destination", true, &v->destination)) < 0)
                        return r;
                if (v->dir[0] != '/' || v->destination[0] != '/')
                        return -EBADMSG;
                if (json_object_object_get_ex(e, "Populate", &b))
                        v->populate = json_object_get_boolean(b);
                if (json_object_object_get_ex(e, "Image", &b))
                        v->image = json_object_get_boolean(b);
        }
        return 0;
}

static json_object *save_volumes(const PrepareConfig *c) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < c->n_volumes; i++) {
                const PrepareVolume *v = &c->volumes[i];
                json_object *e = json_object_new_object();

                json_object_object_add(e, "Name", json_object_new_string(v->name));
                json_object_object_add(e, "Dir", json_object_new_string(v->dir));
                json_object_object_add(e, "Destination", json_object_new_string(v->destination));
                json_object_object_add(e, "Populate", json_object_new_boolean(v->populate));
                json_object_object_add(e, "Image", json_object_new_boolean(v->image));
                json_object_array_add(a, e);
        }
        return a;
}

static bool ifname_ok(const char *s) {
        return s && *s && strlen(s) <= 15 && !strpbrk(s, "/ \t\n:");
}

static int load_networks(json_object *o, PrepareConfig *c) {
        json_object *net, *a;
        size_t n;
        int r;

        if (!json_object_object_get_ex(o, "Network", &net) || json_object_is_type(net, json_type_null))
                return 0;
        if (!json_object_is_type(net, json_type_object))
                return -EBADMSG;
        if ((r = get_string(net, "Mode", false, &c->network_mode)) < 0 ||
            (r = get_string(net, "Netns", false, &c->netns)) < 0)
                return r;
        if (c->netns && c->netns[0] != '/')
                return -EBADMSG;
        if (!json_object_object_get_ex(net, "Networks", &a) || json_object_is_type(a, json_type_null))
                return 0;
        if (!json_object_is_type(a, json_type_array))
                return -EBADMSG;
        n = json_object_array_length(a);
        if (n == 0)
                return 0;
        c->networks = calloc(n, sizeof(PrepareNetwork));
        if (!c->networks)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i), *b;
                PrepareNetwork *pn = &c->networks[i];
                int64_t v;

                if (!json_object_is_type(e, json_type_object))
                        return -EBADMSG;
                c->n_networks = i + 1;
                if ((r = get_string(e, "Name", true, &pn->name)) < 0 ||
                    (r = get_string(e, "Dir", true, &pn->dir)) < 0 ||
                    (r = get_string(e, "Bridge", true, &pn->bridge)) < 0 ||
                    (r = get_string(e, "Subnet", true, &pn->subnet)) < 0 ||
                    (r = get_string(e, "Address", true, &pn->address)) < 0 ||
                    (r = get_string(e, "Gateway", true, &pn->gateway)) < 0 ||
                    (r = get_string(e, "Interface", true, &pn->interface)) < 0 ||
                    (r = get_string(e, "HostVeth", true, &pn->host_veth)) < 0)
                        return r;
                if (pn->dir[0] != '/' || !ifname_ok(pn->bridge) || !ifname_ok(pn->interface) ||
                    !ifname_ok(pn->host_veth))
                        return -EBADMSG;
                if (!json_object_object_get_ex(e, "Prefix", &b) || !json_object_is_type(b, json_type_int) ||
                    (v = json_object_get_int64(b)) < 0 || v > 32)
                        return -EBADMSG;
                pn->prefix = (unsigned) v;
                pn->mtu = 1500;
                if (json_object_object_get_ex(e, "Mtu", &b)) {
                        v = json_object_get_int64(b);
                        if (v < 68 || v > 65535)
                                return -EBADMSG;
                        pn->mtu = (uint32_t) v;
                }
                if (json_object_object_get_ex(e, "Internal", &b))
                        pn->internal = json_object_get_boolean(b);
                if (json_object_object_get_ex(e, "Dns", &b))
                        pn->dns = json_object_get_boolean(b);
                if (json_object_object_get_ex(e, "Aliases", &b) && json_object_is_type(b, json_type_array))
                        for (size_t j = 0; j < json_object_array_length(b); j++) {
                                json_object *s = json_object_array_get_idx(b, j);
                                if (!json_object_is_type(s, json_type_string))
                                        return -EBADMSG;
                                r = strv_extend(&pn->aliases, json_object_get_string(s));
                                if (r < 0)
                                        return r;
                        }
        }
        return 0;
}

static json_object *save_networks(const PrepareConfig *c) {
        json_object *net = json_object_new_object(), *a = json_object_new_array();

        if (!net || !a) {
                json_object_put(net);
                json_object_put(a);
                return NULL;
        }
        json_object_object_add(net, "Mode", c->network_mode ? json_object_new_string(c->network_mode) : NULL);
        json_object_object_add(net, "Netns", c->netns ? json_object_new_string(c->netns) : NULL);
        for (size_t i = 0; i < c->n_networks; i++) {
                const PrepareNetwork *pn = &c->networks[i];
                json_object *e = json_object_new_object(), *aliases = json_object_new_array();

                json_object_object_add(e, "Name", json_object_new_string(pn->name));
                json_object_object_add(e, "Dir", json_object_new_string(pn->dir));
                json_object_object_add(e, "Bridge", json_object_new_string(pn->bridge));
                json_object_object_add(e, "Subnet", json_object_new_string(pn->subnet));
                json_object_object_add(e, "Address", json_object_new_string(pn->address));
                json_object_object_add(e, "Prefix", json_object_new_int(pn->prefix));
                json_object_object_add(e, "Gateway", json_object_new_string(pn->gateway));
                json_object_object_add(e, "Mtu", json_object_new_int64(pn->mtu));
                json_object_object_add(e, "Internal", json_object_new_boolean(pn->internal));
                json_object_object_add(e, "Dns", json_object_new_boolean(pn->dns));
                json_object_object_add(e, "Interface", json_object_new_string(pn->interface));
                json_object_object_add(e, "HostVeth", json_object_new_string(pn->host_veth));
                STRV_FOREACH(s, pn->aliases)
                        json_object_array_add(aliases, json_object_new_string(*s));
                json_object_object_add(e, "Aliases", aliases);
                json_object_array_add(a, e);
        }
        json_object_object_add(net, "Networks", a);
        return net;
}

static int load_ports(json_object *o, PrepareConfig *c) {
        json_object *a;

        if (!json_object_object_get_ex(o, "Ports", &a) || json_object_is_type(a, json_type_null))
                return 0;
        if (!json_object_is_type(a, json_type_array))
                return -EBADMSG;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i);
                size_t n = c->n_ports;
                int r;

                if (!json_object_is_type(e, json_type_string))
                        return -EBADMSG;
                r = parse_port_flag(json_object_get_string(e), &c->ports, &c->n_ports, NULL);
                if (r < 0)
                        return r == -EINVAL ? -EBADMSG : r;
                if (c->n_ports != n + 1 || !port_mapping_is_resolved(&c->ports[n]))
                        return -EBADMSG;
        }
        return 0;
}

static json_object *save_ports(const PrepareConfig *c) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < c->n_ports; i++) {
                _cleanup_free_ char *s = NULL;

                if (port_mapping_to_string(&c->ports[i], &s) >= 0)
                        json_object_array_add(a, json_object_new_string(s));
        }
        return a;
}

int prepare_config_load(const char *path, PrepareConfig **ret) {
        _cleanup_(prepare_config_freep) PrepareConfig *c = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *text = NULL;
        json_object *lower, *ro;
        int r;

        r = read_full_file(path, 1024 * 1024, &text, NULL);
        if (r < 0)
                return r;
        o = json_tokener_parse(text);
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;

        c = calloc(1, sizeof(PrepareConfig));
        if (!c)
                return -ENOMEM;

        if ((r = get_string(o, "Id", true, &c->id)) < 0 ||
            (r = get_string(o, "Dir", true, &c->dir)) < 0 ||
            (r = get_string(o, "Rootfs", true, &c->rootfs)) < 0 ||
            (r = get_string(o, "Bundle", true, &c->bundle)) < 0 ||
            (r = get_string(o, "UpperDir", true, &c->upper)) < 0 ||
            (r = get_string(o, "WorkDir", true, &c->work)) < 0 ||
            (r = get_string(o, "Runtime", true, &c->runtime)) < 0)
                return r;

        if (!json_object_object_get_ex(o, "LowerDirs", &lower) || !json_object_is_type(lower, json_type_array) ||
            json_object_array_length(lower) == 0)
                return -EBADMSG;
        for (size_t i = 0; i < json_object_array_length(lower); i++) {
                json_object *e = json_object_array_get_idx(lower, i);

                if (!json_object_is_type(e, json_type_string))
                        return -EBADMSG;
                r = strv_extend(&c->lower, json_object_get_string(e));
                if (r < 0)
                        return r;
        }
        c->n_lower = strv_length(c->lower);

        if (json_object_object_get_ex(o, "ReadOnly", &ro))
                c->read_only = json_object_get_boolean(ro);
        r = load_volumes(o, c);
        if (r < 0)
                return r;
        if (json_object_object_get_ex(o, "Init", &ro))
                c->has_init = json_object_get_boolean(ro);
        r = load_networks(o, c);
        if (r < 0)
                return r;
        r = load_ports(o, c);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(c);
        return 0;
}

int prepare_config_save(const PrepareConfig *c, const char *path) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        json_object *lower = json_object_new_array();
        const char *s;

        if (!o || !lower) {
                json_object_put(lower);
                return -ENOMEM;
        }
        json_object_object_add(o, "Id", json_object_new_string(c->id));
        json_object_object_add(o, "Dir", json_object_new_string(c->dir));
        json_object_object_add(o, "Rootfs", json_object_new_string(c->rootfs));
        json_object_object_add(o, "Bundle", json_object_new_string(c->bundle));
        json_object_object_add(o, "UpperDir", json_object_new_string(c->upper));
        json_object_object_add(o, "WorkDir", json_object_new_string(c->work));
        json_object_object_add(o, "Runtime", json_object_new_string(c->runtime));
        for (size_t i = 0; i < c->n_lower; i++)
                json_object_array_add(lower, json_object_new_string(c->lower[i]));
        json_object_object_add(o, "LowerDirs", lower);
        json_object_object_add(o, "ReadOnly", json_object_new_boolean(c->read_only));
        json_object_object_add(o, "Volumes", save_volumes(c));
        json_object_object_add(o, "Init", json_object_new_boolean(c->has_init));
        json_object_object_add(o, "Network", save_networks(c));
        json_object_object_add(o, "Ports", save_ports(c));

        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        return write_file_atomic(path, s, strlen(s), 0600);
}

int prepare_config_lowerdir_option(const PrepareConfig *c, char **ret) {
        size_t l = 0;
        char *s, *p;

        for (size_t i = 0; i < c->n_lower; i++) {
                /* ':' and ',' separate overlayfs options; nyx's own paths never have them. */
                if (strpbrk(c->lower[i], ":,") || c->lower[i][0] != '/')
                        return -EINVAL;
                l += strlen(c->lower[i]) + 1;
        }
        s = p = malloc(l + 1);
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_lower; i++) {
                if (i > 0)
                        *p++ = ':';
                p = stpcpy(p, c->lower[i]);
        }
        *p = 0;
        *ret = s;
        return 0;
}

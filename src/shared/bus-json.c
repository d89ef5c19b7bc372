/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>

#include "bus-json.h"
#include "bus-util.h"
#include "output.h"
#include "string-util.h"

static int read_variant_json(sd_bus_message *m, json_object **ret);

static int read_basic_json(sd_bus_message *m, char type, json_object **ret) {
        union {
                uint8_t y;
                int b;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
                const char *s;
        } v;
        json_object *o;
        int r;

        r = sd_bus_message_read_basic(m, type, &v);
        if (r < 0)
                return r;
        switch (type) {
        case 'y': o = json_object_new_int(v.y); break;
        case 'b': o = json_object_new_boolean(v.b); break;
        case 'n': o = json_object_new_int(v.n); break;
        case 'q': o = json_object_new_int(v.q); break;
        case 'i': o = json_object_new_int(v.i); break;
        case 'u': o = json_object_new_int64(v.u); break;
        case 'x': o = json_object_new_int64(v.x); break;
        case 't': o = json_object_new_uint64(v.t); break;
        case 'd': o = json_object_new_double(v.d); break;
        case 's': case 'o': case 'g': o = json_object_new_string(v.s); break;
        default: return -EOPNOTSUPP;
        }
        if (!o)
                return -ENOMEM;
        *ret = o;
        return 0;
}

static int read_array_json(sd_bus_message *m, const char *contents, json_object **ret) {
        _cleanup_(json_object_putp) json_object *a = NULL;
        int r;

        if (contents[0] == '{')
                return -EOPNOTSUPP;

        a = json_object_new_array();
        if (!a)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;
        for (;;) {
                json_object *e = NULL;

                r = sd_bus_message_at_end(m, false);
                if (r < 0)
                        return r;
                if (r > 0)
                        break;
                if (contents[0] == 'v')
                        r = read_variant_json(m, &e);
                else
                        r = read_basic_json(m, contents[0], &e);
                if (r < 0)
                        return r;
                json_object_array_add(a, e);
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(a);
        return 0;
}

static int read_variant_json(sd_bus_message *m, json_object **ret) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != 'v')
                return -EBADMSG;
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        if (streq(contents, "a{sv}"))
                r = bus_message_read_dict_json(m, ret);
        else if (contents[0] == 'a')
                r = read_array_json(m, contents + 1, ret);
        else
                r = read_basic_json(m, contents[0], ret);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int bus_message_read_dict_json(sd_bus_message *m, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        int r;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                json_object *v = NULL;
                const char *key;

                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        return r;
                r = read_variant_json(m, &v);
                if (r < 0)
                        return r;
                json_object_object_add(o, key, v);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int bus_message_append_dict_json(sd_bus_message *m, json_object *o) {
        int r;

        if (!json_object_is_type(o, json_type_object))
                return -EINVAL;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        json_object_object_foreach(o, key, v) {
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r < 0)
                        return r;
                r = sd_bus_message_append(m, "s", key);
                if (r < 0)
                        return r;
                switch (json_object_get_type(v)) {
                case json_type_string:
                        r = sd_bus_message_append(m, "v", "s", json_object_get_string(v));
                        break;
                case json_type_int:
                        r = sd_bus_message_append(m, "v", "x", json_object_get_int64(v));
                        break;
                case json_type_boolean:
                        r = sd_bus_message_append(m, "v", "b", json_object_get_boolean(v));
                        break;
                case json_type_array:
                        r = sd_bus_message_open_container(m, 'v', "as");
                        if (r < 0)
                                return r;
                        r = sd_bus_message_open_container(m, 'a', "s");
                        if (r < 0)
                                return r;
                        for (size_t i = 0; i < json_object_array_length(v); i++) {
                                json_object *e = json_object_array_get_idx(v, i);
                                if (!json_object_is_type(e, json_type_string))
                                        return -EINVAL;
                                r = sd_bus_message_append(m, "s", json_object_get_string(e));
                                if (r < 0)
                                        return r;
                        }
                        r = sd_bus_message_close_container(m);
                        if (r < 0)
                                return r;
                        r = sd_bus_message_close_container(m);
                        break;
                case json_type_object:
                        r = sd_bus_message_open_container(m, 'v', "a{sv}");
                        if (r < 0)
                                return r;
                        r = bus_message_append_dict_json(m, v);
                        if (r < 0)
                                return r;
                        r = sd_bus_message_close_container(m);
                        break;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

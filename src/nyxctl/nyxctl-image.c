/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus-util.h"
#include "image-ref.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl.h"
#include "output.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"

int verb_pull(int argc, char *argv[], void *userdata) {
        enum { ARG_PLATFORM = 0x100, ARG_TLS_VERIFY, ARG_CERT_DIR, ARG_CREDS };
        static const struct option options[] = {
                { "help",       no_argument,       NULL, 'h'            },
                { "quiet",      no_argument,       NULL, 'q'            },
                { "platform",   required_argument, NULL, ARG_PLATFORM   },
                { "tls-verify", required_argument, NULL, ARG_TLS_VERIFY },
                { "cert-dir",   required_argument, NULL, ARG_CERT_DIR   },
                { "creds",      required_argument, NULL, ARG_CREDS      },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *cert_dir = NULL, *user = NULL;
        const char *platform = NULL, *pass = NULL, *id, *path, *why = NULL;
        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
        int tls_verify = -1, c, r;
        bool quiet = false;

        verb_getopt_reset();
        while ((c = verb_getopt("pull", argc, argv, ":hq", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl pull [OPTIONS] IMAGE\n\n"
                               "Pull an image from a registry into nyx's store.\n\n"
                               "  -q --quiet              Print only the image ID\n"
                               "     --platform OS/ARCH[/VARIANT]  Pick this platform from a multi-platform image\n"
                               "     --tls-verify=false   Accept any certificate, and plain http\n"
                               "     --cert-dir DIR       CA certificates (*.crt) for the registry\n"
                               "     --creds USER:PASS    Credentials for this pull (else those of 'nyxctl login')\n");
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case ARG_PLATFORM:
                        platform = optarg;
                        break;
                case ARG_TLS_VERIFY:
                        tls_verify = parse_boolean(optarg);
                        if (tls_verify < 0) {
                                log_error("pull: --tls-verify expects true or false, got '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_CERT_DIR:
                        cert_dir = realpath(optarg, NULL);
                        if (!cert_dir)
                                return log_error_errno(errno, "pull: --cert-dir %s: %m", optarg);
                        break;
                case ARG_CREDS: {
                        const char *colon = strchr(optarg, ':');
                        if (!colon || colon == optarg) {
                                log_error("pull: --creds expects USER:PASSWORD");
                                return -EINVAL;
                        }
                        user = strndup(optarg, colon - optarg);
                        if (!user)
                                return log_oom();
                        pass = colon + 1;
                        break;
                }
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "pull", argc - optind, argv + optind, 1, 1) < 0)
                return -EINVAL;
        if (image_ref_parse(argv[optind], &ref, &why) < 0) {
                log_error("pull: invalid reference '%s': %s", argv[optind], why ?: "invalid format");
                return -EINVAL;
        }

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "PullImage");
        if (r < 0)
                return log_oom();
        r = sd_bus_message_append(call, "s", argv[optind]);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0 && platform)
                r = bus_append_sv_string(call, "Platform", platform);
        if (r >= 0 && tls_verify >= 0)
                r = bus_append_sv_bool(call, "TlsVerify", tls_verify);
        if (r >= 0 && cert_dir)
                r = bus_append_sv_string(call, "CertDir", cert_dir);
        if (r >= 0 && user)
                r = bus_append_sv_string(call, "Username", user);
        if (r >= 0 && pass)
                r = bus_append_sv_string(call, "Password", pass);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r < 0)
                return log_oom();

        if (!quiet)
                fprintf(stderr, "Pulling %s...\n", argv[optind]);
        r = sd_bus_call(bus, call, UINT64_MAX - 1, &error, &reply);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read(reply, "so", &id, &path);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        printf("%s\n", quiet ? id : id);
        return 0;
}

static char *size_human(uint64_t size) {
        char *s = NULL;

        if (size < 1000)
                (void) asprintf(&s, "%" PRIu64 "B", size);
        else if (size < 1000 * 1000)
                (void) asprintf(&s, "%.3gkB", size / 1000.0);
        else if (size < UINT64_C(1000) * 1000 * 1000)
                (void) asprintf(&s, "%.3gMB", size / 1000000.0);
        else
                (void) asprintf(&s, "%.3gGB", size / 1e9);
        return s;
}

int verb_images(int argc, char *argv[], void *userdata) {
        enum { ARG_JSON = 0x100, ARG_DIGESTS, ARG_NO_TRUNC };
        static const struct option options[] = {
                { "help",     no_argument, NULL, 'h'          },
                { "quiet",    no_argument, NULL, 'q'          },
                { "all",      no_argument, NULL, 'a'          },
                { "json",     no_argument, NULL, ARG_JSON     },
                { "digests",  no_argument, NULL, ARG_DIGESTS  },
                { "no-trunc", no_argument, NULL, ARG_NO_TRUNC },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_(json_object_putp) json_object *rows = json_object_new_array();
        bool quiet = false, json = false, digests = false, no_trunc = false;
        const char *filter = NULL;
        struct timespec ts;
        uint64_t now;
        int c, r;

        clock_gettime(CLOCK_REALTIME, &ts);
        now = (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;

        verb_getopt_reset();
        while ((c = verb_getopt("images", argc, argv, ":hqa", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl images [OPTIONS] [REPOSITORY[:TAG]]\n\n"
                               "List images in the store.\n\n"
                               "  -q --quiet      Only IDs\n"
                               "  -a --all        (accepted; nyx has no intermediate images)\n"
                               "     --digests    Show manifest digests\n"
                               "     --json       JSON array\n"
                               "     --no-trunc   Full IDs\n");
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case 'a':
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                case ARG_DIGESTS:
                        digests = true;
                        break;
                case ARG_NO_TRUNC:
                        no_trunc = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "images", argc - optind, argv + optind, 0, 1) < 0)
                return -EINVAL;
        if (optind < argc)
                filter = argv[optind];

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "ListImages", &error, &reply,
                               "a{sv}", 0);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);

        t = digests ? table_new("REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE", NULL) :
                      table_new("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", NULL);
        if (!t)
                return log_oom();

        r = sd_bus_message_enter_container(reply, 'a', "(sasttso)");
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        while ((r = sd_bus_message_enter_container(reply, 'r', "sasttso")) > 0) {
                _cleanup_strv_free_ char **names = NULL;
                _cleanup_free_ char *size_s = NULL, *created_s = NULL, *age = NULL;
                const char *id, *digest, *path;
                uint64_t size, created;
                char short_id[13];

                r = sd_bus_message_read(reply, "s", &id);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &names);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "ttso", &size, &created, &digest, &path);
                if (r < 0)
                        return log_error_errno(r, "Bad reply from nyxd: %m");
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return log_error_errno(r, "Bad reply from nyxd: %m");

                snprintf(short_id, sizeof(short_id), "%.12s", id + strlen("sha256:"));
                size_s = size_human(size);
                age = format_duration_human(now > created ? now - created : 0);
                created_s = created && age ? strjoin(age, " ago") : strdup("N/A");
                if (!size_s || !created_s)
                        return log_oom();

                STRV_FOREACH(n, names) {
                        _cleanup_(image_ref_freep) ImageRef *ref = NULL;
                        _cleanup_free_ char *repo = NULL, *frepo = NULL;

                        if (image_ref_parse(*n, &ref, NULL) < 0)
                                continue;
                        {
                                char *tag = ref->tag;
                                ref->tag = NULL;
                                (void) image_ref_to_familiar(ref, &frepo);
                                ref->tag = tag;
                        }
                        if (filter) {
                                _cleanup_(image_ref_freep) ImageRef *fr = NULL;
                                _cleanup_free_ char *want = NULL;
                                if (image_ref_parse(filter, &fr, NULL) < 0)
                                        continue;
                                if (!strchr(filter, ':') || strrchr(filter, ':') < strrchr(filter, '/')) {
                                        /* a repository without tag: every tag of it */
                                        if (image_ref_repository(fr, &want) < 0 ||
                                            image_ref_repository(ref, &repo) < 0 || !streq(want, repo))
                                                continue;
                                } else if (image_ref_to_string(fr, &want) < 0 || !streq(want, *n))
                                        continue;
                        }
                        if (quiet) {
                                printf("%s\n", no_trunc ? id : short_id);
                                break;
                        }
                        if (json) {
                                json_object *o = json_object_new_object();
                                json_object_object_add(o, "Id", json_object_new_string(id));
                                json_object_object_add(o, "Repository", json_object_new_string(strempty(frepo)));
                                json_object_object_add(o, "Tag", json_object_new_string(ref->tag ?: "<none>"));
                                json_object_object_add(o, "Name", json_object_new_string(*n));
                                json_object_object_add(o, "Digest", json_object_new_string(digest));
                                json_object_object_add(o, "Created", json_object_new_uint64(created / 1000000));
                                json_object_object_add(o, "Size", json_object_new_uint64(size));
                                json_object_array_add(rows, o);
                                continue;
                        }
                        if (digests)
                                r = table_add_row(t, strempty(frepo), ref->tag ?: "<none>", digest,
                                                  no_trunc ? id : short_id, created_s, size_s);
                        else
                                r = table_add_row(t, strempty(frepo), ref->tag ?: "<none>", no_trunc ? id : short_id,
                                                  created_s, size_s);
                        if (r < 0)
                                return log_oom();
                }
        }
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");

        if (quiet)
                return 0;
        if (json) {
                printf("%s\n", json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                return 0;
        }
        return table_print(t, stdout, true);
}

int verb_rmi(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",  no_argument, NULL, 'h' },
                { "force", no_argument, NULL, 'f' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool force = false;
        int c, r, ret = 0;

        verb_getopt_reset();
        while ((c = verb_getopt("rmi", argc, argv, ":hf", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl rmi [-f] IMAGE...\n\n"
                               "Untag images by name; remove them with their last name or by ID.\n\n"
                               "  -f --force   Remove an image in use by containers, or with several names\n");
                        return 0;
                case 'f':
                        force = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "rmi", argc - optind, argv + optind, 1, -1) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        for (int i = optind; i < argc; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_strv_free_ char **untagged = NULL;
                const char *deleted;

                r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "RemoveImage", &error,
                                       &reply, "sa{sv}", argv[i], 1, "Force", "b", (int) force);
                if (r < 0) {
                        ret = nyxctl_log_bus_error(&error, r, NULL);
                        continue;
                }
                r = sd_bus_message_read_strv(reply, &untagged);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "s", &deleted);
                if (r < 0)
                        return log_error_errno(r, "Bad reply from nyxd: %m");
                STRV_FOREACH(u, untagged)
                        printf("Untagged: %s\n", *u);
                if (!isempty(deleted))
                        printf("Deleted: %s\n", deleted);
        }
        return ret;
}

int verb_tag(int argc, char *argv[], void *userdata) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("tag", argc, argv, ":h", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl tag SOURCE TARGET\n\nGive an image another name.\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "tag", argc - optind, argv + optind, 2, 2) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "TagImage", &error, NULL,
                               "ss", argv[optind], argv[optind + 1]);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        return 0;
}

int verb_image_inspect(int argc, char *argv[], void *userdata) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(json_object_putp) json_object *all = json_object_new_array();
        int c, r, ret = 0;

        verb_getopt_reset();
        while ((c = verb_getopt("image inspect", argc, argv, ":h", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl image inspect IMAGE...\n\nShow images' IDs, names, digests and configs as JSON.\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "image inspect", argc - optind, argv + optind, 1, -1) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        for (int i = optind; i < argc; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *cfg = NULL;
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_strv_free_ char **names = NULL;
                _cleanup_free_ char *id = NULL, *digest = NULL, *platform = NULL;
                const char *path, *config;
                json_object *o, *a;
                uint64_t size = 0;

                r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "GetImage", &error,
                                       &reply, "s", argv[i]);
                if (r < 0) {
                        ret = nyxctl_log_bus_error(&error, r, NULL);
                        continue;
                }
                r = sd_bus_message_read(reply, "o", &path);
                if (r >= 0)
                        r = sd_bus_get_property_string(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_IMAGE, "Id", &error, &id);
                if (r >= 0)
                        r = sd_bus_get_property_string(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_IMAGE, "Digest", &error, &digest);
                if (r >= 0)
                        r = sd_bus_get_property_string(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_IMAGE, "Platform", &error, &platform);
                if (r >= 0)
                        r = sd_bus_get_property_strv(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_IMAGE, "Names", &error, &names);
                if (r >= 0)
                        r = sd_bus_get_property_trivial(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_IMAGE, "Size", &error, 't', &size);
                if (r >= 0)
                        r = sd_bus_call_method(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_IMAGE, "InspectConfig", &error, &cfg, "");
                if (r >= 0)
                        r = sd_bus_message_read(cfg, "s", &config);
                if (r < 0) {
                        ret = nyxctl_log_bus_error(&error, r, NULL);
                        continue;
                }
                o = json_object_new_object();
                json_object_object_add(o, "Id", json_object_new_string(id));
                a = json_object_new_array();
                STRV_FOREACH(n, names)
                        json_object_array_add(a, json_object_new_string(*n));
                json_object_object_add(o, "RepoTags", a);
                json_object_object_add(o, "Digest", json_object_new_string(digest));
                json_object_object_add(o, "Platform", json_object_new_string(platform));
                json_object_object_add(o, "Size", json_object_new_uint64(size));
                json_object_object_add(o, "Config", json_tokener_parse(config));
                json_object_array_add(all, o);
        }
        printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return ret;
}

/* "nyxctl image ls|rm|pull|inspect|tag ..." as aliases of the top-level verbs. */
int verb_image(int argc, char *argv[], void *userdata) {
        static const struct { const char *name; int (*fn)(int, char **, void *); } sub[] = {
                { "ls", verb_images }, { "list", verb_images }, { "rm", verb_rmi }, { "pull", verb_pull },
                { "inspect", verb_image_inspect }, { "tag", verb_tag },
        };

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("nyxctl image COMMAND\n\nCommands: ls, rm, pull, inspect, tag\n");
                return argc < 2 ? -EINVAL : 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(sub); i++)
                if (streq(argv[1], sub[i].name))
                        return sub[i].fn(argc - 1, argv + 1, userdata);
        log_error("image: unknown command '%s'. See 'nyxctl image --help'.", argv[1]);
        return -EINVAL;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "bus-util.h"
#include "fd-util.h"
#include "image-ref.h"
#include "log.h"
#include "nyx-errors.h"
#include "nyxctl.h"
#include "output.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"

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

/* Pull progress: one row per layer, redrawn in place on a terminal; on
 * anything else a plain line whenever a layer changes state. */
typedef struct PullLayer {
        char *digest;
        char *state;
        uint64_t done, total;
} PullLayer;

typedef struct PullProgress {
        const char *reference;
        bool tty;
        PullLayer *layers;
        size_t n_layers;
        size_t n_drawn;          /* rows on screen from the last redraw */
        sd_bus_message *reply;
        bool finished;
        bool quiet;
        char *job;               /* nyxd's Job object of this pull: what Ctrl-C cancels */
} PullProgress;

static volatile sig_atomic_t pull_interrupted = 0;

static void on_pull_interrupt(int sig) {
        pull_interrupted++;
}

static void pull_progress_done(PullProgress *p) {
        for (size_t i = 0; i < p->n_layers; i++) {
                free(p->layers[i].digest);
                free(p->layers[i].state);
        }
        free(p->layers);
        free(p->job);
        sd_bus_message_unref(p->reply);
}

static const char *state_human(const char *state) {
        static const char *const table[][2] = {
                { "exists",      "Already exists"    },
                { "waiting",     "Waiting"           },
                { "downloading", "Downloading"       },
                { "downloaded",  "Download complete" },
                { "extracting",  "Extracting"        },
                { "done",        "Pull complete"     },
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(state, table[i][0]))
                        return table[i][1];
        return state;
}

static void pull_progress_redraw(PullProgress *p) {
        if (p->n_drawn > 0)
                fprintf(stderr, "\033[%zuA", p->n_drawn);
        for (size_t i = 0; i < p->n_layers; i++) {
                PullLayer *l = &p->layers[i];
                char bar[31] = {};

                fprintf(stderr, "\r\033[K%.12s: %-18s", l->digest + strlen("sha256:"), state_human(l->state));
                if (streq(l->state, "downloading") && l->total > 0 && l->total != UINT64_MAX) {
                        _cleanup_free_ char *a = size_human(l->done), *b = size_human(l->total);
                        size_t w = MIN(l->done, l->total) * 30 / l->total;

                        memset(bar, '=', w);
                        if (w < 30)
                                bar[w] = '>';
                        fprintf(stderr, " [%-30s] %s/%s", bar, strempty(a), strempty(b));
                }
                fputc('\n', stderr);
        }
        p->n_drawn = p->n_layers;
        fflush(stderr);
}

static int on_pull_progress(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        PullProgress *p = userdata;
        const char *reference, *digest, *state;
        uint64_t done, total;
        PullLayer *l = NULL;
        bool changed;

        const char *job = NULL;

        if (sd_bus_message_read(m, "ssstt", &reference, &digest, &state, &done, &total) < 0)
                return 0;
        if (!streq(reference, p->reference) || !startswith(digest, "sha256:"))
                return 0;
        if (!p->job && sd_bus_message_read(m, "o", &job) > 0 && !streq(job, "/"))
                p->job = strdup(job);
        if (p->quiet)
                return 0;
        for (size_t i = 0; i < p->n_layers; i++)
                if (streq(p->layers[i].digest, digest))
                        l = &p->layers[i];
        if (!l) {
                PullLayer *t = reallocarray(p->layers, p->n_layers + 1, sizeof(PullLayer));
                if (!t)
                        return 0;
                p->layers = t;
                l = &p->layers[p->n_layers];
                *l = (PullLayer) { .digest = strdup(digest) };
                if (!l->digest)
                        return 0;
                p->n_layers++;
        }
        changed = !streq_ptr(l->state, state);
        if (free_and_strdup(&l->state, state) < 0)
                return 0;
        l->done = done;
        l->total = total;

        if (p->tty)
                pull_progress_redraw(p);
        else if (changed && !streq(state, "waiting"))
                fprintf(stderr, "%.12s: %s\n", digest + strlen("sha256:"), state_human(state));
        return 0;
}

static int on_pull_reply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        PullProgress *p = userdata;

        p->reply = sd_bus_message_ref(m);
        p->finished = true;
        return 0;
}

int verb_pull(int argc, char *argv[], void *userdata) {
        enum { ARG_PLATFORM = 0x100, ARG_TLS_VERIFY, ARG_CERT_DIR, ARG_CREDS, ARG_MAX_LAYER_SIZE };
        static const struct option options[] = {
                { "help",       no_argument,       NULL, 'h'            },
                { "quiet",      no_argument,       NULL, 'q'            },
                { "platform",   required_argument, NULL, ARG_PLATFORM   },
                { "tls-verify", required_argument, NULL, ARG_TLS_VERIFY },
                { "cert-dir",   required_argument, NULL, ARG_CERT_DIR   },
                { "creds",      required_argument, NULL, ARG_CREDS      },
                { "max-layer-size", required_argument, NULL, ARG_MAX_LAYER_SIZE },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *match = NULL, *slot = NULL;
        _cleanup_(pull_progress_done) PullProgress progress = {};
        uint64_t max_layer_size = 0;
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
                               "     --creds USER:PASS    Credentials for this pull (else those of 'nyxctl login')\n"
                               "     --max-layer-size SIZE  Refuse layers larger than this uncompressed\n"
                               "                          (default 32G; stops decompression bombs)\n");
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
                case ARG_MAX_LAYER_SIZE:
                        if (parse_size(optarg, &max_layer_size) < 0 || max_layer_size == 0) {
                                log_error("pull: --max-layer-size expects a size such as 512M or 40G, got '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_CREDS:
                        r = parse_creds("pull", optarg, &user, &pass);
                        if (r < 0)
                                return r;
                        break;
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
        if (r >= 0 && max_layer_size > 0)
                r = bus_append_sv_uint64(call, "MaxLayerBytes", max_layer_size);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r < 0)
                return log_oom();

        progress.reference = argv[optind];
        progress.tty = isatty(STDERR_FILENO);
        progress.quiet = quiet;
        if (!quiet)
                fprintf(stderr, "Pulling %s...\n", argv[optind]);
        /* Subscribed before the call, so no update is missed; also with -q, for the job's path. */
        r = sd_bus_match_signal(bus, &match, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "PullProgress",
                                on_pull_progress, &progress);
        if (r < 0)
                return log_error_errno(r, "Cannot subscribe to pull progress: %m");
        /* Ctrl-C cancels the pull in nyxd (its Job; as soon as the first progress names it), which then
         * answers: nothing half-done stays. A second one leaves at once. */
        struct sigaction sa = { .sa_handler = on_pull_interrupt };
        (void) sigaction(SIGINT, &sa, NULL);
        (void) sigaction(SIGTERM, &sa, NULL);
        r = sd_bus_call_async(bus, &slot, call, on_pull_reply, &progress, UINT64_MAX - 1);
        if (r < 0)
                return log_error_errno(r, "Cannot call nyxd: %s", bus_error_human(NULL, r));
        bool cancel_sent = false;
        while (!progress.finished) {
                if (pull_interrupted && !cancel_sent && progress.job) {
                        r = sd_bus_call_method_async(bus, NULL, NYX_BUS_NAME, progress.job, NYX_BUS_IFACE_JOB, "Cancel",
                                                     NULL, NULL, NULL);
                        if (r < 0)
                                return log_error_errno(r, "Cannot cancel the pull: %m");
                        cancel_sent = true;
                } else if (pull_interrupted > 1)
                        return 130;   /* a second Ctrl-C: leave now (nyxd goes on or has cancelled) */
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return log_error_errno(r, "Lost the connection to nyxd: %m");
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return log_error_errno(r, "Lost the connection to nyxd: %m");
        }
        if (sd_bus_message_is_method_error(progress.reply, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(progress.reply);
                r = nyxctl_log_bus_error(e, -sd_bus_error_get_errno(e) ?: -EIO, NULL);
                return sd_bus_error_has_name(e, NYX_ERROR_CANCELLED) ? 130 : r;
        }
        r = sd_bus_message_read(progress.reply, "so", &id, &path);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        if (!quiet)
                fprintf(stderr, "Pulled %s\n", argv[optind]);
        printf("%s\n", id);
        return 0;
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

        r = sd_bus_message_enter_container(reply, 'a', "(sasasttso)");
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        while ((r = sd_bus_message_enter_container(reply, 'r', "sasasttso")) > 0) {
                _cleanup_strv_free_ char **names = NULL, **repo_digests = NULL;
                _cleanup_free_ char *size_s = NULL, *created_s = NULL, *age = NULL;
                const char *id, *digest, *path;
                uint64_t size, created;
                char short_id[13];

                r = sd_bus_message_read(reply, "s", &id);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &names);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &repo_digests);
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

                        if ((size_t) (n - names) < strv_length(repo_digests))
                                digest = repo_digests[n - names];
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
                                continue;   /* one line per name, as docker */
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
        int r;

        r = parse_help_only("tag", argc, argv, "nyxctl tag SOURCE TARGET\n\nGive an image another name.\n", 2, 2);
        if (r <= 0)
                return r;
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
        _cleanup_(json_object_putp) json_object *all = json_object_new_array();
        int r, ret = 0;

        r = parse_help_only("image inspect", argc, argv,
                            "nyxctl image inspect IMAGE...\n\nShow images' IDs, names, digests and configs as JSON.\n",
                            1, -1);
        if (r <= 0)
                return r;
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

static int read_line_stdin(bool echo, char **ret) {
        struct termios old, quiet;
        _cleanup_free_ char *line = NULL;
        size_t n = 0;
        bool restore = false;
        ssize_t l;

        if (!echo && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) >= 0) {
                quiet = old;
                quiet.c_lflag &= ~ECHO;
                restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) >= 0;
        }
        l = getline(&line, &n, stdin);
        if (restore) {
                (void) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
                fputc('\n', stderr);
        }
        if (l < 0)
                return -ENODATA;
        line[strcspn(line, "\r\n")] = 0;
        *ret = TAKE_PTR(line);
        return 0;
}

int verb_login(int argc, char *argv[], void *userdata) {
        enum { ARG_PASSWORD_STDIN = 0x100, ARG_TLS_VERIFY, ARG_CERT_DIR };
        static const struct option options[] = {
                { "help",           no_argument,       NULL, 'h'                },
                { "username",       required_argument, NULL, 'u'                },
                { "password",       required_argument, NULL, 'p'                },
                { "password-stdin", no_argument,       NULL, ARG_PASSWORD_STDIN },
                { "tls-verify",     required_argument, NULL, ARG_TLS_VERIFY     },
                { "cert-dir",       required_argument, NULL, ARG_CERT_DIR       },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *user = NULL, *pass = NULL, *cert_dir = NULL;
        bool password_stdin = false;
        int tls_verify = -1, c, r;
        const char *registry = "docker.io", *key;

        verb_getopt_reset();
        while ((c = verb_getopt("login", argc, argv, ":hu:p:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl login [OPTIONS] [REGISTRY]\n\n"
                               "Check credentials with a registry (default docker.io) and store them for pulls.\n\n"
                               "  -u --username USER      User name (asked for on a terminal otherwise)\n"
                               "  -p --password PASS      Password (visible to other users: prefer --password-stdin)\n"
                               "     --password-stdin     Read the password from standard input\n"
                               "     --tls-verify=false   Accept any certificate, and plain http\n"
                               "     --cert-dir DIR       CA certificates (*.crt) for the registry\n");
                        return 0;
                case 'u':
                        if (free_and_strdup(&user, optarg) < 0)
                                return log_oom();
                        break;
                case 'p':
                        if (free_and_strdup(&pass, optarg) < 0)
                                return log_oom();
                        break;
                case ARG_PASSWORD_STDIN:
                        password_stdin = true;
                        break;
                case ARG_TLS_VERIFY:
                        tls_verify = parse_boolean(optarg);
                        if (tls_verify < 0) {
                                log_error("login: --tls-verify expects true or false, got '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_CERT_DIR:
                        cert_dir = realpath(optarg, NULL);
                        if (!cert_dir)
                                return log_error_errno(errno, "login: --cert-dir %s: %m", optarg);
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "login", argc - optind, argv + optind, 0, 1) < 0)
                return -EINVAL;
        if (optind < argc)
                registry = argv[optind];
        if (pass && password_stdin) {
                log_error("login: use either --password or --password-stdin");
                return -EINVAL;
        }
        if (password_stdin && !user) {
                log_error("login: --password-stdin needs --username");
                return -EINVAL;
        }
        if (!user) {
                if (!isatty(STDIN_FILENO)) {
                        log_error("login: no --username given and no terminal to ask on");
                        return -EINVAL;
                }
                fprintf(stderr, "Username: ");
                if (read_line_stdin(true, &user) < 0 || isempty(user)) {
                        log_error("login: no user name");
                        return -EINVAL;
                }
        }
        if (!pass) {
                if (!password_stdin && !isatty(STDIN_FILENO)) {
                        log_error("login: no password given: use --password-stdin or -p");
                        return -EINVAL;
                }
                if (!password_stdin)
                        fprintf(stderr, "Password: ");
                if (read_line_stdin(password_stdin, &pass) < 0 || isempty(pass)) {
                        log_error("login: no password");
                        return -EINVAL;
                }
        }

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "Login");
        if (r >= 0)
                r = sd_bus_message_append(call, "sss", registry, user, pass);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0 && tls_verify >= 0)
                r = bus_append_sv_bool(call, "TlsVerify", tls_verify);
        if (r >= 0 && cert_dir)
                r = bus_append_sv_string(call, "CertDir", cert_dir);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        explicit_bzero(pass, strlen(pass));
        if (r < 0)
                return log_oom();
        r = sd_bus_call(bus, call, UINT64_MAX - 1, &error, &reply);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read(reply, "s", &key);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        printf("Login Succeeded (%s)\n", key);
        return 0;
}

int verb_logout(int argc, char *argv[], void *userdata) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *key;
        int r;

        r = parse_help_only("logout", argc, argv,
                            "nyxctl logout [REGISTRY]\n\nForget the credentials stored for a registry (default docker.io).\n",
                            0, 1);
        if (r <= 0)
                return r;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "Logout", &error, &reply, "sa{sv}",
                               optind < argc ? argv[optind] : "docker.io", 0);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read(reply, "s", &key);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        printf("Removed login credentials for %s\n", key);
        return 0;
}

int verb_push(int argc, char *argv[], void *userdata) {
        enum { ARG_TLS_VERIFY = 0x100, ARG_CERT_DIR, ARG_CREDS };
        static const struct option options[] = {
                { "help",       no_argument,       NULL, 'h'            },
                { "quiet",      no_argument,       NULL, 'q'            },
                { "tls-verify", required_argument, NULL, ARG_TLS_VERIFY },
                { "cert-dir",   required_argument, NULL, ARG_CERT_DIR   },
                { "creds",      required_argument, NULL, ARG_CREDS      },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *cert_dir = NULL, *user = NULL;
        const char *pass = NULL, *digest, *dest;
        uint32_t uploaded, mounted, existing;
        int tls_verify = -1, c, r;
        bool quiet = false;

        verb_getopt_reset();
        while ((c = verb_getopt("push", argc, argv, ":hq", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl push [OPTIONS] IMAGE [DESTINATION]\n\n"
                               "Push an image to a registry: to the name IMAGE has, or to DESTINATION.\n"
                               "Blobs the registry has are not sent again; blobs it has in another\n"
                               "repository are mounted from there.\n\n"
                               "  -q --quiet              Print only the manifest digest\n"
                               "     --tls-verify=false   Accept any certificate, and plain http\n"
                               "     --cert-dir DIR       CA certificates (*.crt) for the registry\n"
                               "     --creds USER:PASS    Credentials for this push (else those of 'nyxctl login')\n");
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case ARG_TLS_VERIFY:
                        tls_verify = parse_boolean(optarg);
                        if (tls_verify < 0) {
                                log_error("push: --tls-verify expects true or false, got '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_CERT_DIR:
                        cert_dir = realpath(optarg, NULL);
                        if (!cert_dir)
                                return log_error_errno(errno, "push: --cert-dir %s: %m", optarg);
                        break;
                case ARG_CREDS:
                        r = parse_creds("push", optarg, &user, &pass);
                        if (r < 0)
                                return r;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "push", argc - optind, argv + optind, 1, 2) < 0)
                return -EINVAL;
        dest = optind + 1 < argc ? argv[optind + 1] : argv[optind];

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "PushImage");
        if (r >= 0)
                r = sd_bus_message_append(call, "ss", argv[optind], dest);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
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
                fprintf(stderr, "Pushing %s to %s...\n", argv[optind], dest);
        r = sd_bus_call(bus, call, UINT64_MAX - 1, &error, &reply);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read(reply, "suuu", &digest, &uploaded, &mounted, &existing);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        if (!quiet)
                fprintf(stderr, "Blobs: %u uploaded, %u mounted from another repository, %u already there\n",
                        uploaded, mounted, existing);
        printf("%s\n", digest);
        return 0;
}

int verb_save(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *output = NULL;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("save", argc, argv, ":ho:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl save [-o FILE] IMAGE...\n\n"
                               "Write images to a tar archive (standard output by default) in the format of\n"
                               "'docker save': an OCI layout plus docker's manifest.json, so that docker,\n"
                               "podman, skopeo (docker-archive: or oci-archive:) and 'nyxctl load' read it.\n\n"
                               "  -o --output FILE   Write to FILE (replaced only once complete)\n");
                        return 0;
                case 'o':
                        output = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "save", argc - optind, argv + optind, 1, -1) < 0)
                return -EINVAL;
        if (output) {
                if (asprintf(&tmp, "%s.nyx-XXXXXX", output) < 0)
                        return log_oom();
                fd = mkostemp(tmp, O_CLOEXEC);
                if (fd < 0)
                        return log_error_errno(errno, "save: cannot create %s: %m", tmp);
                (void) fchmod(fd, 0644);
        } else {
                if (isatty(STDOUT_FILENO)) {
                        log_error("save: refusing to write an archive to a terminal; use -o FILE or redirect");
                        return -EINVAL;
                }
                fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return log_error_errno(errno, "save: %m");
        }

        r = nyxctl_bus(&bus);
        if (r >= 0)
                r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER,
                                                   "SaveImages");
        if (r >= 0)
                r = sd_bus_message_append_strv(call, argv + optind);
        if (r >= 0)
                r = sd_bus_message_append(call, "ha{sv}", fd, 0);
        if (r >= 0) {
                r = sd_bus_call(bus, call, UINT64_MAX - 1, &error, NULL);
                if (r < 0)
                        r = nyxctl_log_bus_error(&error, r, NULL);
        } else
                log_error_errno(r, "save: cannot call nyxd: %m");
        if (r < 0) {
                if (tmp)
                        (void) unlink(tmp);
                return r;
        }
        if (tmp) {
                if (fsync(fd) < 0 || rename(tmp, output) < 0) {
                        r = log_error_errno(errno, "save: cannot write %s: %m", output);
                        (void) unlink(tmp);
                        return r;
                }
        }
        return 0;
}

int verb_load(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",  no_argument,       NULL, 'h' },
                { "input", required_argument, NULL, 'i' },
                { "quiet", no_argument,       NULL, 'q' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *input = NULL, *id, *name;
        bool quiet = false;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("load", argc, argv, ":hi:q", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl load [-i FILE] [-q]\n\n"
                               "Load images from a tar archive (standard input by default): 'docker save'\n"
                               "output (docker-archive), an oci-archive, either maybe compressed.\n\n"
                               "  -i --input FILE   Read from FILE\n"
                               "  -q --quiet        Print nothing\n");
                        return 0;
                case 'i':
                        input = optarg;
                        break;
                case 'q':
                        quiet = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "load", argc - optind, argv + optind, 0, 0) < 0)
                return -EINVAL;
        if (input) {
                fd = open(input, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return log_error_errno(errno, "load: cannot open %s: %m", input);
        } else {
                if (isatty(STDIN_FILENO)) {
                        log_error("load: standard input is a terminal; use -i FILE or redirect");
                        return -EINVAL;
                }
                fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return log_error_errno(errno, "load: %m");
        }
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "LoadImages", &error, &reply,
                               "ha{sv}", fd, 0);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_enter_container(reply, 'a', "(ss)");
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        while ((r = sd_bus_message_read(reply, "(ss)", &id, &name)) > 0) {
                _cleanup_(image_ref_freep) ImageRef *ref = NULL;
                _cleanup_free_ char *familiar = NULL;

                if (quiet)
                        continue;
                if (image_ref_parse(name, &ref, NULL) >= 0)
                        (void) image_ref_to_familiar(ref, &familiar);
                printf("Loaded image: %s (%.19s)\n", familiar ?: name, id);
        }
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        return 0;
}

int verb_import(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",    no_argument,       NULL, 'h' },
                { "message", required_argument, NULL, 'm' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *message = NULL, *id, *path;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("import", argc, argv, ":hm:", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl import [-m MESSAGE] FILE|- REPOSITORY[:TAG]\n\n"
                               "Make a one-layer image of a root file system tarball (maybe compressed).\n\n"
                               "  -m --message TEXT   A comment for the image's history\n");
                        return 0;
                case 'm':
                        message = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "import", argc - optind, argv + optind, 2, 2) < 0)
                return -EINVAL;
        if (streq(argv[optind], "-")) {
                if (isatty(STDIN_FILENO)) {
                        log_error("import: standard input is a terminal; give a FILE or redirect");
                        return -EINVAL;
                }
                fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
        } else
                fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "import: cannot open %s: %m", argv[optind]);

        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &call, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "ImportImage");
        if (r >= 0)
                r = sd_bus_message_append(call, "hs", fd, argv[optind + 1]);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0 && message)
                r = bus_append_sv_string(call, "Message", message);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r < 0)
                return log_oom();
        r = sd_bus_call(bus, call, UINT64_MAX - 1, &error, &reply);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read(reply, "so", &id, &path);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        printf("%s\n", id);
        return 0;
}

int verb_history(int argc, char *argv[], void *userdata) {
        enum { ARG_NO_TRUNC = 0x100, ARG_JSON };
        static const struct option options[] = {
                { "help",     no_argument, NULL, 'h'          },
                { "quiet",    no_argument, NULL, 'q'          },
                { "no-trunc", no_argument, NULL, ARG_NO_TRUNC },
                { "json",     no_argument, NULL, ARG_JSON     },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *cfg = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *config = NULL, *rows = json_object_new_array();
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_free_ char *id = NULL;
        json_object *history = NULL;
        const char *path, *text;
        bool quiet = false, no_trunc = false, json = false;
        size_t n;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("history", argc, argv, ":hq", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl history [OPTIONS] IMAGE\n\n"
                               "Show how an image was built, newest step first.\n\n"
                               "  -q --quiet      Only the image ID (for the newest step)\n"
                               "     --no-trunc   Do not shorten the commands\n"
                               "     --json       JSON array\n");
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case ARG_NO_TRUNC:
                        no_trunc = true;
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "history", argc - optind, argv + optind, 1, 1) < 0)
                return -EINVAL;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "GetImage", &error, &reply,
                               "s", argv[optind]);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_IMAGE, "Id", &error, &id);
        if (r >= 0)
                r = sd_bus_call_method(bus, NYX_BUS_NAME, path, NYX_BUS_IFACE_IMAGE, "InspectConfig", &error, &cfg, "");
        if (r >= 0)
                r = sd_bus_message_read(cfg, "s", &text);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        if (quiet) {
                printf("%.12s\n", id + strlen("sha256:"));
                return 0;
        }
        config = json_tokener_parse(text);
        if (config)
                (void) json_object_object_get_ex(config, "history", &history);
        n = history && json_object_is_type(history, json_type_array) ? json_object_array_length(history) : 0;

        t = table_new("CREATED", "CREATED BY", "COMMENT", NULL);
        if (!t)
                return log_oom();
        for (size_t k = n; k > 0; k--) {
                json_object *h = json_object_array_get_idx(history, k - 1), *v;
                const char *created = "", *by = "", *comment = "";
                _cleanup_free_ char *by_s = NULL;

                if (json_object_object_get_ex(h, "created", &v))
                        created = json_object_get_string(v);
                if (json_object_object_get_ex(h, "created_by", &v))
                        by = json_object_get_string(v);
                if (json_object_object_get_ex(h, "comment", &v))
                        comment = json_object_get_string(v);
                if (json) {
                        json_object_array_add(rows, json_object_get(h));
                        continue;
                }
                by_s = !no_trunc && strlen(by) > 45 ? strjoin(strndupa(by, 44), "…") : strdup(by);
                if (!by_s || table_add_row(t, created, by_s, comment) < 0)
                        return log_oom();
        }
        if (json) {
                printf("%s\n", json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                return 0;
        }
        return table_print(t, stdout, true);
}

static int verb_image_prune(int argc, char *argv[], void *userdata) {
        static const struct option options[] = {
                { "help",  no_argument, NULL, 'h' },
                { "all",   no_argument, NULL, 'a' },
                { "force", no_argument, NULL, 'f' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **deleted = NULL;
        bool all = false, force = false;
        int c, r;

        verb_getopt_reset();
        while ((c = verb_getopt("image prune", argc, argv, ":haf", options)) >= 0)
                switch (c) {
                case 'h':
                        printf("nyxctl image prune [-a] [-f]\n\n"
                               "Remove blobs and layers no image uses; with -a also every image no container uses.\n\n"
                               "  -a --all     Remove all images not used by a container\n"
                               "  -f --force   Do not ask for confirmation\n");
                        return 0;
                case 'a':
                        all = true;
                        break;
                case 'f':
                        force = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (verb_check_args("nyxctl", "image prune", argc - optind, argv + optind, 0, 0) < 0)
                return -EINVAL;
        /* docker's questions */
        if (!force && !confirm_prune(all ? "This will remove all images without at least one container associated to them." :
                                           "This will remove all dangling images."))
                return 0;
        r = nyxctl_bus(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, NYX_BUS_NAME, NYX_BUS_PATH, NYX_BUS_IFACE_MANAGER, "PruneImages", &error, &reply,
                               "a{sv}", 1, "All", "b", (int) all);
        if (r < 0)
                return nyxctl_log_bus_error(&error, r, NULL);
        r = sd_bus_message_read_strv(reply, &deleted);
        if (r < 0)
                return log_error_errno(r, "Bad reply from nyxd: %m");
        STRV_FOREACH(d, deleted)
                printf("Deleted: %s\n", *d);
        return 0;
}

/* "nyxctl image ls|rm|pull|inspect|tag ..." as aliases of the top-level verbs. */
int verb_image(int argc, char *argv[], void *userdata) {
        static const struct { const char *name; int (*fn)(int, char **, void *); } sub[] = {
                { "ls", verb_images }, { "list", verb_images }, { "rm", verb_rmi }, { "pull", verb_pull },
                { "inspect", verb_image_inspect }, { "tag", verb_tag }, { "push", verb_push },
                { "save", verb_save }, { "load", verb_load }, { "import", verb_import },
                { "history", verb_history }, { "prune", verb_image_prune },
        };

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("nyxctl image COMMAND\n\nCommands: ls, rm, pull, push, inspect, tag, save, load, import, history, prune\n");
                return argc < 2 ? -EINVAL : 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(sub); i++)
                if (streq(argv[1], sub[i].name))
                        return sub[i].fn(argc - 1, argv + 1, userdata);
        log_error("image: unknown command '%s'. See 'nyxctl image --help'.", argv[1]);
        return -EINVAL;
}

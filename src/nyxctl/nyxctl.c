/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "nyxctl.h"
#include "verbs.h"

static int verb_help(int argc, char *argv[], void *userdata);

static const Verb verbs[] = {
        { "run",     0,            verb_run,     "Create and start a container"              },
        { "create",  0,            verb_create,  "Create a container"                        },
        { "start",   0,            verb_start,   "Start containers"                          },
        { "stop",    0,            verb_stop,    "Stop containers"                           },
        { "restart", 0,            verb_restart, "Restart containers"                        },
        { "kill",    0,            verb_kill,    "Send a signal to containers"               },
        { "rm",      0,            verb_rm,      "Remove containers"                         },
        { "ps",      0,            verb_ps,      "List containers"                           },
        { "logs",    0,            verb_logs,    "Show a container's output"                 },
        { "inspect", 0,            verb_inspect, "Show a container's configuration and state" },
        { "port",    0,            verb_port,    "List a container's published ports"        },
        { "wait",    0,            verb_wait,    "Wait for containers to exit"               },
        { "exec",    0,            verb_exec,    "Run a command in a running container"      },
        { "attach",  0,            verb_attach,  "Attach to a running container's terminal" },
        { "stats",   0,            verb_stats,   "Show containers' CPU, memory and process use" },
        { "top",     0,            verb_top,     "Show the processes of a container"         },
        { "update",  0,            verb_update,  "Change containers' limits, live"           },
        { "pause",   0,            verb_pause,   "Freeze containers' processes"              },
        { "unpause", 0,            verb_unpause, "Thaw paused containers"                    },
        { "rename",  0,            verb_rename,  "Rename a stopped container"                },
        { "container", 0,          verb_container, "Manage containers (prune, ls, ...)"      },
        { "cp",      0,            verb_cp,      "Copy files between a container and the host" },
        { "pull",    0,            verb_pull,    "Pull an image from a registry"             },
        { "images",  0,            verb_images,  "List images"                               },
        { "rmi",     0,            verb_rmi,     "Remove images"                             },
        { "tag",     0,            verb_tag,     "Give an image another name"                },
        { "image",   0,            verb_image,   "Manage images (ls, rm, pull, push, inspect, tag, prune, ...)" },
        { "login",   0,            verb_login,   "Log in to a registry"                      },
        { "logout",  0,            verb_logout,  "Log out of a registry"                     },
        { "push",    0,            verb_push,    "Push an image to a registry"               },
        { "save",    0,            verb_save,    "Write images to a tar archive"             },
        { "load",    0,            verb_load,    "Load images from a tar archive"            },
        { "import",  0,            verb_import,  "Make an image of a root file system tarball" },
        { "history", 0,            verb_history, "Show the history of an image"              },
        { "volume",  0,            verb_volume,  "Manage volumes (create, ls, inspect, rm, prune)" },
        { "network", 0,            verb_network, "Manage networks (create, ls, inspect, rm, prune)" },
        { "info",    0,            verb_info,    "Show information about nyxd and this host" },
        { "version", 0,            verb_version, "Show client, daemon and runtime versions"  },
        { "help",    VERB_HIDDEN,  verb_help,    "Show this help"                            },
        {}
};

static void help(void) {
        printf("nyxctl [OPTIONS...] COMMAND [ARGS...]\n\n"
               "Run OCI containers as systemd units, through nyxd (org.nyx.engine1).\n\n"
               "Commands:\n");
        for (const Verb *v = verbs; v->dispatch; v++)
                if (!(v->flags & VERB_HIDDEN))
                        printf("  %-10s %s\n", v->name, v->summary);
        printf("\nOptions:\n"
               "  -h --help       Show this help\n"
               "     --version    Show the version\n\n"
               "Run 'nyxctl COMMAND --help' for a command's options.\n"
               "The system bus is used; $DBUS_SYSTEM_BUS_ADDRESS overrides its address.\n");
}

static int verb_help(int argc, char *argv[], void *userdata) {
        help();
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100 };
        static const struct option options[] = {
                { "help",    no_argument, NULL, 'h'         },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        int c;

        /* "+": stop at the verb, whose own flags follow it. */
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("nyxctl %s\n", NYX_VERSION);
                        return 0;
                default:
                        if (optopt)
                                log_error("unknown option '-%c'. See 'nyxctl --help'.", optopt);
                        else
                                log_error("unknown option '%s'. See 'nyxctl --help'.", argv[optind - 1]);
                        return -EINVAL;
                }
        return 1;
}

int main(int argc, char *argv[]) {
        int r;

        log_set_prefix("nyxctl");
        log_parse_environment();

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        if (optind >= argc) {
                help();
                return EXIT_FAILURE;
        }

        r = dispatch_verb("nyxctl", argc, argv, verbs, NULL);
        return r < 0 ? EXIT_FAILURE : r;
}

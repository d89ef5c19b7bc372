/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include <json-c/json.h>
#include <systemd/sd-bus.h>

#include "journal-logs.h"
#include "macro.h"
#include "verbs.h"

/* Connect to nyxd's bus ($DBUS_SYSTEM_BUS_ADDRESS overrides the default). */
int nyxctl_bus(sd_bus **ret);

/* Report a failed bus call as one line, "nyxctl: <what went wrong>". */
int nyxctl_log_bus_error(const sd_bus_error *error, int r, const char *what);

/* getopt_long() for a verb: prints "nyxctl VERB: unknown option '--x'" and
 * similar itself. Returns the option, -1 at the end, or '?' after an error.
 * The optstring given must start with ':'. */
int verb_getopt(const char *verb, int argc, char *argv[], const char *optstring, const struct option *options);

/* Start each verb's option loop with this. */
static inline void verb_getopt_reset(void) {
        optind = 0;
}

/* The option loop of a verb that has no options but --help (printing usage),
 * then min..max arguments (max -1: no limit). Returns 0 after --help, 1 to go
 * on, or -EINVAL (reported). */
int parse_help_only(const char *verb, int argc, char *argv[], const char *usage, int min, int max);

/* Resolve a container's name or ID to its object path (errors logged). */
int container_lookup(sd_bus *bus, const char *name_or_id, char **ret_path);
int container_get_string(sd_bus *bus, const char *path, const char *property, char **ret);
/* --creds USER:PASSWORD; the password points into arg. Errors logged. */
int parse_creds(const char *verb, const char *arg, char **ret_user, const char **ret_pass);

/* Look the container up by name or ID and call method on it (errors logged). */
int container_call(sd_bus *bus, const char *name, const char *method, sd_bus_message **ret_reply,
                   const char *types, ...);
/* container_call() with the same arguments on each of n_names containers,
 * printing each name that succeeded; returns the last error (all logged), or 0. */
int container_call_each(sd_bus *bus, char **names, size_t n_names, const char *method, const char *types, ...);
/* Where a container's output is in the journal (see journal-logs.h); the
 * strings src points to are returned for the caller to free. */
int container_log_source(sd_bus *bus, const char *path, LogSource *src, char **ret_id, char **ret_ident);

/* docker's prune question: prints "WARNING! <what>" and asks; true when the answer is y. */
bool confirm_prune(const char *what);

/* An object's Inspect JSON: its path from the Manager's get_method (GetNetwork, GetVolume), then its
 * interface's Inspect(). Errors are logged. */
int inspect_object(sd_bus *bus, const char *get_method, const char *interface, const char *name, json_object **ret);

/* `inspect` of several objects: one JSON array of what inspect_one returns for each name, or with a
 * format, format_template() of each on a line. Names that fail are reported by inspect_one and make
 * the result negative; the others are still shown. */
typedef int (*inspect_one_t)(sd_bus *bus, const char *name, json_object **ret);
int print_inspected(sd_bus *bus, const char *verb, char **names, size_t n_names, const char *format,
                    inspect_one_t inspect_one);

/* Verbs return a negative errno (already reported) or the exit status. */
int verb_info(int argc, char *argv[], void *userdata);
int verb_create(int argc, char *argv[], void *userdata);
int verb_run(int argc, char *argv[], void *userdata);
int verb_start(int argc, char *argv[], void *userdata);
int verb_stop(int argc, char *argv[], void *userdata);
int verb_restart(int argc, char *argv[], void *userdata);
int verb_kill(int argc, char *argv[], void *userdata);
int verb_rm(int argc, char *argv[], void *userdata);
int verb_ps(int argc, char *argv[], void *userdata);
int verb_logs(int argc, char *argv[], void *userdata);
int verb_inspect(int argc, char *argv[], void *userdata);
int verb_port(int argc, char *argv[], void *userdata);
int verb_wait(int argc, char *argv[], void *userdata);
int verb_exec(int argc, char *argv[], void *userdata);
int verb_attach(int argc, char *argv[], void *userdata);
int verb_stats(int argc, char *argv[], void *userdata);
int verb_top(int argc, char *argv[], void *userdata);
int verb_update(int argc, char *argv[], void *userdata);
int verb_pause(int argc, char *argv[], void *userdata);
int verb_unpause(int argc, char *argv[], void *userdata);
int verb_rename(int argc, char *argv[], void *userdata);
int verb_container(int argc, char *argv[], void *userdata);
int verb_cp(int argc, char *argv[], void *userdata);
int verb_pull(int argc, char *argv[], void *userdata);
int verb_images(int argc, char *argv[], void *userdata);
int verb_rmi(int argc, char *argv[], void *userdata);
int verb_tag(int argc, char *argv[], void *userdata);
int verb_image_inspect(int argc, char *argv[], void *userdata);
int verb_image(int argc, char *argv[], void *userdata);
int verb_login(int argc, char *argv[], void *userdata);
int verb_logout(int argc, char *argv[], void *userdata);
int verb_push(int argc, char *argv[], void *userdata);
int verb_save(int argc, char *argv[], void *userdata);
int verb_load(int argc, char *argv[], void *userdata);
int verb_import(int argc, char *argv[], void *userdata);
int verb_history(int argc, char *argv[], void *userdata);
int verb_volume(int argc, char *argv[], void *userdata);
int verb_network(int argc, char *argv[], void *userdata);
int verb_version(int argc, char *argv[], void *userdata);

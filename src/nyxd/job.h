/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

typedef struct Manager Manager;

/* A long operation in flight (a pull), as an object on the bus while it runs:
 * /org/nyx/engine1/job/N, org.nyx.engine1.Job, with its progress as properties (PropertiesChanged)
 * and Cancel(). The operation's own method call is answered once, when it ended; the object goes
 * then (InterfacesRemoved). */
typedef struct Job Job;

/* type: "pull"; target: what it works on (the reference). The object is announced (InterfacesAdded). */
int job_new(Manager *m, const char *type, const char *target, Job **ret);
const char *job_object_path(const Job *j);
/* The worker Cancel kills: it must be safe to kill at any moment. */
void job_set_worker(Job *j, pid_t pid);
/* Progress of one part (a layer: its digest, state, bytes done and total). */
void job_update_part(Job *j, const char *name, const char *state, uint64_t done, uint64_t total);
bool job_cancelled(const Job *j);
/* It ended: the object goes. */
void job_finish(Job *j);

int job_dbus_register(Manager *m);

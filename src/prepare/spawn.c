/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

int spawn_wait(char *const argv[], bool quiet) {
        int status;
        pid_t pid;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                (void) unsetenv("NOTIFY_SOCKET");
                if (quiet) {
                        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                        if (null >= 0)
                                (void) dup2(null, STDOUT_FILENO);
                }
                execv(argv[0], argv);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Sends fd over the AF_UNIX socket sock (SCM_RIGHTS, one byte of data). 0 or a negative errno. */
int send_one_fd(int sock, int fd);

/* Receives one fd from sock without blocking (crun's console socket, a caller's): the fd
 * (O_CLOEXEC), further fds of the message closed; -EAGAIN when nothing is there, -ECONNRESET at
 * EOF, -EBADMSG for a message without one. */
int receive_one_fd(int sock);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Relaying a container's pty master to our stdio: see nyxctl-tty.h. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "nyxctl-tty.h"
#include "string-util.h"

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN) {
                        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
                        (void) poll(&pfd, 1, -1);
                        continue;
                }
                if (k <= 0)
                        return k < 0 ? -errno : -EIO;
                p += k;
                n -= k;
        }
        return 0;
}

/* Copy what the terminal has for us; false when it has nothing more (EOF, EIO: the slave is gone). */
static bool relay_master_output(TTYRelay *t) {
        char buf[8192];
        ssize_t n;

        n = read(t->master_fd, buf, sizeof(buf));
        if (n < 0 && IN_SET(errno, EAGAIN, EINTR))
                return true;
        if (n <= 0) {
                bool had = t->master_source;

                t->master_source = sd_event_source_disable_unref(t->master_source);
                if (had && t->on_master_end)
                        t->on_master_end(t, t->userdata);
                return false;
        }
        (void) write_all(STDOUT_FILENO, buf, n);
        return true;
}

static int on_master(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        (void) relay_master_output(userdata);
        return 0;
}

/* Our input to the master, holding back what may be the start of the detach sequence. */
static void relay_input(TTYRelay *t, const char *buf, size_t n) {
        char out[8192 + sizeof(t->detach_keys)];
        size_t k = 0;

        if (t->n_detach_keys == 0) {
                (void) write_all(t->master_fd, buf, n);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                if (t->n_detach_matched > 0 && buf[i] != t->detach_keys[t->n_detach_matched]) {
                        /* Not the sequence after all: what we held back was input. */
                        memcpy(out + k, t->detach_keys, t->n_detach_matched);
                        k += t->n_detach_matched;
                        t->n_detach_matched = 0;
                }
                if (buf[i] == t->detach_keys[t->n_detach_matched]) {
                        if (++t->n_detach_matched < t->n_detach_keys)
                                continue;
                        /* Whatever came before the sequence still goes in; nothing after it. */
                        (void) write_all(t->master_fd, out, k);
                        t->n_detach_matched = 0;
                        t->detached = true;
                        t->stdin_source = sd_event_source_disable_unref(t->stdin_source);
                        if (t->on_detach)
                                t->on_detach(t, t->userdata);
                        return;
                }
                out[k++] = buf[i];
                if (k >= 8192) {
                        (void) write_all(t->master_fd, out, k);
                        k = 0;
                }
        }
        (void) write_all(t->master_fd, out, k);
}

/* Copy a chunk of our input to the terminal; false at its end. */
static bool relay_stdin(TTYRelay *t) {
        char buf[8192];
        ssize_t n;

        n = read(STDIN_FILENO, buf, sizeof(buf));
        if (n < 0 && IN_SET(errno, EAGAIN, EINTR))
                return true;
        if (n <= 0) {
                /* The end of our input: the terminal's end-of-file character, as typing ^D would;
                 * twice after a partial line, whose rest the first one only hands over. */
                char eof[2];
                eof[0] = eof[1] = t->termios_saved ? (char) t->saved_termios.c_cc[VEOF] : 4;
                (void) write_all(t->master_fd, eof, t->input_mid_line ? 2 : 1);
                t->stdin_source = sd_event_source_disable_unref(t->stdin_source);
                return false;
        }
        relay_input(t, buf, n);
        t->input_mid_line = buf[n - 1] != '\n' && buf[n - 1] != '\r';
        return !t->detached;
}

static int on_stdin(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        (void) relay_stdin(userdata);
        return 0;
}

int tty_get_window_size(unsigned *ret_rows, unsigned *ret_columns) {
        struct winsize ws = {};

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
                return -ENOTTY;
        *ret_rows = ws.ws_row;
        *ret_columns = ws.ws_col;
        return 0;
}

void tty_relay_copy_window_size(TTYRelay *t) {
        struct winsize ws;

        if (t->master_fd < 0)
                return;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
                return;
        (void) ioctl(t->master_fd, TIOCSWINSZ, &ws);
}

static int on_winch(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        tty_relay_copy_window_size(userdata);
        return 0;
}

int tty_relay_start(TTYRelay *t, sd_event *event, int master_fd) {
        sigset_t mask;
        int r;

        t->event = event;
        t->master_fd = master_fd;
        (void) fcntl(master_fd, F_SETFL, fcntl(master_fd, F_GETFL) | O_NONBLOCK);
        tty_relay_copy_window_size(t);

        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_add_signal(event, &t->winch_source, SIGWINCH, on_winch, t);
        if (r < 0 && r != -EBUSY)
                return r;

        if (t->forward_stdin && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved_termios) >= 0) {
                struct termios raw = t->saved_termios;

                /* Raw: ^C, ^Z and friends are bytes for the container's terminal, not signals for us. */
                cfmakeraw(&raw);
                raw.c_oflag = t->saved_termios.c_oflag;
                if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) >= 0)
                        t->termios_saved = true;
        }

        r = sd_event_add_io(event, &t->master_source, master_fd, EPOLLIN, on_master, t);
        if (r < 0)
                return r;
        if (t->forward_stdin) {
                r = sd_event_add_io(event, &t->stdin_source, STDIN_FILENO, EPOLLIN, on_stdin, t);
                if (r == -EPERM) {
                        /* A regular file, which epoll cannot watch: it is all there, send it now. */
                        while (relay_stdin(t))
                                ;
                        r = 0;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

void tty_relay_drain(TTYRelay *t) {
        while (t->master_fd >= 0 && t->master_source && relay_master_output(t)) {
                struct pollfd pfd = { .fd = t->master_fd, .events = POLLIN };
                if (poll(&pfd, 1, 0) <= 0)
                        break;
        }
}

void tty_relay_restore(TTYRelay *t) {
        if (t->termios_saved) {
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &t->saved_termios);
                t->termios_saved = false;
        }
}

void tty_relay_done(TTYRelay *t) {
        t->stdin_source = sd_event_source_disable_unref(t->stdin_source);
        t->master_source = sd_event_source_disable_unref(t->master_source);
        t->winch_source = sd_event_source_disable_unref(t->winch_source);
        tty_relay_restore(t);
        t->master_fd = safe_close(t->master_fd);
}

int tty_receive_fd(int sock) {
        char byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        struct cmsghdr *c;
        ssize_t n;
        int fd;

        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (n < 0)
                return -errno;
        c = CMSG_FIRSTHDR(&mh);
        if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
                return n == 0 ? -ECONNRESET : -EBADMSG;
        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        return fd;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The client side of a container's terminal (exec -t, run -t, attach): nyxctl holds a pty master
 * (received from nyxd) and relays it to its own stdio, with our terminal in raw mode while stdin is
 * relayed (so ^C, ^Z and friends are bytes for the container's line discipline, not signals for us),
 * the container's window size following ours (TIOCSWINSZ on the master at the start and on SIGWINCH),
 * and an optional detach key sequence (docker's ctrl-p,ctrl-q) that ends the session and leaves the
 * container running. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

#include <systemd/sd-event.h>

typedef struct TTYRelay TTYRelay;
struct TTYRelay {
        sd_event *event;
        int master_fd;             /* owned */
        bool forward_stdin;

        /* Called once when the master has nothing more (EOF, EIO: the container's side is gone). */
        void (*on_master_end)(TTYRelay *t, void *userdata);
        /* Called when the detach sequence was typed (the session should end). */
        void (*on_detach)(TTYRelay *t, void *userdata);
        void *userdata;

        char detach_keys[16];
        size_t n_detach_keys;      /* 0: no detach sequence */
        size_t n_detach_matched;   /* typed so far (held back) */
        bool detached;

        sd_event_source *stdin_source;
        sd_event_source *master_source;
        sd_event_source *winch_source;
        struct termios saved_termios;
        bool termios_saved;
        bool input_mid_line;       /* the last byte we relayed was not a newline */
};

#define TTY_RELAY_INIT { .master_fd = -EBADF }

/* Take master_fd (made non-blocking), copy our window size to it, put our terminal into raw mode
 * when stdin is relayed and is a terminal, and start relaying. */
int tty_relay_start(TTYRelay *t, sd_event *event, int master_fd);

/* Copy what the master still has for us (after the container ended), without waiting. */
void tty_relay_drain(TTYRelay *t);

/* Give our terminal its old mode back (also done by tty_relay_done). */
void tty_relay_restore(TTYRelay *t);

/* Our window size to the master. */
void tty_relay_copy_window_size(TTYRelay *t);

void tty_relay_done(TTYRelay *t);

/* Receive one fd sent with SCM_RIGHTS on sock (non-blocking): -EAGAIN when nothing is there yet,
 * -ECONNRESET when the other end closed without sending one. */
int tty_receive_fd(int sock);

/* The window size of our terminal (stdout, else stdin); -ENOTTY when neither is one. */
int tty_get_window_size(unsigned *ret_rows, unsigned *ret_columns);

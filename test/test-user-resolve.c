/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "path-util.h"
#include "string-util.h"
#include "tests.h"
#include "user-resolve.h"

static const char passwd[] =
        "root:x:0:0:root:/root:/bin/sh\n"
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        "user:x:1000:1000:A User,,,:/home/user:/bin/sh\n"
        "nohome:x:1001:1001::\n";

static const char group[] =
        "root:x:0:\n"
        "wheel:x:10:root,user\n"
        "user:x:1000:\n"
        "extra:x:2000:daemon,user\n"
        "users:x:100:username\n"
        "nomembers:x:3000\n";

static void check_refused(const char *what, int r, char **reasonp, const char *frag) {
        _cleanup_free_ char *rs = *reasonp;

        *reasonp = NULL;
        if (r != -EINVAL)
                test_fail("%s: expected -EINVAL, got %d", what, r);
        if (!rs || !strstr(rs, frag))
                test_fail("%s: expected a reason containing \"%s\", got \"%s\"", what, frag, strna(rs));
}

static void check_gids(const ResolvedUser *u, const gid_t *want, size_t n) {
        if (u->n_additional_gids != n)
                test_fail("expected %zu additional gids, got %zu", n, u->n_additional_gids);
        for (size_t i = 0; i < n; i++)
                if (u->additional_gids[i] != want[i])
                        test_fail("additional gid %zu: expected %u, got %u", i, (unsigned) want[i], (unsigned) u->additional_gids[i]);
}

TEST(empty_user_is_root_with_roots_entry_and_groups) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(user_resolve_from_data(passwd, group, "", &u, NULL));
        ASSERT_EQ(u->uid, 0);
        ASSERT_EQ(u->gid, 0);
        ASSERT_STREQ(u->name, "root");
        ASSERT_STREQ(u->home, "/root");
        check_gids(u, (gid_t[]) { 0, 10 }, 2);
}

TEST(null_user_is_root_too) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(user_resolve_from_data(passwd, group, NULL, &u, NULL));
        ASSERT_EQ(u->uid, 0);
        ASSERT_STREQ(u->home, "/root");
}

TEST(name_resolves_to_its_passwd_entry_and_member_groups) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(user_resolve_from_data(passwd, group, "user", &u, NULL));
        ASSERT_EQ(u->uid, 1000);
        ASSERT_EQ(u->gid, 1000);
        ASSERT_STREQ(u->home, "/home/user");
        /* primary first, then the groups listing "user" (not "users", whose member is "username") */
        check_gids(u, (gid_t[]) { 1000, 10, 2000 }, 3);
}

TEST(numeric_uid_with_an_entry_takes_the_entry) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(user_resolve_from_data(passwd, group, "1000", &u, NULL));
        ASSERT_EQ(u->uid, 1000);
        ASSERT_EQ(u->gid, 1000);
        ASSERT_STREQ(u->name, "user");
        check_gids(u, (gid_t[]) { 1000, 10, 2000 }, 3);
}

TEST(numeric_uid_without_an_entry_works_with_gid_0_and_home_slash) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(user_resolve_from_data(passwd, group, "4242", &u, NULL));
        ASSERT_EQ(u->uid, 4242);
        ASSERT_EQ(u->gid, 0);
        ASSERT_NULL(u->name);
        ASSERT_STREQ(u->home, "/");
        check_gids(u, (gid_t[]) { 0 }, 1);
}

TEST(numeric_uid_and_gid_without_entries_work) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(user_resolve_from_data(passwd, group, "4242:4343", &u, NULL));
        ASSERT_EQ(u->uid, 4242);
        ASSERT_EQ(u->gid, 4343);
        check_gids(u, (gid_t[]) { 4343 }, 1);
}

TEST(explicit_group_replaces_the_primary_and_drops_supplementary_groups) {
        _cleanup_(resolved_user_freep) ResolvedUser *a = NULL, *b = NULL;

        ASSERT_OK(user_resolve_from_data(passwd, group, "user:extra", &a, NULL));
        ASSERT_EQ(a->uid, 1000);
        ASSERT_EQ(a->gid, 2000);
        check_gids(a, (gid_t[]) { 2000 }, 1);

        ASSERT_OK(user_resolve_from_data(passwd, group, "user:77", &b, NULL));
        ASSERT_EQ(b->gid, 77);
}

TEST(numeric_group_with_an_entry_takes_it) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(user_resolve_from_data(passwd, group, "daemon:10", &u, NULL));
        ASSERT_EQ(u->uid, 1);
        ASSERT_EQ(u->gid, 10);
}

TEST(unknown_user_name_is_refused_as_docker_says_it) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;
        char *reason = NULL;

        check_refused("nobody", user_resolve_from_data(passwd, group, "nobody", &u, &reason), &reason,
                      "unable to find user nobody: no matching entries in passwd file");
        ASSERT_NULL(u);
}

TEST(unknown_group_name_is_refused) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;
        char *reason = NULL;

        check_refused("nogroup", user_resolve_from_data(passwd, group, "user:nogroup", &u, &reason), &reason,
                      "unable to find group nogroup: no matching entries in group file");
}

TEST(ids_out_of_range_are_refused) {
        static const char * const bad[] = { "-1", "2147483648", "99999999999999999999", "0:-5" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;
                char *reason = NULL;

                check_refused(bad[i], user_resolve_from_data(passwd, group, bad[i], &u, &reason), &reason,
                              "uids and gids must be in range 0-2147483647");
        }
}

TEST(missing_files_allow_numeric_ids_only) {
        _cleanup_(resolved_user_freep) ResolvedUser *a = NULL, *b = NULL;
        char *reason = NULL;

        ASSERT_OK(user_resolve_from_data(NULL, NULL, "", &a, NULL));
        ASSERT_EQ(a->uid, 0);
        ASSERT_STREQ(a->home, "/");
        ASSERT_OK(user_resolve_from_data(NULL, NULL, "33:33", &b, NULL));
        ASSERT_EQ(b->gid, 33);
        check_refused("www-data", user_resolve_from_data(NULL, NULL, "www-data", &a, &reason), &reason,
                      "unable to find user www-data");
}

TEST(first_matching_entry_wins) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(user_resolve_from_data("app:x:10:10::/a:\napp:x:20:20::/b:\n", NULL, "app", &u, NULL));
        ASSERT_EQ(u->uid, 10);
        ASSERT_STREQ(u->home, "/a");
}

TEST(comments_blank_malformed_lines_and_crlf_are_tolerated) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;
        const char *p =
                "# a comment\n"
                "\n"
                "broken\n"
                "bad:x:notanumber:1::/x:\n"
                "  app:x:500:600:App:/srv/app:/bin/sh  \r\n";
        const char *g = "#x\r\n\r\napps:x:700:app\r\n";

        ASSERT_OK(user_resolve_from_data(p, g, "app", &u, NULL));
        ASSERT_EQ(u->uid, 500);
        ASSERT_EQ(u->gid, 600);
        ASSERT_STREQ(u->home, "/srv/app");
        check_gids(u, (gid_t[]) { 600, 700 }, 2);
}

TEST(entry_without_home_gets_slash) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(user_resolve_from_data(passwd, group, "nohome", &u, NULL));
        ASSERT_EQ(u->uid, 1001);
        ASSERT_STREQ(u->home, "/");
}

TEST(primary_group_listing_the_user_is_not_duplicated) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(user_resolve_from_data("a:x:5:5::/:\n", "a:x:5:a\nb:x:6:a\nb2:x:6:a\n", "a", &u, NULL));
        check_gids(u, (gid_t[]) { 5, 6 }, 2);
}

TEST(a_third_colon_field_is_ignored_as_docker_does) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(user_resolve_from_data(passwd, group, "user:extra:whatever", &u, NULL));
        ASSERT_EQ(u->gid, 2000);
}

TEST(blanks_in_the_spec_are_refused) {
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;
        char *reason = NULL;

        check_refused("blank", user_resolve_from_data(passwd, group, "us er", &u, &reason), &reason, "invalid user");
}

/* ---- reading the files below a rootfs ---- */

typedef struct Rootfs {
        char path[64];
        int fd;
} Rootfs;

static void rootfs_done(Rootfs *r) {
        safe_close(r->fd);
        if (r->path[0])
                (void) rm_rf(r->path);
}

static int rootfs_make(Rootfs *r) {
        _cleanup_free_ char *etc = NULL;

        strcpy(r->path, "/tmp/test-user-resolve.XXXXXX");
        if (!mkdtemp(r->path))
                return -errno;
        etc = path_join(r->path, "etc");
        if (!etc || mkdir(etc, 0755) < 0)
                return -EIO;
        r->fd = open(r->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return r->fd < 0 ? -errno : 0;
}

static int rootfs_write(Rootfs *r, const char *rel, const char *content) {
        _cleanup_free_ char *p = path_join(r->path, rel);
        FILE *f;

        if (!p)
                return -ENOMEM;
        f = fopen(p, "we");
        if (!f)
                return -errno;
        fputs(content, f);
        return fclose(f) < 0 ? -errno : 0;
}

static int rootfs_symlink(Rootfs *r, const char *rel, const char *target) {
        _cleanup_free_ char *p = path_join(r->path, rel);

        if (!p)
                return -ENOMEM;
        return symlink(target, p) < 0 ? -errno : 0;
}

TEST(user_resolve_reads_the_images_files) {
        _cleanup_(rootfs_done) Rootfs r = { .fd = -EBADF };
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(rootfs_make(&r));
        ASSERT_OK(rootfs_write(&r, "etc/passwd", passwd));
        ASSERT_OK(rootfs_write(&r, "etc/group", group));
        ASSERT_OK(user_resolve(r.fd, "user", &u, NULL));
        ASSERT_EQ(u->uid, 1000);
        check_gids(u, (gid_t[]) { 1000, 10, 2000 }, 3);
}

TEST(user_resolve_without_etc_still_resolves_numbers_and_root) {
        _cleanup_(rootfs_done) Rootfs r = { .fd = -EBADF };
        _cleanup_(resolved_user_freep) ResolvedUser *a = NULL, *b = NULL;
        _cleanup_free_ char *etc = NULL;

        ASSERT_OK(rootfs_make(&r));
        etc = path_join(r.path, "etc");
        ASSERT_OK(RET_NERRNO(rmdir(etc)));
        ASSERT_OK(user_resolve(r.fd, NULL, &a, NULL));
        ASSERT_EQ(a->uid, 0);
        ASSERT_OK(user_resolve(r.fd, "65534:65534", &b, NULL));
        ASSERT_EQ(b->uid, 65534);
}

TEST(absolute_symlinks_resolve_inside_the_image) {
        _cleanup_(rootfs_done) Rootfs r = { .fd = -EBADF };
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;

        ASSERT_OK(rootfs_make(&r));
        ASSERT_OK(rootfs_write(&r, "etc/passwd.real", "inside:x:77:77::/in:\n"));
        ASSERT_OK(rootfs_symlink(&r, "etc/passwd", "/etc/passwd.real"));
        ASSERT_OK(user_resolve(r.fd, "inside", &u, NULL));
        ASSERT_EQ(u->uid, 77);
}

TEST(symlinks_pointing_out_of_the_image_cannot_reach_the_hosts_files) {
        _cleanup_(rootfs_done) Rootfs r = { .fd = -EBADF };
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;
        _cleanup_free_ char *data = NULL;
        char *reason = NULL;

        /* The host has /etc/passwd with "root" (and usually "daemon"); inside the image the link leads to a
         * file that does not exist, so "daemon" must not be found and nothing of the host is read. */
        ASSERT_OK(rootfs_make(&r));
        ASSERT_OK(rootfs_symlink(&r, "etc/passwd", "../../../../../../../../../../etc/host-passwd-copy"));
        ASSERT_OK(rootfs_symlink(&r, "etc/group", "/../../../../etc/gshadow"));
        ASSERT_ERROR(read_file_in_root(r.fd, "/etc/passwd", 1 << 20, &data, NULL), ENOENT);
        ASSERT_ERROR(read_file_in_root(r.fd, "../../../../../../etc/passwd", 1 << 20, &data, NULL), ENOENT);
        ASSERT_NULL(data);
        check_refused("daemon", user_resolve(r.fd, "daemon", &u, &reason), &reason, "unable to find user daemon");
}

TEST(dotdot_in_the_path_is_clamped_to_the_image_root) {
        _cleanup_(rootfs_done) Rootfs r = { .fd = -EBADF };
        _cleanup_free_ char *data = NULL;

        ASSERT_OK(rootfs_make(&r));
        ASSERT_OK(rootfs_write(&r, "etc/passwd", "img:x:1:1::/:\n"));
        ASSERT_OK(read_file_in_root(r.fd, "../../../etc/passwd", 1 << 20, &data, NULL));
        ASSERT_STREQ(data, "img:x:1:1::/:\n");
}

TEST(a_fifo_as_passwd_is_refused_without_blocking) {
        _cleanup_(rootfs_done) Rootfs r = { .fd = -EBADF };
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;
        _cleanup_free_ char *p = NULL, *reason = NULL;

        ASSERT_OK(rootfs_make(&r));
        p = path_join(r.path, "etc/passwd");
        ASSERT_OK(RET_NERRNO(mkfifo(p, 0644)));
        ASSERT_ERROR(user_resolve(r.fd, "root", &u, &reason), EBADFD);
        ASSERT_TRUE(reason && strstr(reason, "not a regular file"));
}

TEST(a_directory_as_group_is_refused) {
        _cleanup_(rootfs_done) Rootfs r = { .fd = -EBADF };
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;
        _cleanup_free_ char *p = NULL, *reason = NULL;

        ASSERT_OK(rootfs_make(&r));
        ASSERT_OK(rootfs_write(&r, "etc/passwd", passwd));
        p = path_join(r.path, "etc/group");
        ASSERT_OK(RET_NERRNO(mkdir(p, 0755)));
        ASSERT_ERROR(user_resolve(r.fd, "root", &u, &reason), EBADFD);
        ASSERT_TRUE(reason && strstr(reason, "/etc/group"));
}

TEST(an_oversized_passwd_is_refused) {
        _cleanup_(rootfs_done) Rootfs r = { .fd = -EBADF };
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;
        _cleanup_free_ char *p = NULL, *reason = NULL;
        _cleanup_close_ int fd = -EBADF;

        ASSERT_OK(rootfs_make(&r));
        p = path_join(r.path, "etc/passwd");
        fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(RET_NERRNO(ftruncate(fd, USER_DB_SIZE_MAX + 1)));     /* sparse */
        ASSERT_ERROR(user_resolve(r.fd, "root", &u, &reason), EFBIG);
        ASSERT_TRUE(reason && strstr(reason, "larger than"));
}

TEST(nul_bytes_in_passwd_are_refused) {
        _cleanup_(rootfs_done) Rootfs r = { .fd = -EBADF };
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;
        _cleanup_free_ char *p = NULL, *reason = NULL;
        FILE *f;

        ASSERT_OK(rootfs_make(&r));
        p = path_join(r.path, "etc/passwd");
        f = fopen(p, "we");
        ASSERT_NOT_NULL(f);
        fwrite("root:x:0:0::/:\n\0evil:x:0:0::/:\n", 1, 31, f);
        fclose(f);
        ASSERT_ERROR(user_resolve(r.fd, "root", &u, &reason), EBADMSG);
        ASSERT_TRUE(reason && strstr(reason, "NUL"));
}

TEST(a_symlink_loop_is_an_error_with_a_reason) {
        _cleanup_(rootfs_done) Rootfs r = { .fd = -EBADF };
        _cleanup_(resolved_user_freep) ResolvedUser *u = NULL;
        _cleanup_free_ char *reason = NULL;

        ASSERT_OK(rootfs_make(&r));
        ASSERT_OK(rootfs_symlink(&r, "etc/passwd", "/../etc/passwd"));
        ASSERT_ERROR(user_resolve(r.fd, "root", &u, &reason), ELOOP);
        ASSERT_TRUE(reason && strstr(reason, "cannot read /etc/passwd of the image"));
}

/* ---- both resolvers, openat2() and the portable walk, must agree ---- */

static int read_via(Rootfs *r, const char *path, bool use_openat2, char **ret) {
        _cleanup_close_ int fd = -EBADF;
        char buf[256];
        ssize_t n;

        fd = open_file_in_root(r->fd, path, use_openat2);
        if (fd < 0)
                return fd;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

static void check_both(Rootfs *r, const char *path, int want_error, const char *want) {
        for (int mode = 0; mode < 2; mode++) {
                _cleanup_free_ char *got = NULL;
                int k = read_via(r, path, mode == 0, &got);

                if (want_error) {
                        if (k != -want_error)
                                test_fail("%s via %s: expected %s, got %d (%s)", path, mode == 0 ? "openat2" : "walk",
                                          strerror(want_error), k, strna(got));
                } else if (k < 0 || !streq(got, want))
                        test_fail("%s via %s: expected \"%s\", got %d \"%s\"", path, mode == 0 ? "openat2" : "walk",
                                  want, k, strna(got));
        }
}

TEST(both_resolvers_keep_every_path_inside_the_image) {
        _cleanup_(rootfs_done) Rootfs r = { .fd = -EBADF };
        _cleanup_free_ char *sub = NULL;

        ASSERT_OK(rootfs_make(&r));
        sub = path_join(r.path, "usr");
        ASSERT_OK(RET_NERRNO(mkdir(sub, 0755)));
        free(sub);
        sub = path_join(r.path, "usr/lib");
        ASSERT_OK(RET_NERRNO(mkdir(sub, 0755)));

        ASSERT_OK(rootfs_write(&r, "etc/passwd", "plain\n"));
        ASSERT_OK(rootfs_write(&r, "usr/lib/group", "moved\n"));
        ASSERT_OK(rootfs_symlink(&r, "etc/group", "../usr/lib/group"));                 /* relative */
        ASSERT_OK(rootfs_symlink(&r, "etc/abs", "/usr/lib/group"));                     /* absolute */
        ASSERT_OK(rootfs_symlink(&r, "etc/up", "../../../../../../etc/passwd"));        /* clamped: our passwd */
        ASSERT_OK(rootfs_symlink(&r, "etc/hostfile", "/../../../../proc/self/status"));   /* host's: must not */
        ASSERT_OK(rootfs_symlink(&r, "lib", "usr/lib"));                                /* symlinked dir */
        ASSERT_OK(rootfs_symlink(&r, "etc/loop", "loop"));
        ASSERT_OK(rootfs_symlink(&r, "etc/chain1", "chain2"));
        ASSERT_OK(rootfs_symlink(&r, "etc/chain2", "/lib/group"));

        check_both(&r, "/etc/passwd", 0, "plain\n");
        check_both(&r, "etc/group", 0, "moved\n");
        check_both(&r, "/etc/abs", 0, "moved\n");
        check_both(&r, "/etc/up", 0, "plain\n");
        check_both(&r, "/../../etc/passwd", 0, "plain\n");
        check_both(&r, "/lib/group", 0, "moved\n");
        check_both(&r, "/lib/../etc/passwd", ENOENT, NULL);     /* ".." of the link's target: /usr/etc */
        check_both(&r, "/etc/chain1", 0, "moved\n");
        check_both(&r, "/etc/hostfile", ENOENT, NULL);
        check_both(&r, "/etc/loop", ELOOP, NULL);
        check_both(&r, "/etc/passwd/x", ENOTDIR, NULL);
        check_both(&r, "/nope/passwd", ENOENT, NULL);
}

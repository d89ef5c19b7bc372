/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fd-util.h"
#include "path-util.h"
#include "prepare-config.h"
#include "strv.h"
#include "tests.h"
#include "volume-util.h"

TEST(volume_names_follow_dockers_rule) {
        _cleanup_free_ char *why = NULL;

        ASSERT_OK(volume_name_validate("data", NULL));
        ASSERT_OK(volume_name_validate("my_vol.1-x", NULL));
        ASSERT_OK(volume_name_validate("0a", NULL));
        ASSERT_ERROR(volume_name_validate("a/b", &why), EINVAL);
        ASSERT_NOT_NULL(strstr(why, "'a/b'"));
        ASSERT_ERROR(volume_name_validate("a", NULL), EINVAL);
        ASSERT_ERROR(volume_name_validate("", NULL), EINVAL);
        ASSERT_ERROR(volume_name_validate("-ab", NULL), EINVAL);
        ASSERT_ERROR(volume_name_validate(".ab", NULL), EINVAL);
        ASSERT_ERROR(volume_name_validate("..", NULL), EINVAL);
        ASSERT_ERROR(volume_name_validate("a b", NULL), EINVAL);
}

TEST(volume_names_longer_than_255_are_refused) {
        char name[300];

        memset(name, 'a', sizeof(name) - 1);
        name[sizeof(name) - 1] = 0;
        ASSERT_ERROR(volume_name_validate(name, NULL), EINVAL);
        name[255] = 0;
        ASSERT_OK(volume_name_validate(name, NULL));
}

TEST(volume_option_size_takes_docker_sizes) {
        uint64_t size = 1;

        ASSERT_OK(volume_options_parse(NULL, &size, NULL));
        ASSERT_EQ(size, 0);
        ASSERT_OK(volume_options_parse((char *[]) { (char *) "size=1G", NULL }, &size, NULL));
        ASSERT_EQ(size, UINT64_C(1) << 30);
        ASSERT_OK(volume_options_parse((char *[]) { (char *) "size=64m", NULL }, &size, NULL));
        ASSERT_EQ(size, UINT64_C(64) << 20);
        ASSERT_OK(volume_options_parse((char *[]) { (char *) "size=16777216", NULL }, &size, NULL));
        ASSERT_EQ(size, UINT64_C(16) << 20);
}

TEST(volume_options_refuse_bad_sizes_and_unknown_keys) {
        uint64_t size = 7;
        char *why = NULL;

        ASSERT_ERROR(volume_options_parse((char *[]) { (char *) "size=lots", NULL }, &size, &why), EINVAL);
        ASSERT_NOT_NULL(strstr(why, "size=lots"));
        why = mfree(why);
        ASSERT_ERROR(volume_options_parse((char *[]) { (char *) "colour=blue", NULL }, &size, &why), EINVAL);
        ASSERT_NOT_NULL(strstr(why, "unknown volume option 'colour'"));
        why = mfree(why);
        ASSERT_ERROR(volume_options_parse((char *[]) { (char *) "size", NULL }, &size, &why), EINVAL);
        ASSERT_NOT_NULL(strstr(why, "KEY=VALUE"));
        why = mfree(why);
        ASSERT_ERROR(volume_options_parse((char *[]) { (char *) "size=1k", NULL }, &size, NULL), EINVAL);
        ASSERT_ERROR(volume_options_parse((char *[]) { (char *) "size=0", NULL }, &size, NULL), EINVAL);
        ASSERT_ERROR(volume_options_parse((char *[]) { (char *) "size=1G", (char *) "size=2G", NULL }, &size, NULL),
                     EINVAL);
        ASSERT_ERROR(volume_options_parse((char *[]) { (char *) "size=99999999999T", NULL }, &size, NULL), EINVAL);
        ASSERT_EQ(size, 7);
}

TEST(volume_labels_take_key_alone_and_later_keys_win) {
        _cleanup_strv_free_ char **l = NULL;

        ASSERT_OK(volume_labels_normalize((char *[]) { (char *) "a=1", (char *) "b", (char *) "a=2", NULL }, &l, NULL));
        ASSERT_EQ(strv_length(l), 2);
        ASSERT_STREQ(l[0], "a=2");
        ASSERT_STREQ(l[1], "b=");
        ASSERT_ERROR(volume_labels_normalize((char *[]) { (char *) "=x", NULL }, &l, NULL), EINVAL);
}

static int write_file(const char *dir, const char *name, const char *content, mode_t mode) {
        _cleanup_free_ char *p = path_join(dir, name);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t) strlen(content))
                return -errno;
        return fchmod(fd, mode) < 0 ? -errno : 0;
}

TEST(copy_up_keeps_modes_links_owners_and_xattrs) {
        char root[] = "/tmp/test-volume-util-root-XXXXXX", data[] = "/tmp/test-volume-util-data-XXXXXX";
        _cleanup_free_ char *etc = NULL, *sub = NULL, *p = NULL;
        char buf[64] = "";
        struct stat a, b;
        bool root_user = geteuid() == 0;

        ASSERT_NOT_NULL(mkdtemp(root));
        ASSERT_NOT_NULL(mkdtemp(data));
        etc = path_join(root, "etc");
        sub = path_join(root, "etc/sub");
        ASSERT_OK(mkdir_p(sub, 0750));
        ASSERT_EQ(chmod(etc, 0751), 0);
        ASSERT_OK(write_file(etc, "passwd", "root:x:0:0::/root:/bin/sh\n", 0644));
        ASSERT_OK(write_file(sub, "secret", "s", 0600));
        ASSERT_OK(write_file(etc, "tool", "#!/bin/sh\n", 04755));
        p = path_join(etc, "link");
        ASSERT_EQ(symlink("passwd", p), 0);
        free(p);
        p = path_join(etc, "hard");
        {
                _cleanup_free_ char *t = path_join(etc, "passwd");
                ASSERT_EQ(link(t, p), 0);
        }
        free(p);
        p = path_join(etc, "fifo");
        ASSERT_EQ(mkfifo(p, 0640), 0);
        free(p);
        p = path_join(etc, "passwd");
        if (setxattr(p, "user.nyx", "yes", 3, 0) < 0)
                ASSERT_TRUE(errno == EOPNOTSUPP || errno == ENOTSUP);
        if (root_user) {
                ASSERT_EQ(chown(p, 1234, 5678), 0);
                ASSERT_EQ(chown(etc, 42, 43), 0);
        }

        ASSERT_EQ(volume_copy_up(root, "/etc", data), 1);

        ASSERT_EQ(stat(data, &b), 0);
        ASSERT_EQ(b.st_mode & 07777, 0751);
        if (root_user) {
                ASSERT_EQ(b.st_uid, 42);
                ASSERT_EQ(b.st_gid, 43);
        }
        free(p);
        p = path_join(data, "passwd");
        ASSERT_EQ(stat(p, &b), 0);
        ASSERT_EQ(b.st_mode & 07777, 0644);
        if (root_user) {
                ASSERT_EQ(b.st_uid, 1234);
                ASSERT_EQ(b.st_gid, 5678);
        }
        if (getxattr(p, "user.nyx", buf, sizeof(buf)) >= 0)
                ASSERT_STREQ(buf, "yes");
        {
                _cleanup_free_ char *h = path_join(data, "hard");
                ASSERT_EQ(stat(h, &a), 0);
                ASSERT_EQ(a.st_ino, b.st_ino);
        }
        free(p);
        p = path_join(data, "tool");
        ASSERT_EQ(stat(p, &b), 0);
        ASSERT_EQ(b.st_mode & 07777, 04755);
        free(p);
        p = path_join(data, "link");
        ASSERT_EQ(lstat(p, &b), 0);
        ASSERT_TRUE(S_ISLNK(b.st_mode));
        memset(buf, 0, sizeof(buf));
        ASSERT_EQ(readlink(p, buf, sizeof(buf) - 1), 6);
        ASSERT_STREQ(buf, "passwd");
        free(p);
        p = path_join(data, "fifo");
        ASSERT_EQ(lstat(p, &b), 0);
        ASSERT_TRUE(S_ISFIFO(b.st_mode));
        ASSERT_EQ(b.st_mode & 07777, 0640);
        free(p);
        p = path_join(data, "sub/secret");
        ASSERT_EQ(stat(p, &b), 0);
        ASSERT_EQ(b.st_mode & 07777, 0600);
        free(p);
        p = path_join(data, "sub");
        ASSERT_EQ(stat(p, &b), 0);
        ASSERT_EQ(b.st_mode & 07777, 0750);

        ASSERT_OK(rm_rf(root));
        ASSERT_OK(rm_rf(data));
}

TEST(copy_up_resolves_symlinks_inside_the_rootfs) {
        char root[] = "/tmp/test-volume-util-root-XXXXXX", data[] = "/tmp/test-volume-util-data-XXXXXX",
                outside[] = "/tmp/test-volume-util-out-XXXXXX";
        _cleanup_free_ char *p = NULL, *inside = NULL;

        ASSERT_NOT_NULL(mkdtemp(root));
        ASSERT_NOT_NULL(mkdtemp(data));
        ASSERT_NOT_NULL(mkdtemp(outside));
        ASSERT_OK(write_file(outside, "host-secret", "x", 0600));

        /* /conf -> the host's directory by absolute path: inside the rootfs that is /tmp/..., absent. */
        p = path_join(root, "conf");
        ASSERT_EQ(symlink(outside, p), 0);
        ASSERT_EQ(volume_copy_up(root, "/conf", data), 0);
        ASSERT_EQ(dir_is_empty(data), 1);
        free(p);

        /* /up -> ../../..: stays at the rootfs' root, whose content is copied, not the host's. */
        inside = path_join(root, "only-in-root");
        ASSERT_OK(mkdir_p(inside, 0755));
        p = path_join(root, "up");
        ASSERT_EQ(symlink("../../..", p), 0);
        ASSERT_EQ(volume_copy_up(root, "/up", data), 1);
        free(p);
        p = path_join(data, "only-in-root");
        ASSERT_EQ(access(p, F_OK), 0);
        free(p);
        p = path_join(data, "tmp");
        ASSERT_EQ(access(p, F_OK), -1);

        ASSERT_OK(rm_rf(root));
        ASSERT_OK(rm_rf(data));
        ASSERT_OK(rm_rf(outside));
}

TEST(copy_up_of_a_missing_directory_does_nothing) {
        char root[] = "/tmp/test-volume-util-root-XXXXXX", data[] = "/tmp/test-volume-util-data-XXXXXX";

        ASSERT_NOT_NULL(mkdtemp(root));
        ASSERT_NOT_NULL(mkdtemp(data));
        ASSERT_EQ(volume_copy_up(root, "/nowhere", data), 0);
        ASSERT_OK(write_file(root, "file", "x", 0644));
        ASSERT_EQ(volume_copy_up(root, "/file", data), 0);
        ASSERT_EQ(dir_is_empty(data), 1);
        ASSERT_OK(rm_rf(root));
        ASSERT_OK(rm_rf(data));
}

TEST(prepare_config_keeps_its_volumes) {
        char dir[] = "/tmp/test-volume-util-prep-XXXXXX";
        _cleanup_(prepare_config_freep) PrepareConfig *back = NULL;
        _cleanup_free_ char *path = NULL;
        PrepareVolume vols[] = {
                { .name = (char *) "data", .dir = (char *) "/var/lib/nyx/volumes/data",
                  .destination = (char *) "/etc", .populate = true, .image = false },
                { .name = (char *) "small", .dir = (char *) "/var/lib/nyx/volumes/small",
                  .destination = (char *) "/srv", .populate = false, .image = true },
        };
        PrepareConfig pc = {
                .id = (char *) "0123", .dir = (char *) "/d", .rootfs = (char *) "/d/rootfs",
                .bundle = (char *) "/d/bundle", .upper = (char *) "/d/upper", .work = (char *) "/d/work",
                .lower = (char *[]) { (char *) "/l1", NULL }, .n_lower = 1, .runtime = (char *) "/usr/bin/crun",
                .volumes = vols, .n_volumes = 2,
        };

        ASSERT_NOT_NULL(mkdtemp(dir));
        path = path_join(dir, "prepare.json");
        ASSERT_OK(prepare_config_save(&pc, path));
        ASSERT_OK(prepare_config_load(path, &back));
        ASSERT_EQ(back->n_volumes, 2);
        ASSERT_STREQ(back->volumes[0].name, "data");
        ASSERT_STREQ(back->volumes[0].dir, "/var/lib/nyx/volumes/data");
        ASSERT_STREQ(back->volumes[0].destination, "/etc");
        ASSERT_TRUE(back->volumes[0].populate);
        ASSERT_FALSE(back->volumes[0].image);
        ASSERT_STREQ(back->volumes[1].destination, "/srv");
        ASSERT_FALSE(back->volumes[1].populate);
        ASSERT_TRUE(back->volumes[1].image);
        ASSERT_OK(rm_rf(dir));
}

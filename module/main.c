// SPDX-License-Identifier: GPL-2.0-only
/*
 * swing: copy-on-write snapshots of memory handed between processes by
 * token.  This file holds the module's knobs, /dev/swing and its totals in
 * sysfs (/sys/class/misc/swing/).
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <uapi/linux/swing.h>

#include "area.h"
#include "ioctl.h"

unsigned long swing_max_area_size = 64UL << 30;
module_param_named(max_area_size, swing_max_area_size, ulong, 0644);
MODULE_PARM_DESC(max_area_size,
		 "Largest area in bytes; larger requests fail with EFBIG (default: 64 GiB)");

static int swing_open(struct inode *inode, struct file *file)
{
	struct swing_session *session;

	session = kzalloc(sizeof(*session), GFP_KERNEL_ACCOUNT);
	if (!session)
		return -ENOMEM;
	INIT_LIST_HEAD(&session->areas);
	file->private_data = session;
	return 0;
}

static int swing_release(struct inode *inode, struct file *file)
{
	struct swing_session *session = file->private_data;

	swing_session_release(session);
	kfree(session);
	return 0;
}

static const struct file_operations swing_fops = {
	.owner = THIS_MODULE,
	.open = swing_open,
	.release = swing_release,
	.unlocked_ioctl = swing_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

#define SWING_STAT_ATTR(name, counter)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&(counter)));	\
}									\
static DEVICE_ATTR_RO(name)

SWING_STAT_ATTR(areas, swing_nr_areas);
SWING_STAT_ATTR(pages, swing_nr_pages);
SWING_STAT_ATTR(nodes, swing_nr_nodes);
SWING_STAT_ATTR(cow_copies, swing_nr_cow_copies);
SWING_STAT_ATTR(faults, swing_nr_faults);
SWING_STAT_ATTR(messages, swing_nr_messages);
SWING_STAT_ATTR(versions, swing_nr_versions);

static ssize_t shared_pages_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	/* Kept as trees change: the same cost however many pages exist. */
	long exclusive = atomic_long_read(&swing_nr_exclusive);

	return sysfs_emit(buf, "%ld\n",
			  max(atomic_long_read(&swing_nr_resident) - exclusive, 0L));
}
static DEVICE_ATTR_RO(shared_pages);

static ssize_t abi_version_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", SWING_ABI_VERSION);
}
static DEVICE_ATTR_RO(abi_version);

static struct attribute *swing_attrs[] = {
	&dev_attr_areas.attr,
	&dev_attr_pages.attr,
	&dev_attr_nodes.attr,
	&dev_attr_cow_copies.attr,
	&dev_attr_shared_pages.attr,
	&dev_attr_faults.attr,
	&dev_attr_messages.attr,
	&dev_attr_versions.attr,
	&dev_attr_abi_version.attr,
	NULL,
};
ATTRIBUTE_GROUPS(swing);

static struct miscdevice swing_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "swing",
	.fops = &swing_fops,
	.groups = swing_groups,
	.mode = 0666,	/* every check is in the module */
};

static int __init swing_init(void)
{
	int ret;

	ret = swing_tree_cache_init();
	if (ret)
		return ret;
	ret = swing_fs_init();
	if (ret)
		goto err_cache;
	ret = swing_proc_init();
	if (ret)
		goto err_fs;
	ret = misc_register(&swing_misc);
	if (ret)
		goto err_proc;
	return 0;

err_proc:
	swing_proc_exit();
err_fs:
	swing_fs_exit();
err_cache:
	swing_tree_cache_exit();
	return ret;
}

static void __exit swing_exit(void)
{
	misc_deregister(&swing_misc);
	swing_proc_exit();
	swing_fs_exit();
	swing_users_exit();
	swing_tree_cache_exit();
	if (atomic_long_read(&swing_nr_pages) || atomic_long_read(&swing_nr_areas))
		pr_err("swing: %ld pages, %ld areas still held at unload\n",
		       atomic_long_read(&swing_nr_pages),
		       atomic_long_read(&swing_nr_areas));
}

module_init(swing_init);
module_exit(swing_exit);

MODULE_DESCRIPTION("Copy-on-write memory areas shared between processes by token");
MODULE_AUTHOR("The swing authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(__stringify(SWING_VERSION_MAJOR) "."
	       __stringify(SWING_VERSION_MINOR) "."
	       __stringify(SWING_VERSION_PATCH));

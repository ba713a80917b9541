/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SWING_IOCTL_H
#define _SWING_IOCTL_H

struct file;

long swing_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _SWING_IOCTL_H */

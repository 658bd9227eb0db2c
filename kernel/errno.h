/*
 * kernel/errno.h: the negative error numbers kernel functions return
 * (the values of Linux's asm-generic/errno-base.h, so they read the same).
 */
#ifndef KERNEL_ERRNO_H
#define KERNEL_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define E2BIG 7
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define ETIMEDOUT 110

#define __must_check __attribute__((warn_unused_result))

#endif

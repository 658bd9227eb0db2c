/*
 * include/public/errno.h: the error numbers bivisor's code returns negated:
 * the kernel, the device models and the hypercalls (include/public/hypercall.h). They are Linux's
 * values (asm-generic/errno-base.h, errno.h), so they match <errno.h> in a
 * hosted build and read the same to the service guest.
 */
#ifndef PUBLIC_ERRNO_H
#define PUBLIC_ERRNO_H

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

#endif

/*
 * kernel/errno.h: the negative error numbers kernel functions return
 * (include/public/errno.h) and the kernel's __must_check.
 */
#ifndef KERNEL_ERRNO_H
#define KERNEL_ERRNO_H

#include "include/public/errno.h"

#define __must_check __attribute__((warn_unused_result))

#endif

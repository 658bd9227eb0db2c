/*
 * guest-tools/linux/stdint.h: the include/public/ headers name <stdint.h>;
 * inside the Linux kernel (no libc) the same types come from linux/types.h.
 */
#ifndef BIVISOR_KMOD_STDINT_H
#define BIVISOR_KMOD_STDINT_H
#include <linux/types.h>
#endif

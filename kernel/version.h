/*
 * kernel/version.h: the release of bivisor that the banner and `bvm --version` print.
 */
#ifndef KERNEL_VERSION_H
#define KERNEL_VERSION_H

#define BIVISOR_VERSION "0.1.0"

#endif

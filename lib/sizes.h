/*
 * lib/sizes.h: the binary size units (KiB, MiB, GiB: IEC 80000-13) and the
 * page and large-page sizes of x86-64 paging (Intel SDM vol. 3A 4.5), as
 * unsigned long long constants, for every program.
 */
#ifndef LIB_SIZES_H
#define LIB_SIZES_H

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)

#define SZ_4K (4 * KIB) /* a page */
#define SZ_2M (2 * MIB) /* a large page (PDE with PS) */
#define SZ_1G GIB	/* a huge page (PDPTE with PS) */

#endif

/*
 * kernel/debug_keys.h: the debug console, in the manner of Xen's debug keys:
 * single keys typed on the hypervisor's serial console (or scripted with the
 * keys= option) print its state or act on a domain.
 */
#ifndef KERNEL_DEBUG_KEYS_H
#define KERNEL_DEBUG_KEYS_H

/* CPU 0, between guest entries: reads typed keys and runs the script's due ones. */
void debug_keys_poll(void);
/* 0 if a keys= script is well formed: MS:KEYS joined by '/'. */
int debug_keys_check_script(const char *script);

#endif

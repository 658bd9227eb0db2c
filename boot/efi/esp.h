/*
 * boot/efi/esp.h: files on the volume bivisor.efi was loaded from (UEFI 2.10,
 * 9.1 EFI_LOADED_IMAGE_PROTOCOL, 13.4 EFI_SIMPLE_FILE_SYSTEM_PROTOCOL,
 * 13.5 EFI_FILE_PROTOCOL), by the '/' or '\' separated paths of the
 * configuration file.
 */
#ifndef BOOT_EFI_ESP_H
#define BOOT_EFI_ESP_H

#include <efi.h>

/* Opens the root directory of the image's own volume. */
EFI_STATUS esp_open(EFI_HANDLE image, EFI_SYSTEM_TABLE *st, EFI_FILE_HANDLE *root);

/* Opens path for reading and returns its size; a directory is EFI_NOT_FOUND. */
EFI_STATUS esp_file_open(EFI_FILE_HANDLE root, const char *path, EFI_FILE_HANDLE *f, UINT64 *size);

/* Reads the file's first size bytes into buf, then closes it. */
EFI_STATUS esp_file_read(EFI_FILE_HANDLE f, void *buf, UINT64 size);

#endif

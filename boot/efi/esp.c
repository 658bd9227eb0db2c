/*
 * boot/efi/esp.c: reads whole files from the EFI System Partition that
 * bivisor.efi came from: the loaded image's DeviceHandle (UEFI 2.10, 9.1),
 * its Simple File System protocol and OpenVolume (13.4), then Open, GetInfo
 * with EFI_FILE_INFO (13.5.16) and Read in pieces (13.5.6).
 */
#include "boot/efi/config.h"
#include "boot/efi/esp.h"

#define READ_CHUNK (4ull << 20) /* some firmware mishandles very large reads */

EFI_STATUS esp_open(EFI_HANDLE image, EFI_SYSTEM_TABLE *st, EFI_FILE_HANDLE *root)
{
	static EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	static EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	EFI_LOADED_IMAGE *li;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_STATUS s;

	s = st->BootServices->HandleProtocol(image, &li_guid, (void **)&li);
	if (EFI_ERROR(s))
		return s;
	s = st->BootServices->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs);
	if (EFI_ERROR(s))
		return s;
	return fs->OpenVolume(fs, root);
}

EFI_STATUS esp_file_open(EFI_FILE_HANDLE root, const char *path, EFI_FILE_HANDLE *f, UINT64 *size)
{
	static EFI_GUID info_guid = EFI_FILE_INFO_ID;
	CHAR16 wpath[CFG_MAX_PATH + 1];
	UINT64 info[(SIZE_OF_EFI_FILE_INFO + sizeof(CHAR16) * 512) / 8];
	EFI_FILE_INFO *fi = (EFI_FILE_INFO *)info;
	UINTN n = sizeof(info), i;
	EFI_STATUS s;

	for (i = 0; path[i] && i < CFG_MAX_PATH; i++)
		wpath[i] = path[i] == '/' ? L'\\' : (CHAR16)(unsigned char)path[i];
	wpath[i] = 0;
	s = root->Open(root, f, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(s))
		return s;
	s = (*f)->GetInfo(*f, &info_guid, &n, fi);
	if (!EFI_ERROR(s) && (fi->Attribute & EFI_FILE_DIRECTORY))
		s = EFI_NOT_FOUND;
	if (EFI_ERROR(s)) {
		(*f)->Close(*f);
		return s;
	}
	*size = fi->FileSize;
	return EFI_SUCCESS;
}

EFI_STATUS esp_file_read(EFI_FILE_HANDLE f, void *buf, UINT64 size)
{
	UINT64 done = 0;
	EFI_STATUS s = EFI_SUCCESS;

	while (done < size) {
		UINTN n = size - done < READ_CHUNK ? size - done : READ_CHUNK;

		s = f->Read(f, &n, (UINT8 *)buf + done);
		if (EFI_ERROR(s))
			break;
		if (!n) {
			s = EFI_END_OF_FILE; /* shorter than GetInfo said */
			break;
		}
		done += n;
	}
	f->Close(f);
	return s;
}

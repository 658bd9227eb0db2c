; boot/blobs.asm: binary blobs linked into the kernel image (the AP trampoline).

section .rodata
global trampoline_start, trampoline_end
align 16
trampoline_start:
	incbin "build/trampoline.bin"
trampoline_end:

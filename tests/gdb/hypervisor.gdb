# tests/gdb/hypervisor.gdb: the checks of svm-qemu/gdb-hypervisor, run by
# scripts/debug.sh --batch after scripts/debug.gdb has stopped at the kernel's
# entry: the registers GRUB hands over (EAX: the Multiboot2 magic, EFER.LMA 0),
# then at the exit dispatcher a read of the kernel's memory (its exit table)
# and EFER.LMA 1. Each check prints one "GDB:" line; kill ends QEMU.
printf "GDB: stopped at the kernel's entry: %d\n", $pc == (long)_start32
printf "GDB: eax = %#x (the Multiboot2 magic)\n", $eax
printf "GDB: at the entry EFER.LMA = %d\n", ($efer >> 10) & 1
continue
printf "GDB: stopped at breakpoint %d, the exit dispatcher\n", $_hit_bpnum
printf "GDB: exit_handlers[VM_EXIT_CPUID] is handle_cpuid: %d\n", exit_handlers[VM_EXIT_CPUID] == handle_cpuid
printf "GDB: in the exit dispatcher EFER.LMA = %d\n", ($efer >> 10) & 1
kill

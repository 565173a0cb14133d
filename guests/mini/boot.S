/*
 * Entry points: the PVH entry (32-bit flat protected mode, paging off, EBX =
 * struct hvm_start_info) and the entry of secondary vCPUs started by
 * VCPUOP_initialise (64-bit mode, paging on, no GDT, IDT or TR yet).
 *
 * The BSP path maps the first 4 GiB with 2 MiB pages, enough to reach the
 * kernel, start_info and its tables, and enters long mode; paging_init()
 * then replaces these tables with ones built from the memory map.
 */
#include <xen/elfnote.h>
#include "layout.h"

#define PTE_P  0x1
#define PTE_RW 0x2
#define PTE_PS 0x80
#define CR0_PG_WP 0x80010000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100

	/*
	 * The PVH entry point, read by tern-hv, Xen and QEMU.  The 32-bit
	 * address is stored in 8 bytes, as Linux's vmlinux has it, because
	 * QEMU reads 8 bytes from this note in a 64-bit ELF.
	 */
	.section .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f
	.long 4f - 3f
	.long XEN_ELFNOTE_PHYS32_ENTRY
1:	.asciz "Xen"
2:	.balign 4
3:	.quad pvh_entry
4:	.balign 4

	.section .text.boot, "ax", @progbits
	.code32
	.globl pvh_entry
pvh_entry:
	cli
	cld
	mov %ebx, %esi
	lgdt gdt_desc
	mov $KERNEL_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $boot_stack_top, %esp

	/* 2048 large pages identity-map [0, 4 GiB). */
	mov $boot_pd, %edi
	mov $(PTE_P | PTE_RW | PTE_PS), %eax
	mov $2048, %ecx
1:	mov %eax, (%edi)
	add $LARGE_PAGE_SIZE, %eax
	add $8, %edi
	loop 1b

	mov $boot_pdpt, %edi
	mov $(boot_pd + PTE_P + PTE_RW), %eax
	mov $4, %ecx
2:	mov %eax, (%edi)
	add $PAGE_SIZE, %eax
	add $8, %edi
	loop 2b

	movl $(boot_pdpt + PTE_P + PTE_RW), boot_pml4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PG_WP, %eax
	mov %eax, %cr0
	ljmp $KERNEL_CS, $long_mode

	.code64
long_mode:
	mov $boot_stack_top, %rsp
	call load_data_segments
	mov %esi, %edi
	call kernel_main
	ud2

	/*
	 * Secondary vCPUs: the BSP left a pointer to the vCPU's struct ap (see
	 * smp.c) at the top of its stack, where RSP points.
	 */
	.globl ap_entry
ap_entry:
	lgdt gdt_desc(%rip)
	pushq $KERNEL_CS
	lea 1f(%rip), %rax
	pushq %rax
	lretq
1:	call load_data_segments
	mov (%rsp), %rdi
	and $-16, %rsp
	call ap_main
	ud2

load_data_segments:
	mov $KERNEL_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	ret

	.section .rodata
	.balign 8
	/* Read as 2+4 bytes in 32-bit mode and 2+8 in 64-bit mode. */
gdt_desc:
	.word GDT_ENTRIES * 8 - 1
	.quad gdt

	/* Zeroed by the loader, as the ELF format requires of .bss. */
	.section .bss
	.balign PAGE_SIZE
boot_pml4:
	.skip PAGE_SIZE
boot_pdpt:
	.skip PAGE_SIZE
boot_pd:
	.skip 4 * PAGE_SIZE
	.balign 16
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:

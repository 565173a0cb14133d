/*
 * Console output.  Ring-0 code writes directly; ring-3 code reaches
 * console_write() through the SYS_WRITE system call.
 */
#include "xen_abi.h"

#include "console.h"
#include "console_ring.h"
#include "hcall.h"
#include "lib.h"
#include "x86.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding register */
#define UART_DLL 0 /* divisor latch, with DLAB set */
#define UART_DLM 1
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03

/* Taken with xchg so that vCPUs print whole lines. */
static int console_lock;

/* Set once something went badly wrong: from then on, console_io only. */
static bool emergency;

static void lock(void)
{
	while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

static void unlock(void)
{
	__atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

void console_init(void)
{
	if (xen_present())
		return;
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 baud */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, 0x07); /* enable and clear the FIFOs */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

static void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (unsigned spin = 0; spin < 100000; spin++)
			if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
				break;
		outb(COM1 + UART_THR, (uint8_t)s[i]);
	}
}

/* Ring 3: hands the bytes to ring 0 (which returns 0 in rax). */
static void sys_write(const char *s, size_t n)
{
	uint64_t nr = SYS_WRITE;

	__asm__ volatile("int %[vec]"
			 : "+a"(nr)
			 : [vec] "i"(SYSCALL_VECTOR), "D"(s), "S"(n)
			 : "memory");
}

void console_write(const char *s, size_t n)
{
	size_t done = 0;

	if (in_ring3()) {
		sys_write(s, n);
		return;
	}
	lock();
	if (!xen_present()) {
		serial_write(s, n);
	} else {
		if (console_ring_up() && !__atomic_load_n(&emergency, __ATOMIC_ACQUIRE))
			done = console_ring_write(s, n);
		if (done < n)
			hc_console_io(CONSOLEIO_write, (unsigned)(n - done), s + done);
	}
	unlock();
}

void console_emergency(void)
{
	__atomic_store_n(&emergency, true, __ATOMIC_RELEASE);
}

void console_flush(void)
{
	if (xen_present() && console_ring_up() && !in_ring3() &&
	    !__atomic_load_n(&emergency, __ATOMIC_ACQUIRE))
		console_ring_flush();
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vprint(console_write, fmt, ap);
	va_end(ap);
}

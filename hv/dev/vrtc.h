/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's CMOS RTC (MC146818A) at ports 0x70/0x71: the time of day in TSC time, and CMOS RAM. */
#ifndef KESTREL_HV_DEV_VRTC_H
#define KESTREL_HV_DEV_VRTC_H

#include "lib/spinlock.h"
#include "lib/types.h"

#define VRTC_PORT_INDEX 0x70 /* write-only: bit 7 masks NMIs on a PC, bits 6-0 the register */
#define VRTC_PORT_DATA 0x71
#define VRTC_CENTURY 0x32 /* the century byte PCs keep, named by the FADT's CENTURY field */
#define VRTC_IRQ 8 /* the ISA line a PC wires the RTC's IRQ# pin to */

/* Registers (MC146818A data sheet, "Address Map" and "Register A" to "Register D"). */
#define VRTC_SECONDS 0x00
#define VRTC_SECONDS_ALARM 0x01
#define VRTC_MINUTES 0x02
#define VRTC_MINUTES_ALARM 0x03
#define VRTC_HOURS 0x04
#define VRTC_HOURS_ALARM 0x05
#define VRTC_WEEKDAY 0x06
#define VRTC_MDAY 0x07
#define VRTC_MONTH 0x08
#define VRTC_YEAR 0x09
#define VRTC_REG_A 0x0a
#define VRTC_REG_B 0x0b
#define VRTC_REG_C 0x0c
#define VRTC_REG_D 0x0d
#define VRTC_RAM_FIRST 0x0e /* 114 bytes of RAM from here to 0x7f */

#define VRTC_A_UIP 0x80 /* update in progress: read-only */
#define VRTC_A_DV_MASK 0x70 /* divider: 010 counts with a 32.768 kHz time base, 11x resets */
#define VRTC_A_DV_NORMAL 0x20
#define VRTC_A_RS_MASK 0x0f /* periodic rate */
#define VRTC_B_SET 0x80 /* updates stop: the guest sets the time */
#define VRTC_B_PIE 0x40
#define VRTC_B_AIE 0x20
#define VRTC_B_UIE 0x10
#define VRTC_B_SQWE 0x08
#define VRTC_B_DM_BINARY 0x04 /* time and alarm bytes in binary, else BCD */
#define VRTC_B_24H 0x02 /* else 12-hour, bit 7 of the hour bytes set for PM */
#define VRTC_B_DSE 0x01 /* daylight saving: kept, never applied (see vrtc.c) */
#define VRTC_C_IRQF 0x80 /* any of the three below with its enable bit: IRQ# asserted */
#define VRTC_C_PF 0x40
#define VRTC_C_AF 0x20
#define VRTC_C_UF 0x10
#define VRTC_D_VRT 0x80 /* valid RAM and time: the battery is good */
#define VRTC_ALARM_ANY 0xc0 /* an alarm byte of 11xxxxxx matches every value */

/* The time and date as the registers count them, always in binary and 24-hour form here. */
struct vrtc_time {
	u8 sec, min, hour; /* 0-59, 0-59, 0-23 */
	u8 wday; /* 1-7, counted on its own as the chip does (PCs take 1 as Sunday) */
	u8 mday, mon, year, century; /* 1-31, 1-12, 0-99, 0-99 */
};

struct vrtc {
	struct spinlock lock; /* vCPUs of the VM on several pCPUs */
	u8 index; /* as last written to port 0x70, the NMI-mask bit included */
	u8 cmos[128]; /* registers A, B and the alarm bytes, and the RAM (the clock is in t) */
	u8 flags; /* register C's PF, AF and UF, set whatever the enable bits say */
	struct vrtc_time t;
	u64 tsc_hz;
	u64 uip_ticks; /* 244 us: UIP is set for that long before each update */
	u64 second_start; /* TSC at which the divider began the current second */
	u64 last; /* TSC of the last look: periodic edges after it set PF */
	u64 index_writes, data_accesses; /* statistics: bytes written to 0x70, at 0x71 */
};

/*
 * The clock at TSC tsc reads unix_seconds (since 1970-01-01 00:00:00, the host's RTC as Kestrel
 * read it at boot) and counts on from there at tsc_hz; registers A, B, D and the RAM are as a
 * PC's firmware leaves them (A 0x26: 32.768 kHz, 1024 Hz periodic rate; B 0x02: BCD, 24-hour).
 */
void vrtc_init(struct vrtc *r, s64 unix_seconds, u64 tsc, u64 tsc_hz);
/*
 * An IN or OUT of size bytes at port (one of them 0x70 or 0x71) at TSC now; the bytes of other
 * ports read as all ones, and are not written.
 */
u32 vrtc_read(struct vrtc *r, u16 port, u32 size, u64 now);
void vrtc_write(struct vrtc *r, u16 port, u32 size, u32 val, u64 now);
/*
 * The hook for an interrupt controller: whether the RTC drives its IRQ line (VRTC_IRQ) at TSC
 * now. The line stays asserted until the guest reads register C.
 */
bool vrtc_irq_asserted(struct vrtc *r, u64 now);
/* The time the clock shows at now, in seconds since 1970 (for the tests and the log). */
s64 vrtc_unix_seconds(struct vrtc *r, u64 now);

#endif

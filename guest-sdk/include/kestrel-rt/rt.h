/* SPDX-License-Identifier: MIT */
/* The Kestrel guest runtime in one include. */
#ifndef KESTREL_RT_RT_H
#define KESTREL_RT_RT_H

#include <kestrel-rt/types.h>
#include <kestrel-rt/cpu.h>
#include <kestrel-rt/atomic.h>
#include <kestrel-rt/string.h>
#include <kestrel-rt/boot.h>
#include <kestrel-rt/alloc.h>
#include <kestrel-rt/console.h>
#include <kestrel-rt/irq.h>
#include <kestrel-rt/apic.h>
#include <kestrel-rt/timer.h>
#include <kestrel-rt/tsc.h>
#include <kestrel-rt/smp.h>
#include <kestrel-rt/test.h>

#endif

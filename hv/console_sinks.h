/* SPDX-License-Identifier: GPL-2.0 */
/* The console's sinks on this machine: COM1-COM4 and the screen, as console= names them. */
#ifndef KESTREL_HV_CONSOLE_SINKS_H
#define KESTREL_HV_CONSOLE_SINKS_H

#include "hv/cmdline.h"
#include "hv/screen.h"
#include "lib/console.h"
#include "lib/multiboot2.h"

/* Sends the console to sinks (enum console_target bits); the screen only once it is set up. */
void console_sinks_set(u32 sinks);
/* A byte typed at the console (the first serial port it uses), if one waits: never waits. */
bool console_sinks_read(u8 *byte);
/* Whether there is a serial port to read from. */
bool console_sinks_can_read(void);
/*
 * Sets the screen up on fb (mapped below limit) and clears it; it shows the console from the
 * next console_sinks_set that names it. Returns why fb cannot be used, or SCREEN_OK.
 */
enum screen_error console_sinks_screen_init(const struct mb2_framebuffer *fb, u64 limit);
/* Describes the screen in a line: "VGA text at 0xb8000, 80x25 characters". */
void console_sinks_describe_screen(char *buf, size_t size);

#endif

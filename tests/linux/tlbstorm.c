// SPDX-License-Identifier: GPL-2.0
/*
 * The TLB-shootdown workload of the Linux guest tests, after what ebizzy does: threads of one
 * process allocate a buffer with mmap, fill it, search it and free it with munmap, so every
 * free must shoot down the TLBs of the other CPUs that run the process. It counts records
 * (one allocate-fill-search-free cycle each) for a span of TSC ticks and prints the rate.
 *
 *   tlbstorm THREADS TICKS [KIB]   (KIB: buffer size, 64 by default)
 *
 * Output, one line each (the Linux tests read them): "tlbstorm: threads N ticks T records R
 * per-1e7-ticks X", with X the records per 10 million TSC ticks, and "tlbstorm: RESULT: PASS"
 * when every search found what the fill wrote.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t span, buf_bytes;
static volatile int go;
static uint64_t start; /* the window's first TSC tick, 0: each thread's own start */

struct worker {
	pthread_t thread;
	unsigned int id;
	uint64_t records;
	uint64_t bad;
};

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (w->id + 1), end;

	while (!go)
		__asm__ volatile("pause");
	end = start ? start + span : rdtsc() + span;
	while (rdtsc() < end) {
		uint64_t *p = mmap(NULL, buf_bytes, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint64_t n = buf_bytes / sizeof(*p), key, i;

		if (p == MAP_FAILED) {
			w->bad++;
			continue;
		}
		for (i = 0; i < n; i++)
			p[i] = seed + i;
		/* Search for a key the fill wrote at a place the PRNG picks. */
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		key = p[(seed >> 33) % n];
		for (i = 0; i < n && p[i] != key; i++)
			;
		if (i == n || p[i] != key)
			w->bad++;
		munmap(p, buf_bytes); /* the shootdown: other CPUs may cache this range */
		w->records++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned int threads = argc > 1 ? (unsigned int)atoi(argv[1]) : 1;
	uint64_t records = 0, bad = 0;
	struct worker *w;
	char line[160];

	span = argc > 2 ? strtoull(argv[2], NULL, 0) : 100000000ull;
	buf_bytes = (argc > 3 ? strtoull(argv[3], NULL, 0) : 64) * 1024;
	start = argc > 4 ? strtoull(argv[4], NULL, 0) : 0;
	if (!threads || threads > 1024 || !span || buf_bytes < 4096) {
		fprintf(stderr, "usage: tlbstorm THREADS TICKS [KIB [START_TSC]]\n");
		return 2;
	}
	/*
	 * START_TSC: the window is [START_TSC, START_TSC + TICKS) of the TSC, which every VM on
	 * Kestrel shares (their TSC offsets are 0), so VMs booted together measure the same time.
	 * Sleep until then, so that VMs still booting get the pCPUs; say how late this one came.
	 */
	if (start) {
		uint64_t now = rdtsc();

		while (now < start) {
			usleep(1000);
			now = rdtsc();
		}
		snprintf(line, sizeof(line), "tlbstorm: window starts at TSC %llu, late by %llu\n",
			 (unsigned long long)start, (unsigned long long)(now - start));
		write(1, line, strlen(line));
	}
	w = calloc(threads, sizeof(*w));
	for (unsigned int t = 0; t < threads; t++) {
		w[t].id = t;
		pthread_create(&w[t].thread, NULL, work, &w[t]);
	}
	go = 1;
	for (unsigned int t = 0; t < threads; t++) {
		pthread_join(w[t].thread, NULL);
		records += w[t].records;
		bad += w[t].bad;
	}
	/* One write per line: each becomes one console record when stdout is /dev/kmsg. */
	snprintf(line, sizeof(line), "tlbstorm: threads %u ticks %llu records %llu per-1e7-ticks "
		 "%llu\n", threads, (unsigned long long)span, (unsigned long long)records,
		 (unsigned long long)(records * 10000000ull / span));
	write(1, line, strlen(line));
	snprintf(line, sizeof(line), "tlbstorm: RESULT: %s\n", bad ? "FAIL" : "PASS");
	write(1, line, strlen(line));
	return bad ? 1 : 0;
}

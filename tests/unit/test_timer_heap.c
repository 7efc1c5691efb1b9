// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/timer_heap.c: random arms, moves and cancels against a plain reference. */
#include "unit.h"
#include "lib/timer_heap.h"

#define N 257

static struct timer_heap_node nodes[N];
static struct timer_heap_node *slots[N];
static u64 ref[N]; /* the reference model: each timer's key, 0 when not armed */

static u64 ref_min(void)
{
	u64 m = 0;

	for (u32 i = 0; i < N; i++)
		if (ref[i] && (!m || ref[i] < m))
			m = ref[i];
	return m;
}

static u32 ref_count(void)
{
	u32 n = 0;

	for (u32 i = 0; i < N; i++)
		n += ref[i] != 0;
	return n;
}

/* The heap property holds and every armed node knows its slot. */
static void check_heap(const struct timer_heap *h)
{
	for (u32 i = 0; i < h->nr; i++) {
		assert_int_equal(h->slots[i]->pos, i + 1);
		if (i)
			assert_true(h->slots[(i - 1) / 2]->key <= h->slots[i]->key);
	}
}

static u64 rnd_state = 0x9e3779b97f4a7c15ull;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* 200,000 random operations, keys from a small range (many ties) and a wide one. */
static void test_random_against_reference(void **state)
{
	struct timer_heap h;

	(void)state;
	memset(nodes, 0, sizeof(nodes));
	memset(ref, 0, sizeof(ref));
	timer_heap_init(&h, slots, N);
	for (u32 op = 0; op < 200000; op++) {
		u32 i = (u32)(rnd() % N);
		u64 r = rnd();
		u64 key = op & 1 ? 1 + r % 16 : 1 + (r >> 8);

		switch (r % 5) {
		case 0: /* cancel */
			timer_heap_cancel(&h, &nodes[i]);
			ref[i] = 0;
			break;
		case 1: /* set 0 cancels too */
			assert_true(timer_heap_set(&h, &nodes[i], 0));
			ref[i] = 0;
			break;
		case 2: { /* take the earliest and re-arm it later, as a timer that fired */
			struct timer_heap_node *m = timer_heap_min(&h);

			if (!m)
				break;
			assert_int_equal(m->key, ref_min());
			ref[m - nodes] = m->key + 1 + r % 100;
			assert_true(timer_heap_set(&h, m, ref[m - nodes]));
			break;
		}
		default: /* arm or move */
			assert_true(timer_heap_set(&h, &nodes[i], key));
			ref[i] = key;
			break;
		}
		assert_int_equal(timer_heap_min_key(&h), ref_min());
		assert_int_equal(h.nr, ref_count());
		assert_int_equal(nodes[i].key, ref[i]);
		if (op % 64 == 0)
			check_heap(&h);
	}
	check_heap(&h);
}

/* A full heap refuses a new timer but still moves and cancels the ones it holds. */
static void test_full(void **state)
{
	struct timer_heap_node n[3] = { 0 }, *s[2];
	struct timer_heap h;

	(void)state;
	timer_heap_init(&h, s, 2);
	assert_true(timer_heap_set(&h, &n[0], 50));
	assert_true(timer_heap_set(&h, &n[1], 40));
	assert_false(timer_heap_set(&h, &n[2], 10));
	assert_int_equal(n[2].pos, 0);
	assert_int_equal(timer_heap_min_key(&h), 40);
	assert_true(timer_heap_set(&h, &n[0], 5));
	assert_ptr_equal(timer_heap_min(&h), &n[0]);
	timer_heap_cancel(&h, &n[0]);
	timer_heap_cancel(&h, &n[0]); /* twice: nothing more happens */
	assert_int_equal(h.nr, 1);
	assert_ptr_equal(timer_heap_min(&h), &n[1]);
	timer_heap_cancel(&h, &n[1]);
	assert_null(timer_heap_min(&h));
	assert_int_equal(timer_heap_min_key(&h), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_against_reference),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

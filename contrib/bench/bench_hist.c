/*
 * Latency histogram with logarithmic buckets, in the manner of HdrHistogram:
 * values below 128 ns have a bucket each; above, every power of two is cut
 * into 128 equal sub-buckets, so a percentile is off by less than 0.8 %
 * whatever its magnitude, in a fixed 58 KiB and O(1) per sample.
 */
#include <string.h>

#include "bench.h"

/* Index of the most significant set bit (v > 0). */
static int
msb(uint64_t v)
{
	return 63 - __builtin_clzll(v);
}

/* Bucket of a value. */
static size_t
bucket_of(uint64_t v)
{
	int m;

	if (v < HIST_SUB)
		return (size_t)v;
	m = msb(v);
	return (size_t)(m - HIST_SUB_BITS + 1) * HIST_SUB +
	    (size_t)((v >> (m - HIST_SUB_BITS)) - HIST_SUB);
}

/* Middle of a bucket, the value a percentile reports. */
static uint64_t
bucket_value(size_t i)
{
	size_t k = i / HIST_SUB, sub = i % HIST_SUB;
	int shift;

	if (k == 0)
		return i;
	shift = (int)k - 1;
	return ((uint64_t)(HIST_SUB + sub) << shift) +
	    (((uint64_t)1 << shift) >> 1);
}

/* Empties the histogram. */
void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

/* Records one latency in ns. */
void
hist_add(struct hist *h, uint64_t ns)
{
	h->count[bucket_of(ns)]++;
	if (h->n == 0 || ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	h->n++;
	h->sum += (double)ns;
}

/*
 * The value at percentile p (0..100): the smallest bucket whose
 * cumulative count reaches p % of the samples; the exact max for 100.
 */
uint64_t
hist_percentile(const struct hist *h, double p)
{
	uint64_t want, seen = 0;
	uint64_t v;

	if (h->n == 0)
		return 0;
	if (p >= 100.0)
		return h->max;
	want = (uint64_t)((p / 100.0) * (double)h->n + 0.999999);
	if (want < 1)
		want = 1;
	for (size_t i = 0; i < HIST_SIZE; i++) {
		seen += h->count[i];
		if (seen >= want) {
			v = bucket_value(i);
			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

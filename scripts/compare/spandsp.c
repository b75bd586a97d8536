/*
 * spandsp.c — the measuring side of scripts/compare-spandsp.sh: runs
 * spandsp's DTMF receiver (dtmf_rx) or its ADSI/caller-ID receiver
 * (adsi_rx) over 8 kHz 16-bit mono WAV files, in 20 ms blocks as a
 * recorder would feed it, and prints the seconds of audio processed per
 * second of CPU time (getrusage, user + system) and what it detected.
 *
 *   spandsp dtmf|dtmf-dialtone FILE.wav...   digits found (false digits on a talk-off corpus)
 *   spandsp clip|class REPS FILE.wav        caller-ID messages (ETSI V.23 or Bell 202)
 *
 * It links libspandsp (Debian: libspandsp-dev) to measure it; nothing of
 * spandsp is part of linetap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <spandsp.h>

enum { block = 160 };

static long detected;

static void on_digits(void *user, const char *digits, int len) { detected += len; }

static void on_message(void *user, const uint8_t *msg, int len)
{
	if (len > 0)
		detected++;
}

static double cpu_seconds(void)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

/* read_wav returns the samples of a 16-bit mono WAV's data chunk. */
static int16_t *read_wav(const char *path, long *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc(size);
	if (!b || fread(b, 1, size, f) != (size_t)size) {
		fclose(f);
		free(b);
		return NULL;
	}
	fclose(f);
	for (long off = 12; off + 8 <= size;) {
		uint32_t len = b[off + 4] | b[off + 5] << 8 | b[off + 6] << 16 | (uint32_t)b[off + 7] << 24;
		if (memcmp(b + off, "data", 4) == 0 && off + 8 + len <= (uint32_t)size) {
			int16_t *s = malloc(len);
			memcpy(s, b + off + 8, len);
			*n = len / 2;
			free(b);
			return s;
		}
		off += 8 + len + (len & 1);
	}
	free(b);
	return NULL;
}

static int dtmf(int dialtone, int argc, char **argv)
{
	double cpu = 0, audio = 0;
	for (int i = 0; i < argc; i++) {
		long n;
		int16_t *s = read_wav(argv[i], &n);
		if (!s) {
			fprintf(stderr, "spandsp: %s: not a readable 16-bit WAV\n", argv[i]);
			return 1;
		}
		dtmf_rx_state_t *st = dtmf_rx_init(NULL, on_digits, NULL);
		if (dialtone)
			dtmf_rx_parms(st, 1, -1, -1, -99);
		double t0 = cpu_seconds();
		for (long k = 0; k < n; k += block)
			dtmf_rx(st, s + k, n - k < block ? n - k : block);
		cpu += cpu_seconds() - t0;
		audio += n / 8000.0;
		dtmf_rx_free(st);
		free(s);
	}
	printf("spandsp %s: %.0f audio-s/cpu-s, %ld digits in %.1f min\n", dialtone ? "dtmf_rx+dialtone-filter" : "dtmf_rx", audio / cpu, detected, audio / 60);
	return 0;
}

static int adsi(int std, int reps, const char *path)
{
	long n;
	int16_t *s = read_wav(path, &n);
	if (!s) {
		fprintf(stderr, "spandsp: %s: not a readable 16-bit WAV\n", path);
		return 1;
	}
	double cpu = 0;
	for (int r = 0; r < reps; r++) {
		adsi_rx_state_t *st = adsi_rx_init(NULL, std, on_message, NULL);
		double t0 = cpu_seconds();
		for (long k = 0; k < n; k += block)
			adsi_rx(st, s + k, n - k < block ? n - k : block);
		cpu += cpu_seconds() - t0;
		adsi_rx_free(st);
	}
	printf("spandsp adsi_rx %s: %.0f audio-s/cpu-s, %ld messages in %d × %.1f s\n", std == ADSI_STANDARD_CLIP ? "clip" : "class", n / 8000.0 * reps / cpu, detected, reps, n / 8000.0);
	free(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && (strcmp(argv[1], "dtmf") == 0 || strcmp(argv[1], "dtmf-dialtone") == 0))
		return dtmf(strcmp(argv[1], "dtmf-dialtone") == 0, argc - 2, argv + 2);
	if (argc == 4 && (strcmp(argv[1], "clip") == 0 || strcmp(argv[1], "class") == 0))
		return adsi(strcmp(argv[1], "clip") == 0 ? ADSI_STANDARD_CLIP : ADSI_STANDARD_CLASS, atoi(argv[2]), argv[3]);
	fprintf(stderr, "usage: spandsp dtmf|dtmf-dialtone FILE.wav... | spandsp clip|class REPS FILE.wav\n");
	return 2;
}

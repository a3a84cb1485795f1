/*
 * One request at a time over one keep-alive connection, for scripts/tail-probe.sh: the same POST
 * as the saturation probe's, its latency taken around write and the last byte of the response
 * (Content-Length framing), so no client runtime, collector or JIT of its own sits in the figures.
 *
 * Usage: one-at-a-time PORT SECONDS SLOW_US
 * Prints "n=… p50=… p99=… p99.9=… max=…" (µs) on stdout and, on stderr, "slow EPOCH_S US" for
 * every request over SLOW_US, so slow requests can be set against other logs by wall clock.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUESTS 4000000

/* Seconds on CLOCK: CLOCK_MONOTONIC for latencies, CLOCK_REALTIME to stamp a slow request. */
static double now(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double latency[MAX_REQUESTS];

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s PORT SECONDS SLOW_US\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  double seconds = atof(argv[2]), slow_us = atof(argv[3]);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("one-at-a-time: connect");
    return 1;
  }
  int one = 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const char *body = "{\"model\":\"bench\",\"messages\":[{\"role\":\"user\",\"content\":"
                     "\"Say hello to the benchmark, in a short sentence please.\"}],\"max_tokens\":32}";
  char request[1024];
  int n = snprintf(request, sizeof request,
                   "POST /v1/chat/completions HTTP/1.1\r\nHost: probe\r\n"
                   "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                   strlen(body), body);
  static char buf[1 << 16];
  int count = 0;
  double end = now(CLOCK_MONOTONIC) + seconds;
  while (count < MAX_REQUESTS && now(CLOCK_MONOTONIC) < end) {
    double wall = now(CLOCK_REALTIME), t0 = now(CLOCK_MONOTONIC);
    if (write(s, request, n) != n) {
      perror("one-at-a-time: write");
      return 1;
    }
    int got = 0, need = -1;
    for (;;) {
      int r = read(s, buf + got, sizeof buf - 1 - got);
      if (r <= 0) {
        fprintf(stderr, "one-at-a-time: the server closed the connection or failed\n");
        return 1;
      }
      got += r;
      buf[got] = 0;
      char *head_end = strstr(buf, "\r\n\r\n");
      if (head_end != NULL && need < 0) {
        char *length = strcasestr(buf, "\r\ncontent-length:");
        if (length == NULL || length > head_end) {
          fprintf(stderr, "one-at-a-time: a response without Content-Length\n");
          return 1;
        }
        need = (int)(head_end - buf) + 4 + atoi(length + 17);
      }
      if (need >= 0 && got >= need) break;
    }
    double us = (now(CLOCK_MONOTONIC) - t0) * 1e6;
    latency[count++] = us;
    if (us > slow_us) fprintf(stderr, "slow %.6f %.0f\n", wall, us);
  }
  if (count == 0) return 1;
  qsort(latency, count, sizeof(double), by_value);
  printf("n=%d p50=%.0f p99=%.0f p99.9=%.0f max=%.0f\n", count, latency[count / 2],
         latency[(int)(count * 0.99)], latency[(int)(count * 0.999)], latency[count - 1]);
  return 0;
}

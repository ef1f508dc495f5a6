/*
 * hload: a small closed-loop HTTP/1.1 load generator for HEAD (and GET) requests.
 *
 * wrk 4.1 (Debian's) cannot measure HEAD: its parser waits for the body that the response's
 * Content-Length announces, so every HEAD request times out (wg/wrk#198). This tool keeps C
 * connections busy, one request in flight per connection, for a bounded time, and prints one
 * JSON line: requests, errors, requests/s and latency percentiles.
 *
 *   hload -c 16 -t 2 -d 5 -m HEAD -H 'Accept: ...' http://127.0.0.1:5000/v2/x/manifests/1
 *
 * Built by bench/run.sh with `cc -O2 -pthread`. Loopback use only; every run stops by itself
 * after -d seconds (at most 120) or -n requests.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUCKETS 1000000 /* 1 us resolution up to 1 s; slower responses land in the last one */
#define BUF 65536
#define REQ_TIMEOUT_NS 5000000000LL

typedef struct {
  int fd;
  int64_t started;   /* when the current request was written, ns */
  size_t have;       /* bytes buffered of the current response */
  long body_left;    /* -1 while headers are incomplete */
  int status;
  int close_after;
  char buf[BUF];
} conn_t;

typedef struct {
  int nconns;
  conn_t *conns;
  uint32_t *hist;
  long requests, errors, non2xx;
  pthread_t th;
} worker_t;

static struct sockaddr_in addr;
static char request[8192];
static size_t request_len;
static int is_head;
static int64_t deadline;
static long max_requests;
static long total_done; /* approximate, shared; only used for -n */

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int open_conn(int ep, conn_t *c) {
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (c->fd < 0) return -1;
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    close(c->fd);
    c->fd = -1;
    return -1;
  }
  fcntl(c->fd, F_SETFL, O_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
  return 0;
}

static int send_request(conn_t *c) {
  c->have = 0;
  c->body_left = -1;
  c->status = 0;
  c->close_after = 0;
  c->started = now_ns();
  size_t off = 0;
  while (off < request_len) { /* a request is small: a blocking-ish loop is fine */
    ssize_t n = write(c->fd, request + off, request_len - off);
    if (n < 0) {
      if (errno == EAGAIN) continue;
      return -1;
    }
    off += (size_t)n;
  }
  return 0;
}

static void reconnect(int ep, conn_t *c, worker_t *w) {
  if (c->fd >= 0) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
  }
  c->fd = -1;
  if (now_ns() >= deadline) return;
  if (open_conn(ep, c) < 0 || send_request(c) < 0) w->errors++;
}

/* Parses the headers in c->buf once they are complete; returns 1 when complete, 0 if not yet. */
static int parse_headers(conn_t *c) {
  char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
  if (!end) return 0;
  size_t head_len = (size_t)(end - c->buf) + 4;
  c->status = atoi(c->buf + 9);
  long clen = -1;
  char *line = memchr(c->buf, '\n', head_len);
  while (line && line < end) {
    line++;
    char *nl = memchr(line, '\n', (size_t)(end + 4 - line));
    size_t len = nl ? (size_t)(nl - line) : 0;
    if (len > 15 && strncasecmp(line, "content-length:", 15) == 0) clen = atol(line + 15);
    if (len > 11 && strncasecmp(line, "connection:", 11) == 0 && memmem(line, len, "close", 5))
      c->close_after = 1;
    if (len > 18 && strncasecmp(line, "transfer-encoding:", 18) == 0) c->close_after = 2;
    line = nl;
  }
  if (is_head || c->status == 204 || c->status == 304) clen = 0;
  if (clen < 0) c->close_after = 2;
  long in_buf = (long)(c->have - head_len);
  c->body_left = (clen < 0 ? 0 : clen) - in_buf;
  c->have = 0;
  return 1;
}

static void *run(void *arg) {
  worker_t *w = arg;
  int ep = epoll_create1(0);
  for (int i = 0; i < w->nconns; i++) {
    conn_t *c = &w->conns[i];
    c->fd = -1;
    if (open_conn(ep, c) < 0 || send_request(c) < 0) w->errors++;
  }
  struct epoll_event evs[256];
  int64_t last_sweep = now_ns();
  while (1) {
    int64_t t = now_ns();
    if (t >= deadline) break;
    if (max_requests > 0 && __atomic_load_n(&total_done, __ATOMIC_RELAXED) >= max_requests) break;
    int n = epoll_wait(ep, evs, 256, 50);
    for (int i = 0; i < n; i++) {
      conn_t *c = evs[i].data.ptr;
      ssize_t r;
      int broken = 0;
      while (1) {
        if (c->body_left < 0) {
          r = read(c->fd, c->buf + c->have, BUF - c->have);
        } else {
          static __thread char sink[BUF];
          r = read(c->fd, sink, BUF);
        }
        if (r == 0) { broken = 1; break; }
        if (r < 0) {
          if (errno == EAGAIN) break;
          broken = 1;
          break;
        }
        if (c->body_left < 0) {
          c->have += (size_t)r;
          if (!parse_headers(c)) {
            if (c->have == BUF) { broken = 1; break; }
            continue;
          }
        } else {
          c->body_left -= r;
        }
        if (c->body_left <= 0 && c->status) {
          int64_t done = now_ns();
          if (done < deadline) {
            int64_t us = (done - c->started) / 1000;
            if (us >= BUCKETS) us = BUCKETS - 1;
            w->hist[us]++;
            w->requests++;
            __atomic_add_fetch(&total_done, 1, __ATOMIC_RELAXED);
            if (c->status < 200 || c->status >= 400) w->non2xx++;
          }
          if (c->body_left < 0 || c->close_after) {
            if (c->close_after == 2) w->errors++;
            broken = 2;
            break;
          }
          if (send_request(c) < 0) { broken = 1; break; }
        }
      }
      if (broken == 1) w->errors++;
      if (broken) reconnect(ep, c, w);
    }
    if (t - last_sweep > 1000000000LL) { /* a stuck request counts as an error */
      last_sweep = t;
      for (int i = 0; i < w->nconns; i++) {
        conn_t *c = &w->conns[i];
        if (c->fd < 0 || t - c->started > REQ_TIMEOUT_NS) {
          if (c->fd >= 0) w->errors++;
          reconnect(ep, c, w);
        }
      }
    }
  }
  for (int i = 0; i < w->nconns; i++)
    if (w->conns[i].fd >= 0) close(w->conns[i].fd);
  close(ep);
  return NULL;
}

static void usage(void) {
  fprintf(stderr,
          "usage: hload [-c conns] [-t threads] [-d seconds] [-n max_requests] [-m METHOD]\n"
          "             [-H 'Name: value']... http://127.0.0.1:PORT/path\n");
  exit(2);
}

int main(int argc, char **argv) {
  int conns = 16, threads = 1;
  double seconds = 5;
  const char *method = "GET";
  char headers[4096] = "";
  int opt;
  while ((opt = getopt(argc, argv, "c:t:d:n:m:H:")) != -1) {
    switch (opt) {
      case 'c': conns = atoi(optarg); break;
      case 't': threads = atoi(optarg); break;
      case 'd': seconds = atof(optarg); break;
      case 'n': max_requests = atol(optarg); break;
      case 'm': method = optarg; break;
      case 'H':
        if (strlen(headers) + strlen(optarg) + 3 >= sizeof headers) usage();
        strcat(headers, optarg);
        strcat(headers, "\r\n");
        break;
      default: usage();
    }
  }
  if (optind != argc - 1 || conns < 1 || threads < 1 || threads > conns || seconds <= 0 ||
      seconds > 120)
    usage();
  const char *url = argv[optind];
  char host[256];
  int port = 80;
  const char *path = "/";
  if (strncmp(url, "http://", 7) != 0) usage();
  const char *h = url + 7;
  const char *slash = strchr(h, '/');
  size_t hl = slash ? (size_t)(slash - h) : strlen(h);
  if (hl >= sizeof host) usage();
  memcpy(host, h, hl);
  host[hl] = 0;
  if (slash) path = slash;
  char *colon = strchr(host, ':');
  if (colon) {
    *colon = 0;
    port = atoi(colon + 1);
  }
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "hload: host must be an IPv4 address (loopback), not %s\n", host);
    return 2;
  }
  if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127) {
    fprintf(stderr, "hload: refusing a non-loopback address\n");
    return 2;
  }
  is_head = strcmp(method, "HEAD") == 0;
  request_len = (size_t)snprintf(request, sizeof request,
                                 "%s %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: hload\r\n%s\r\n",
                                 method, path, host, port, headers);

  worker_t *ws = calloc((size_t)threads, sizeof *ws);
  int64_t start = now_ns();
  deadline = start + (int64_t)(seconds * 1e9);
  for (int i = 0; i < threads; i++) {
    ws[i].nconns = conns / threads + (i < conns % threads);
    ws[i].conns = calloc((size_t)ws[i].nconns, sizeof(conn_t));
    ws[i].hist = calloc(BUCKETS, sizeof(uint32_t));
    pthread_create(&ws[i].th, NULL, run, &ws[i]);
  }
  long requests = 0, errors = 0, non2xx = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(ws[i].th, NULL);
    requests += ws[i].requests;
    errors += ws[i].errors;
    non2xx += ws[i].non2xx;
  }
  double elapsed = (double)(now_ns() - start) / 1e9;
  double pct[] = {0.50, 0.90, 0.99, 0.999};
  double val[4] = {0, 0, 0, 0};
  long seen = 0;
  int k = 0;
  double max_ms = 0;
  for (long b = 0; b < BUCKETS && k < 4; b++) {
    long cnt = 0;
    for (int i = 0; i < threads; i++) cnt += ws[i].hist[b];
    seen += cnt;
    while (k < 4 && requests > 0 && seen >= (long)(pct[k] * (double)requests + 0.5)) {
      val[k++] = (double)(b + 1) / 1000.0;
    }
  }
  for (long b = BUCKETS - 1; b >= 0; b--) {
    long cnt = 0;
    for (int i = 0; i < threads; i++) cnt += ws[i].hist[b];
    if (cnt) {
      max_ms = (double)(b + 1) / 1000.0;
      break;
    }
  }
  printf("{\"requests\": %ld, \"errors\": %ld, \"non2xx\": %ld, \"seconds\": %.3f, "
         "\"rps\": %.1f, \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, "
         "\"p999_ms\": %.3f, \"max_ms\": %.3f}\n",
         requests, errors, non2xx, elapsed, (double)requests / elapsed, val[0], val[1], val[2],
         val[3], max_ms);
  return 0;
}

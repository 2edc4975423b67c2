/*
 * fuzz_ra_form.c - libFuzzer harness for the backend's multipart upload
 * (the phone's page, POST /u/TOKEN): the body goes over a real socket to
 * libmicrohttpd's form parser, the one the server uses, and from there
 * through the backend's own field collection (req_form_add) to the upload
 * handler (h_upload_post: the documents' kinds, types and sizes), as the
 * HTTP layer does for an R_FORM route (src/ra/http.c; TLS left out).
 *
 * An input is the request's Content-Type (the first line) and its body
 * (the rest).  The upload link belongs to a draft apply order of the
 * demo's first unit, made once; every upload runs in a transaction that is
 * rolled back, so each input meets the same order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "fuzz.h"
#include "fuzz_ra.h"
#include "ra/order.h"
#include "ra/store.h"

static struct MHD_Daemon *daemon_;
static uint16_t port;
static char token[40];

/* One upload while its body arrives. */
struct upload {
	struct req r;
	struct MHD_PostProcessor *pp;
	bool too_big;
};

static enum MHD_Result
field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
      const char *content_type, const char *transfer_encoding, const char *data,
      uint64_t off, size_t size)
{
	struct upload *u = cls;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	(void)off;
	if (req_form_add(&u->r, key, filename, data, size) != 0)
		u->too_big = true;
	return MHD_YES;
}

static enum MHD_Result
answer(struct MHD_Connection *conn, struct upload *u)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (u->pp != NULL) {
		MHD_destroy_post_processor(u->pp);
		u->pp = NULL;
	}
	u->r.too_large = u->too_big;
	store_lock(fuzz_app.st);
	if (store_begin(fuzz_app.st, true) != 0)
		abort();
	h_upload_post(&u->r);
	store_rollback(fuzz_app.st);
	store_unlock(fuzz_app.st);
	if (u->r.status == 0 || u->r.status >= 500) {
		fprintf(stderr, "fuzz_ra_form: the upload answered %d\n", u->r.status);
		abort();
	}
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
access_(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	const char *version, const char *upload_data, size_t *upload_data_size,
	void **con_cls)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)url;
	(void)version;
	if (u == NULL) {
		u = calloc(1, sizeof *u);
		if (u == NULL)
			abort();
		u->r.app = &fuzz_app;
		u->r.conn = conn;
		u->r.method = method;
		u->r.path = "/u/{token}";
		u->r.args[0] = strdup(token);
		u->r.nargs = 1;
		u->pp = MHD_create_post_processor(conn, 64 * 1024, field, u);
		*con_cls = u;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		if (u->pp != NULL && !u->too_big &&
		    MHD_post_process(u->pp, upload_data, *upload_data_size) != MHD_YES)
			u->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return answer(conn, u);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	  enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (u == NULL)
		return;
	if (u->pp != NULL)
		MHD_destroy_post_processor(u->pp);
	for (int i = 0; i < u->r.nfields; i++)
		free(u->r.fields[i].data);
	for (int i = 0; i < u->r.nargs; i++)
		free(u->r.args[i]);
	for (int i = 0; i < u->r.nhdr; i++)
		free(u->r.hdr_value[i]);
	json_decref(u->r.out);
	free(u->r.raw_out);
	free(u);
	*con_cls = NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char script[] =
		"POST /v1/orders {\"kind\":\"apply\",\"subject_type\":\"unit\","
		"\"subject_id\":\"91430100MA4L00011K\",\"term_years\":1,\"form\":{"
		"\"email\":\"agent@example.cn\",\"mobile\":\"13912345678\","
		"\"address\":\"湖南省长沙市岳麓区麓山南路1号\",\"postcode\":\"410082\"}}"
		"\n"
		"POST /v1/orders/{id}/upload-link $\n";
	char last[128] = "none";
	const char *url, *t;
	const union MHD_DaemonInfo *di;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	json_t *link;

	(void)argc;
	(void)argv;
	fuzz_ra_open("fuzz_ra_form");
	store_lock(fuzz_app.st);
	if (store_begin(fuzz_app.st, true) != 0)
		abort();
	link = fuzz_ra_script(script, last);
	if (store_commit(fuzz_app.st) != 0)
		abort();
	store_unlock(fuzz_app.st);
	url = json_string_value(json_object_get(link, "url"));
	t = url != NULL ? strstr(url, "/u/") : NULL;
	if (t == NULL || strlen(t + 3) >= sizeof token) {
		fprintf(stderr, "fuzz_ra_form: no upload link\n");
		abort();
	}
	snprintf(token, sizeof token, "%s", t + 3);
	json_decref(link);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
				   access_, NULL, MHD_OPTION_SOCK_ADDR,
				   (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED,
				   completed, NULL, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				   (size_t)32 * 1024, MHD_OPTION_END);
	di = daemon_ != NULL ? MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)
			     : NULL;
	if (di == NULL)
		abort();
	port = di->port;
	return 0;
}

static void
send_all(int fd, const void *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* the server closed early: it may */
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t tlen = nl != NULL ? (size_t)(nl - data) : 0;
	const uint8_t *body = nl != NULL ? nl + 1 : data;
	size_t blen = size - (size_t)(body - data);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {.tv_sec = 20};
	char head[512], buf[4096];
	int fd, hn;

	if (tlen > 200 || memchr(data, '\r', tlen) != NULL)
		return 0; /* a header the client would not send */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		abort();
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	hn = snprintf(head, sizeof head,
		      "POST /u/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %.*s\r\n"
		      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		      token, (int)tlen, (const char *)data, blen);
	send_all(fd, head, (size_t)hn);
	send_all(fd, body, blen);
	while (recv(fd, buf, sizeof buf, 0) > 0)
		;
	close(fd);
	return 0;
}

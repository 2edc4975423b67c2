/*
 * issue_seal.c - electronic seals (see issue.h): the seal's picture, the
 * GM/T 0031 SES_Seal made for a new certificate, and GET of a seal.
 */
#include "ra/issue_int.h"

/* ---- electronic seal (GM/T 0031 SES_Seal) ---- */

/* Width and height of a PNG from its IHDR chunk (0 for other types). */
static void
picture_size(const unsigned char *p, size_t n, int64_t *w, int64_t *h)
{
	*w = *h = 0;
	if (n >= 24 && memcmp(p, "\x89PNG", 4) == 0 && memcmp(p + 12, "IHDR", 4) == 0) {
		*w = (int64_t)p[16] << 24 | p[17] << 16 | p[18] << 8 | p[19];
		*h = (int64_t)p[20] << 24 | p[21] << 16 | p[22] << 8 | p[23];
	}
}

/* The picture for a new seal: the uploaded sample form of this order, or
 * (renew, change) the picture of the old certificate's seal. */
static int
seal_picture(struct app *app, json_t *order, void **pic, size_t *plen, char **mime)
{
	const char *doc = strcmp(S(order, "subject_type"), "unit") == 0
				  ? "seal_form"
				  : "signature_form";
	json_t *d = store_query_one(
		app->st, "SELECT mime FROM documents WHERE order_id = ? AND kind = ?",
		"ss", S(order, "id"), doc);
	if (d) {
		*mime = util_xstrdup(S(d, "mime"));
		json_decref(d);
		return store_query_blob(
			app->st, pic, plen,
			"SELECT data FROM documents WHERE order_id = ? AND kind = ?",
			"ss", S(order, "id"), doc);
	}
	if (json_is_null(json_object_get(order, "old_serial")))
		return -1;
	json_t *old = store_query_one(app->st,
				      "SELECT view FROM seals WHERE cert_serial = ?"
				      " ORDER BY created DESC LIMIT 1",
				      "s", S(order, "old_serial"));
	json_t *view = old && S(old, "view") ? json_loads(S(old, "view"), 0, NULL) : NULL;
	json_t *p = json_object_get(json_object_get(view, "seal"), "picture");
	unsigned char *raw = NULL;
	int rc = -1;
	if (p && S(p, "data") && codec_base64_decode(S(p, "data"), &raw, plen) == 0) {
		*pic = raw;
		*mime = util_xstrdup(S(p, "type"));
		rc = 0;
	}
	json_decref(view);
	json_decref(old);
	if (rc != 0) {
		/* A certificate from before seals: a plain placeholder picture
		 * (a 1x1 PNG) until the customer sends a sample form. */
		static const unsigned char png[] = {
			0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00,
			0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01,
			0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
			0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41,
			0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00,
			0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00,
			0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
		*pic = util_xmalloc(sizeof png);
		memcpy(*pic, png, sizeof png);
		*plen = sizeof png;
		*mime = util_xstrdup("image/png");
		rc = 0;
	}
	return rc;
}

int
seal_read(struct app *app, json_t *order, const char *holder, struct seal *s)
{
	memset(s, 0, sizeof *s);
	s->holder = util_xstrdup(holder);
	s->unit = strcmp(S(order, "subject_type"), "unit") == 0;
	return seal_picture(app, order, &s->pic, &s->plen, &s->mime);
}

bool
seal_same(const struct seal *a, const struct seal *b)
{
	return a->unit == b->unit && a->plen == b->plen &&
	       strcmp(a->holder, b->holder) == 0 && strcmp(a->mime, b->mime) == 0 &&
	       memcmp(a->pic, b->pic, a->plen) == 0;
}

/*
 * Builds and signs the seal bound to the certificate is: the SES_Seal of
 * src/common/sesseal.h (GM/T 0031-2014), the CA's SHA-256/ECDSA signature
 * over the DER of esealInfo, and its JSON rendering.  No store: this is
 * done without its lock.  0 or -1.
 */
int
seal_sign(struct ca *ca, const struct ca_issued *is, int64_t now, struct seal *s)
{
	const unsigned char *cader;
	size_t clen = 0, slen = 0, tlen = 0;
	char *b64pic = NULL, *b64cert = NULL, *b64sig = NULL, *b64der = NULL;
	unsigned char *sig = NULL, *tbs = NULL;
	SES_Seal *seal = NULL;
	char cert_hash[65], from[32], to[32], made[32];
	int64_t w, h;
	cader = ca_cert_der_of(ca, &clen);
	codec_sha256_hex(is->der, is->der_len, cert_hash);
	util_random_hex(s->id, 16);
	s->created = now;
	picture_size(s->pic, s->plen, &w, &h);
	seal = sesseal_new(&(struct sesseal_fields){
		.vid = "cakiosk-ra",
		.es_id = s->id,
		.type = s->unit ? 1 : 2,
		.name = s->holder,
		.cert = is->der,
		.cert_len = is->der_len,
		.created = now,
		.start = is->not_before,
		.end = is->not_after,
		.picture_type = strcmp(s->mime, "image/png") == 0    ? "PNG"
				: strcmp(s->mime, "image/jpeg") == 0 ? "JPG"
								     : "PDF",
		.picture = s->pic,
		.picture_len = s->plen,
		.width = w,
		.height = h,
	});
	tbs = sesseal_tbs(seal, &tlen);
	if (ca_sign(ca, tbs, tlen, &sig, &slen) != 0 ||
	    sesseal_set_signature(seal, cader, clen, SESSEAL_ECDSA_SHA256, sig, slen) !=
		    0)
		goto out;
	s->der = sesseal_der(seal, &s->dlen);

	util_iso8601(is->not_before, from, sizeof from);
	util_iso8601(is->not_after, to, sizeof to);
	util_iso8601(now, made, sizeof made);
	b64pic = codec_base64_encode(s->pic, s->plen);
	b64cert = codec_base64_encode(cader, clen);
	b64sig = codec_base64_encode(sig, slen);
	b64der = codec_base64_encode(s->der, s->dlen);
	json_t *v = json_pack(
		"{s:{s:{s:s, s:i, s:s}, s:s, s:{s:i, s:s, s:s, s:s, s:s, s:s, s:s},"
		" s:{s:s, s:s, s:I, s:I}}, s:s, s:s, s:s, s:s}",
		"seal", "header", "id", "ES", "version", 4, "vid", "cakiosk-ra", "esID",
		s->id, "property", "type", s->unit ? 1 : 2, "name", s->holder, "certHash",
		cert_hash, "certSerial", is->serial, "createDate", made, "validStart",
		from, "validEnd", to, "picture", "type", s->mime, "data", b64pic, "width",
		(json_int_t)w, "height", (json_int_t)h, "cert", b64cert, "signAlgID",
		SESSEAL_ECDSA_SHA256, "signedValue", b64sig, "der", b64der);
	s->view = json_dumps(v, JSON_COMPACT);
	json_decref(v);
out:
	free(b64der);
	free(b64sig);
	free(b64cert);
	free(b64pic);
	free(tbs);
	SES_Seal_free(seal);
	free(sig);
	return s->der && s->view ? 0 : -1;
}

char *
seal_store(struct app *app, json_t *order, const char *serial, const struct seal *s)
{
	if (store_exec(app->st,
		       "INSERT INTO seals(id, cert_serial, order_id, der, view, created)"
		       " VALUES(?,?,?,?,?,?)",
		       "sssbsi", s->id, serial, S(order, "id"), (const void *)s->der,
		       s->dlen, s->view, s->created) != 1)
		return NULL;
	return util_xstrdup(s->id);
}

void
seal_clear(struct seal *s)
{
	free(s->pic);
	free(s->mime);
	free(s->holder);
	free(s->der);
	free(s->view);
	memset(s, 0, sizeof *s);
}

void
h_seal_get(struct req *r)
{
	json_t *row = store_query_one(r->app->st,
				      "SELECT order_id, view FROM seals WHERE id = ?",
				      "s", r->args[0]);
	json_t *o = row ? order_load(r->app->st, S(row, "order_id")) : NULL;
	if (!o) {
		req_error(r, 404, "not_found", NULL, "no such seal");
	} else if (((strcmp(S(o, "kind"), "renew") == 0 ||
		     strcmp(S(o, "kind"), "change") == 0) &&
		    (strcmp(S(o, "state"), "issued") == 0 ||
		     strcmp(S(o, "state"), "installed") == 0)) ||
		   order_access(r, o)) {
		json_t *seal = json_loads(S(row, "view"), 0, NULL);
		req_json(r, 200, seal ? seal : json_object());
	}
	json_decref(o);
	json_decref(row);
}

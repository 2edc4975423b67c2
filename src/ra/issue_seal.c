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

/*
 * Builds and signs a seal bound to the certificate: the SES_Seal of
 * src/common/sesseal.h (GM/T 0031-2014), the CA's SHA-256/ECDSA signature
 * over the DER of esealInfo.  Stores the DER and a JSON rendering;
 * returns the seal id (new), or NULL.
 */
char *
seal_make(struct app *app, json_t *order, const struct ca_issued *is, const char *holder)
{
	const char *serial = is->serial;
	const unsigned char *der = is->der, *cader;
	int64_t start = is->not_before, end = is->not_after;
	void *pic = NULL;
	size_t plen = 0, dlen = is->der_len, clen = 0, slen = 0, tlen = 0, alen = 0;
	char *mime = NULL, *ret = NULL, *b64pic = NULL, *b64cert = NULL, *b64sig = NULL;
	char *b64der = NULL, *view = NULL;
	unsigned char *sig = NULL, *tbs = NULL, *all = NULL;
	SES_Seal *seal = NULL;
	char cert_hash[65], id[33], from[32], to[32], made[32];
	int64_t now = util_now(), w, h;
	bool unit = strcmp(S(order, "subject_type"), "unit") == 0;
	cader = ca_cert_der_of(app->ca, &clen);
	if (seal_picture(app, order, &pic, &plen, &mime) != 0)
		goto out;
	codec_sha256_hex(der, dlen, cert_hash);
	util_random_hex(id, 16);
	picture_size(pic, plen, &w, &h);
	seal = sesseal_new(&(struct sesseal_fields){
		.vid = "cakiosk-ra",
		.es_id = id,
		.type = unit ? 1 : 2,
		.name = holder,
		.cert = der,
		.cert_len = dlen,
		.created = now,
		.start = start,
		.end = end,
		.picture_type = strcmp(mime, "image/png") == 0    ? "PNG"
				: strcmp(mime, "image/jpeg") == 0 ? "JPG"
								  : "PDF",
		.picture = pic,
		.picture_len = plen,
		.width = w,
		.height = h,
	});
	tbs = sesseal_tbs(seal, &tlen);
	if (ca_sign(app->ca, tbs, tlen, &sig, &slen) != 0 ||
	    sesseal_set_signature(seal, cader, clen, SESSEAL_ECDSA_SHA256, sig, slen) !=
		    0)
		goto out;
	all = sesseal_der(seal, &alen);

	util_iso8601(start, from, sizeof from);
	util_iso8601(end, to, sizeof to);
	util_iso8601(now, made, sizeof made);
	b64pic = codec_base64_encode(pic, plen);
	b64cert = codec_base64_encode(cader, clen);
	b64sig = codec_base64_encode(sig, slen);
	b64der = codec_base64_encode(all, alen);
	json_t *v = json_pack(
		"{s:{s:{s:s, s:i, s:s}, s:s, s:{s:i, s:s, s:s, s:s, s:s, s:s, s:s},"
		" s:{s:s, s:s, s:I, s:I}}, s:s, s:s, s:s, s:s}",
		"seal", "header", "id", "ES", "version", 4, "vid", "cakiosk-ra", "esID",
		id, "property", "type", unit ? 1 : 2, "name", holder, "certHash",
		cert_hash, "certSerial", serial, "createDate", made, "validStart", from,
		"validEnd", to, "picture", "type", mime, "data", b64pic, "width",
		(json_int_t)w, "height", (json_int_t)h, "cert", b64cert, "signAlgID",
		SESSEAL_ECDSA_SHA256, "signedValue", b64sig, "der", b64der);
	view = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (view &&
	    store_exec(app->st,
		       "INSERT INTO seals(id, cert_serial, order_id, der, view, created)"
		       " VALUES(?,?,?,?,?,?)",
		       "sssbsi", id, serial, S(order, "id"), (const void *)all, alen,
		       view, now) == 1)
		ret = util_xstrdup(id);
out:
	free(view);
	free(b64der);
	free(b64sig);
	free(b64cert);
	free(b64pic);
	free(all);
	free(tbs);
	SES_Seal_free(seal);
	free(sig);
	free(pic);
	free(mime);
	return ret;
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

/*
 * testp11_ctl.c - the test module's control file, its PIN
 * failure counts and which slots hold a present token
 * (part of the PKCS#11 test module: testp11.c says what it does).
 */
#define _GNU_SOURCE
#include "testp11.h"

struct testp11 T = {.lock = PTHREAD_MUTEX_INITIALIZER,
		    .event_cond = PTHREAD_COND_INITIALIZER};

/* ---- small things ---------------------------------------------------- */

static const struct {
	const char *name;
	CK_RV rv;
} ckr_names[] = {
	{"CKR_OK", CKR_OK},
	{"CKR_GENERAL_ERROR", CKR_GENERAL_ERROR},
	{"CKR_FUNCTION_FAILED", CKR_FUNCTION_FAILED},
	{"CKR_DEVICE_ERROR", CKR_DEVICE_ERROR},
	{"CKR_DEVICE_MEMORY", CKR_DEVICE_MEMORY},
	{"CKR_DEVICE_REMOVED", CKR_DEVICE_REMOVED},
	{"CKR_TOKEN_NOT_PRESENT", CKR_TOKEN_NOT_PRESENT},
	{"CKR_TOKEN_NOT_RECOGNIZED", CKR_TOKEN_NOT_RECOGNIZED},
	{"CKR_TOKEN_WRITE_PROTECTED", CKR_TOKEN_WRITE_PROTECTED},
	{"CKR_SESSION_HANDLE_INVALID", CKR_SESSION_HANDLE_INVALID},
	{"CKR_SESSION_CLOSED", CKR_SESSION_CLOSED},
	{"CKR_FUNCTION_CANCELED", CKR_FUNCTION_CANCELED},
	{"CKR_FUNCTION_NOT_SUPPORTED", CKR_FUNCTION_NOT_SUPPORTED},
	{"CKR_MECHANISM_INVALID", CKR_MECHANISM_INVALID},
	{"CKR_PIN_INCORRECT", CKR_PIN_INCORRECT},
	{"CKR_PIN_LOCKED", CKR_PIN_LOCKED},
	{"CKR_PIN_EXPIRED", CKR_PIN_EXPIRED},
	{"CKR_PIN_LEN_RANGE", CKR_PIN_LEN_RANGE},
	{"CKR_PIN_INVALID", CKR_PIN_INVALID},
	{"CKR_USER_NOT_LOGGED_IN", CKR_USER_NOT_LOGGED_IN},
	{"CKR_HOST_MEMORY", CKR_HOST_MEMORY},
	{"CKR_DATA_LEN_RANGE", CKR_DATA_LEN_RANGE},
	{"CKR_KEY_SIZE_RANGE", CKR_KEY_SIZE_RANGE},
	{"CKR_TEMPLATE_INCONSISTENT", CKR_TEMPLATE_INCONSISTENT},
	{"CKR_ATTRIBUTE_VALUE_INVALID", CKR_ATTRIBUTE_VALUE_INVALID},
};

static CK_RV
ckr_parse(const char *s)
{
	for (size_t i = 0; i < sizeof ckr_names / sizeof ckr_names[0]; i++)
		if (strcmp(ckr_names[i].name, s) == 0)
			return ckr_names[i].rv;
	return strtoul(s, NULL, 0);
}

/* Bounded copy that always terminates (snprintf "%s" upsets -Wformat-truncation). */
void
setstr(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void
trim_label(const unsigned char *in, char *out)
{
	int n = LABEL_LEN;

	memcpy(out, in, LABEL_LEN);
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
		n--;
	out[n] = '\0';
}

void
logcall(const char *fn, CK_RV rv)
{
	FILE *f;

	if (T.log_path[0] == '\0')
		return;
	f = fopen(T.log_path, "a");
	if (f == NULL)
		return;
	fprintf(f, "%s 0x%lx\n", fn, (unsigned long)rv);
	fclose(f);
}

/* ---- the control file ------------------------------------------------ */

void
ctl_defaults(void)
{
	strcpy(T.present, "*");
	T.blank = false;
	T.blank_card = false;
	T.pin_tries = 3;
	T.so_pin_tries = 3;
	T.min_pin = -1;
	T.max_pin = -1;
	T.pinpad = false;
	T.pinpad_pin[0] = '\0';
	T.pinpad_new[0] = '\0';
	T.to_be_changed = false;
	T.latency_ms = 0;
	T.nfnlat = 0;
	T.fail_nth = 0;
	T.fail_fn[0] = '\0';
	T.pull_nth = 0;
	T.pull_after = 0;
	T.pull_fn[0] = '\0';
	T.pull_fn_nth = 0;
	T.pull_fn_calls = 0;
	T.pulled = false;
	T.events = false;
	T.wait_linger_ms = 0;
	T.log_path[0] = '\0';
	T.calls = 0;
}

static void
ctl_line(char *line)
{
	char *eq = strchr(line, '='), *key = line, *val;

	if (eq == NULL)
		return;
	*eq = '\0';
	val = eq + 1;
	if (strcmp(key, "present") == 0)
		setstr(T.present, sizeof T.present, val);
	else if (strcmp(key, "blank") == 0)
		T.blank = atoi(val) != 0, T.blank_card = atoi(val) == 2;
	else if (strcmp(key, "pin_tries") == 0)
		T.pin_tries = atoi(val);
	else if (strcmp(key, "so_pin_tries") == 0)
		T.so_pin_tries = atoi(val);
	else if (strcmp(key, "min_pin") == 0)
		T.min_pin = atol(val);
	else if (strcmp(key, "max_pin") == 0)
		T.max_pin = atol(val);
	else if (strcmp(key, "pinpad") == 0)
		T.pinpad = atoi(val) != 0;
	else if (strcmp(key, "pinpad_pin") == 0)
		setstr(T.pinpad_pin, sizeof T.pinpad_pin, val);
	else if (strcmp(key, "pinpad_new") == 0)
		setstr(T.pinpad_new, sizeof T.pinpad_new, val);
	else if (strcmp(key, "to_be_changed") == 0)
		T.to_be_changed = atoi(val) != 0;
	else if (strcmp(key, "latency_ms") == 0)
		T.latency_ms = atol(val);
	else if (strncmp(key, "latency.", 8) == 0 && T.nfnlat < 16) {
		setstr(T.fnlat[T.nfnlat].name, sizeof T.fnlat[0].name, key + 8);
		T.fnlat[T.nfnlat++].ms = atol(val);
	} else if (strcmp(key, "fail_nth") == 0) {
		char *colon = strchr(val, ':');

		T.fail_nth = atol(val);
		T.fail_nth_rv = colon != NULL ? ckr_parse(colon + 1) : CKR_DEVICE_ERROR;
	} else if (strcmp(key, "fail_fn") == 0) {
		char *colon = strchr(val, ':');

		if (colon != NULL)
			*colon = '\0';
		setstr(T.fail_fn, sizeof T.fail_fn, val);
		T.fail_fn_rv = colon != NULL ? ckr_parse(colon + 1) : CKR_DEVICE_ERROR;
	} else if (strcmp(key, "pull_nth") == 0) {
		T.pull_nth = atol(val);
	} else if (strcmp(key, "pull_after") == 0) {
		T.pull_after = atol(val);
	} else if (strcmp(key, "pull_fn") == 0) {
		char *colon = strchr(val, ':');

		if (colon != NULL)
			*colon = '\0';
		setstr(T.pull_fn, sizeof T.pull_fn, val);
		T.pull_fn_nth = colon != NULL ? atol(colon + 1) : 1;
	} else if (strcmp(key, "events") == 0)
		T.events = atoi(val) != 0;
	else if (strcmp(key, "wait_linger_ms") == 0)
		T.wait_linger_ms = atol(val);
	else if (strcmp(key, "log") == 0)
		setstr(T.log_path, sizeof T.log_path, val);
}

/* Re-read the control file if it changed; lock held.  True if it did. */
static bool
ctl_reload(void)
{
	struct stat st;
	char line[4096];
	FILE *f;

	if (T.ctl_path[0] == '\0')
		return false;
	if (stat(T.ctl_path, &st) != 0)
		memset(&st, 0, sizeof st);
	if (T.ctl_seen && st.st_ino == T.ctl_st.st_ino &&
	    st.st_size == T.ctl_st.st_size &&
	    st.st_mtim.tv_sec == T.ctl_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == T.ctl_st.st_mtim.tv_nsec)
		return false;
	T.ctl_st = st;
	T.ctl_seen = true;
	ctl_defaults();
	f = fopen(T.ctl_path, "r");
	if (f == NULL)
		return true;
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '#' && line[0] != '\0')
			ctl_line(line);
	}
	fclose(f);
	return true;
}

/* ---- PIN failure counts, kept in CTL.pins ----------------------------- */

static void
pins_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s.pins",
		 T.ctl_path[0] != '\0' ? T.ctl_path : "/tmp/cakiosk-testp11");
}

struct pins
pins_get(const char *label)
{
	char path[4200], line[256], name[64];
	struct pins p = {0, 0};
	FILE *f;

	pins_path(path, sizeof path);
	f = fopen(path, "r");
	if (f == NULL)
		return p;
	while (fgets(line, sizeof line, f) != NULL) {
		int u, s;

		if (sscanf(line, "%63s %d %d", name, &u, &s) == 3 &&
		    strcmp(name, label) == 0) {
			p.user = u;
			p.so = s;
		}
	}
	fclose(f);
	return p;
}

void
pins_set(const char *label, struct pins p)
{
	char path[4200], tmp[4300];
	FILE *in, *out;

	pins_path(path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
	out = fopen(tmp, "w");
	if (out == NULL)
		return;
	in = fopen(path, "r");
	if (in != NULL) {
		char line[256], name[64];

		while (fgets(line, sizeof line, in) != NULL) {
			int u, s;

			if (sscanf(line, "%63s %d %d", name, &u, &s) == 3 &&
			    strcmp(name, label) != 0)
				fputs(line, out);
		}
		fclose(in);
	}
	fprintf(out, "%s %d %d\n", label, p.user, p.so);
	fclose(out);
	rename(tmp, path);
}

/* ---- slots and presence ---------------------------------------------- */

static bool
label_listed(const char *label)
{
	const char *p = T.present;
	size_t n = strlen(label);

	if (strcmp(p, "*") == 0)
		return true;
	if (strcmp(p, "none") == 0 || p[0] == '\0')
		return false;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, label, n) == 0)
			return true;
		/* "CA*": every label that begins so (a card made from blank=2) */
		if (len > 1 && p[len - 1] == '*' && n >= len - 1 &&
		    strncmp(p, label, len - 1) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

struct slot *
slot_find(CK_SLOT_ID id)
{
	for (int i = 0; i < T.nslots; i++)
		if (T.slots[i].id == id)
			return &T.slots[i];
	return NULL;
}

static void
sessions_remove_slot(CK_SLOT_ID id)
{
	bool any = false;

	for (int i = 0; i < MAX_SESSIONS; i++) {
		if (T.sessions[i].used && T.sessions[i].slot == id &&
		    !T.sessions[i].removed) {
			T.sessions[i].removed = true;
			any = true;
		}
	}
	if (any)
		T.real->C_CloseAllSessions(id);
}

/*
 * A slot's label and "initialized", from SoftHSM.  SoftHSM reads the
 * token's files for it, so this is done only where the answer may have
 * changed (see slots_refresh).  Lock held.
 */
static void
slot_read(struct slot *s)
{
	CK_TOKEN_INFO ti;

	if (T.real->C_GetTokenInfo(s->id, &ti) == CKR_OK) {
		trim_label(ti.label, s->label);
		s->initialized = (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
		s->read = true;
	}
}

/*
 * Ask SoftHSM for its slots and decide which tokens are present now; a token
 * that was present and no longer is loses its sessions.  Lock held.
 *
 * A token's label is read when its slot is first seen, while the slot is
 * blank and blank slots are shown (another process may initialise it), and
 * again only when reread is set (the control file changed, or this module
 * initialised a token): never at every call.  Reading every token's files
 * at every call made each watcher's look cost a file open per token, and it
 * read cards that are out of their reader: a test that rewrites such a token
 * with another process meanwhile (a seal replaced with pkcs11-tool) could
 * catch SoftHSM in this process reading token.object half-written just as
 * the token's generation moved, and SoftHSM then holds that token broken for
 * the rest of the process (its C_GetTokenInfo fails with CKR_GENERAL_ERROR
 * from then on: the card never comes back).  A host does not read a card
 * that is out of its reader.
 */
void
slots_refresh(bool reread)
{
	CK_SLOT_ID ids[MAX_SLOTS];
	CK_ULONG n = MAX_SLOTS;

	bool card_in = false;

	if (T.real->C_GetSlotList(CK_FALSE, ids, &n) != CKR_OK)
		n = 0;
	for (CK_ULONG i = 0; i < n; i++) {
		struct slot *s = slot_find(ids[i]);

		if (s == NULL) {
			if (T.nslots == MAX_SLOTS)
				continue;
			s = &T.slots[T.nslots++];
			memset(s, 0, sizeof *s);
			s->id = ids[i];
		}
		if (reread || !s->read || (!s->initialized && T.blank))
			slot_read(s);
		/* blank=2: one reader, one card.  Once the blank card is
		 * initialized it is the token with its new label (present as
		 * the list says), and SoftHSM's next free slot is no second
		 * card. */
		card_in = card_in ||
			  (T.blank_card && s->initialized && label_listed(s->label));
	}
	for (CK_ULONG i = 0; i < n; i++) {
		struct slot *s = slot_find(ids[i]);
		bool present;

		if (s == NULL)
			continue;
		if (T.pulled)
			present = false;
		else if (!s->initialized)
			present = T.blank && !card_in;
		else
			present = label_listed(s->label);
		if (s->known && s->present && !present) {
			sessions_remove_slot(s->id);
			T.event_pending = true;
		} else if (s->known && !s->present && present) {
			T.event_pending = true;
		}
		s->present = present;
		s->known = true;
	}
	if (T.event_pending)
		pthread_cond_broadcast(&T.event_cond);
}

/*
 * A pulled card is out for every process: rewrite the control file with
 * present=none (and no pull_nth), keeping the rest.  Putting the card back
 * is the test's business (it writes the file again).  Lock held.
 */
void
ctl_write_pulled(void)
{
	char tmp[4200], line[4096];
	FILE *in, *out;
	struct stat st;

	if (T.ctl_path[0] == '\0')
		return;
	snprintf(tmp, sizeof tmp, "%s.pull%d", T.ctl_path, (int)getpid());
	out = fopen(tmp, "w");
	if (out == NULL)
		return;
	fputs("present=none\n", out);
	in = fopen(T.ctl_path, "r");
	while (in != NULL && fgets(line, sizeof line, in) != NULL)
		if (strncmp(line, "present=", 8) != 0 &&
		    strncmp(line, "pull_nth=", 9) != 0 &&
		    strncmp(line, "pull_after=", 11) != 0 &&
		    strncmp(line, "pull_fn=", 8) != 0)
			fputs(line, out);
	if (in != NULL)
		fclose(in);
	fclose(out);
	rename(tmp, T.ctl_path);
	/* This process knows already: take the new file as seen. */
	if (stat(T.ctl_path, &st) == 0)
		T.ctl_st = st;
	setstr(T.present, sizeof T.present, "none");
	T.pull_nth = 0;
	T.pull_after = 0;
	T.pull_fn[0] = '\0';
}

void
state_update(void)
{
	bool changed = ctl_reload();

	if (changed)
		T.pulled = false;
	slots_refresh(changed);
}
